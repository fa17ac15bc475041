"""SVD arrangement: W = scale * U Sigma V^H realised by two meshes and MZI attenuators."""

from __future__ import annotations

import numpy as np
import pytest

from circuits.clements import mzi_closed_form
from circuits.svd import (
    attenuator_phases,
    attenuator_transmission,
    compose,
    program_svd,
    realise,
    stage_matrices,
)


@pytest.mark.parametrize("shape", [(6, 6), (4, 7), (7, 3)])
def test_stages_compose_back_to_w(shape):
    w = np.random.default_rng(sum(shape)).uniform(-1, 1, shape)
    prog = program_svd(w)
    n = max(shape)
    assert prog.size == n and prog.u_mesh.n_modes == n and prog.v_mesh.n_modes == n
    # scale is the spectral norm (independent: numpy's matrix 2-norm)
    assert prog.scale == pytest.approx(np.linalg.norm(w, 2), rel=1e-13)
    u, sig, vh = stage_matrices(prog)
    for stage in (u, vh):
        np.testing.assert_allclose(stage.conj().T @ stage, np.eye(n), atol=1e-12)
    sv = np.linalg.svd(sig, compute_uv=False)
    assert sv.max() <= 1 + 1e-15 and sv.max() == pytest.approx(1.0, abs=1e-15)
    np.testing.assert_allclose(compose(u, sig, vh, prog.scale, prog.shape), w, atol=1e-12, rtol=0)
    np.testing.assert_allclose(realise(prog), w, atol=1e-12, rtol=0)


def test_padding_adds_only_dark_attenuators():
    w = np.random.default_rng(2).normal(size=(3, 5))
    prog = program_svd(w)
    ref = np.linalg.svd(w, compute_uv=False)
    np.testing.assert_allclose(prog.sigma[:3], ref / ref[0], atol=1e-13)
    np.testing.assert_allclose(prog.sigma[3:], 0.0, atol=1e-13)


def test_attenuator_amplitude_from_the_mzi_closed_form():
    sigma = np.linspace(0, 1, 11)
    theta, phi = attenuator_phases(sigma)
    t = mzi_closed_form(theta, phi)
    np.testing.assert_allclose(t[:, 0, 0], sigma, atol=1e-15)  # real, positive, exact
    # the rest of the power leaves the bottom port (lossless MZI)
    np.testing.assert_allclose(np.abs(t[:, 1, 0]) ** 2, 1 - sigma**2, atol=1e-15)
    np.testing.assert_allclose(attenuator_transmission(theta, phi), sigma, atol=1e-15)


def test_attenuator_loss_scales_the_realised_matrix():
    w = np.random.default_rng(3).uniform(-1, 1, (4, 4))
    prog = program_svd(w)
    lossy = realise(prog, attenuators={"insertion_loss_db": np.full(4, 3.0)})
    np.testing.assert_allclose(lossy, w * 10 ** (-3 / 20), atol=1e-12)


def test_zero_matrix_and_bad_inputs():
    np.testing.assert_allclose(realise(program_svd(np.zeros((2, 3)))), 0.0, atol=1e-15)
    with pytest.raises(ValueError, match="W must have finite"):
        program_svd(np.array([[1.0, np.nan], [0.0, 1.0]]))
    with pytest.raises(ValueError, match="2-D"):
        program_svd(np.ones(4))
    with pytest.raises(ValueError, match="sigma"):
        attenuator_phases([0.5, 1.2])
