"""Clements decomposition: references independent of circuits.clements' own algebra."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import unitary_group

from circuits.clements import (
    MeshPhases,
    decompose,
    mesh_positions,
    mesh_transfer_batch,
    mzi_closed_form,
    mzi_transfer,
    n_mzis,
    reconstruct,
)
from circuits.fidelity import unitary_fidelity

DC = np.array([[1, 1j], [1j, 1]]) / np.sqrt(2)


def P(x: float) -> np.ndarray:
    return np.diag([np.exp(1j * x), 1.0])


def embedded_product(phases: MeshPhases) -> np.ndarray:
    """Plain numpy evaluator: each MZI (DC P DC P) embedded at its (column, mode)."""
    n = phases.n_modes
    u = np.eye(n, dtype=complex)
    order = np.lexsort((phases.positions[:, 1], phases.positions[:, 0]))
    for i in order:
        k = phases.positions[i, 1]
        g = np.eye(n, dtype=complex)
        g[k : k + 2, k : k + 2] = DC @ P(phases.theta[i]) @ DC @ P(phases.phi[i])
        u = g @ u
    return np.diag(np.exp(1j * phases.output_phases)) @ u


@pytest.mark.parametrize("n", range(2, 13))
def test_haar_unitaries_decompose_and_reconstruct(n):
    u = unitary_group.rvs(n, random_state=100 + n)
    phases = decompose(u)
    assert phases.theta.shape == (n * (n - 1) // 2,)
    assert np.all((phases.theta >= 0) & (phases.theta <= np.pi))
    assert np.all((phases.phi >= 0) & (phases.phi < 2 * np.pi))
    np.testing.assert_allclose(reconstruct(phases, n), u, atol=1e-12, rtol=0)
    # the placement is what a layout would build: same matrix from a numpy evaluator
    np.testing.assert_allclose(embedded_product(phases), u, atol=1e-12, rtol=0)


def test_mesh_positions_follow_the_rectangular_rule():
    for n in (2, 5, 8):
        pos = mesh_positions(n)
        assert len(pos) == n * (n - 1) // 2 == n_mzis(n)
        assert pos[:, 0].max() <= n - 1
        for c in range(n):
            ks = pos[pos[:, 0] == c, 1]
            np.testing.assert_array_equal(ks, np.arange(c % 2, n - 1, 2))


def test_closed_form_matches_the_coupler_phase_product():
    rng = np.random.default_rng(1)
    theta, phi = rng.uniform(0, 2 * np.pi, (2, 20))
    ref = np.array([DC @ P(t) @ DC @ P(p) for t, p in zip(theta, phi, strict=True)])
    np.testing.assert_allclose(mzi_closed_form(theta, phi), ref, atol=1e-14)
    np.testing.assert_allclose(np.asarray(mzi_transfer(theta, phi)), ref, atol=1e-14)


def test_theta_zero_is_cross_and_pi_is_bar():
    for phi in (0.0, 1.3):
        np.testing.assert_allclose(
            np.abs(mzi_closed_form(0.0, phi)) ** 2, [[0, 1], [1, 0]], atol=1e-15
        )
        np.testing.assert_allclose(np.abs(mzi_closed_form(np.pi, phi)) ** 2, np.eye(2), atol=1e-15)


def test_identity_is_all_bar_and_swap_is_cross():
    for n in (2, 4, 7):
        phases = decompose(np.eye(n))
        np.testing.assert_allclose(phases.theta, np.pi)
        np.testing.assert_allclose(reconstruct(phases), np.eye(n), atol=1e-14)
    swap = np.array([[0.0, 1.0], [1.0, 0.0]])
    phases = decompose(swap)
    np.testing.assert_allclose(phases.theta, [0.0], atol=1e-15)
    np.testing.assert_allclose(reconstruct(phases), swap, atol=1e-14)


def test_permutation_uses_only_bar_and_cross():
    perm = np.eye(6)[[3, 5, 0, 1, 4, 2]]
    phases = decompose(perm)
    bar_or_cross = np.minimum(np.abs(phases.theta), np.abs(phases.theta - np.pi))
    assert bar_or_cross.max() < 1e-12
    np.testing.assert_allclose(reconstruct(phases), perm, atol=1e-14)


def test_coupler_errors_limit_extinction_as_textbook():
    # MZI with couplers kappa1, kappa2 (Chrostowski & Hochberg 2015, sec. 4.4):
    # cross state leak-free only for kappa = 1/2; max cross power 4 kappa (1 - kappa),
    # bar-state leak (sqrt(k2 (1-k1)) - sqrt(k1 (1-k2)))^2.
    d1, d2 = 0.04, -0.03
    k1, k2 = 0.5 + d1, 0.5 + d2
    t_cross = np.asarray(mzi_transfer(0.0, 0.0, [d1, d1]))
    assert abs(t_cross[1, 0]) ** 2 == pytest.approx(4 * k1 * (1 - k1), abs=1e-14)
    t_bar = np.asarray(mzi_transfer(np.pi, 0.0, [d1, d2]))
    leak = (np.sqrt(k2 * (1 - k1)) - np.sqrt(k1 * (1 - k2))) ** 2
    assert abs(t_bar[1, 0]) ** 2 == pytest.approx(leak, abs=1e-14)
    np.testing.assert_allclose(t_bar.conj().T @ t_bar, np.eye(2), atol=1e-14)  # still lossless


def test_insertion_loss_is_passive_and_in_db():
    u = unitary_group.rvs(5, random_state=3)
    phases = decompose(u)
    rng = np.random.default_rng(4)
    lossy = reconstruct(phases, insertion_loss_db=rng.uniform(0, 1, n_mzis(5)))
    assert np.linalg.svd(lossy, compute_uv=False).max() < 1.0
    t = np.asarray(mzi_transfer(0.7, 0.2, 0.0, 3.0))
    # 3 dB insertion loss on a lossless 2x2: power of each column is 10^(-0.3)
    np.testing.assert_allclose(np.sum(np.abs(t) ** 2, axis=0), 10 ** (-0.3), rtol=1e-12)


def test_batch_matches_single_evaluations():
    n, b = 4, 3
    rng = np.random.default_rng(5)
    theta = rng.uniform(0, np.pi, (b, n_mzis(n)))
    phi = rng.uniform(0, 2 * np.pi, (b, n_mzis(n)))
    out = rng.uniform(0, 2 * np.pi, n)
    errs = rng.normal(0, 0.02, (b, n_mzis(n), 2))
    batch = mesh_transfer_batch(theta, phi, out, errs)
    for i in range(b):
        single = reconstruct(MeshPhases(theta[i], phi[i], out), splitting_errors=errs[i])
        np.testing.assert_allclose(batch[i], single, atol=1e-14)


def test_bad_inputs_name_the_field():
    with pytest.raises(ValueError, match="not unitary"):
        decompose(np.array([[1.0, 0.1], [0.0, 1.0]]))
    with pytest.raises(ValueError, match="square"):
        decompose(np.ones((2, 3)))
    phases = decompose(np.eye(3))
    with pytest.raises(ValueError, match="splitting_errors"):
        reconstruct(phases, splitting_errors=np.full((3, 2), 0.7))
    with pytest.raises(ValueError, match="insertion_loss_db"):
        reconstruct(phases, insertion_loss_db=np.full(3, -1.0))
    with pytest.raises(ValueError, match="theta"):
        MeshPhases(np.zeros(2), np.zeros(3), np.zeros(3))
    with pytest.raises(ValueError, match="n_modes"):
        reconstruct(phases, 4)


def _mc_infidelity(n: int, samples: int, sigma: float, seed: int, kind: str) -> float:
    u = unitary_group.rvs(n, random_state=seed)
    p = decompose(u)
    rng = np.random.default_rng(seed)
    m = n_mzis(n)
    # every argument batched in both cases, so both kinds share one compiled evaluator
    errs = np.zeros((samples, m, 2))
    d_theta = d_phi = np.zeros((samples, m))
    if kind == "bs":
        errs = rng.normal(0, sigma, (samples, m, 2))
    else:
        d_theta, d_phi = rng.normal(0, sigma, (2, samples, m))
    out = np.broadcast_to(p.output_phases, (samples, n))
    mats = mesh_transfer_batch(p.theta + d_theta, p.phi + d_phi, out, errs, np.zeros((samples, m)))
    return float(np.mean([1 - unitary_fidelity(x, u) for x in mats]))


def test_uncorrected_infidelity_scales_linearly_with_n():
    # Second-order perturbation theory of F = |Tr(U0^H U)|^2 / N^2: each of the N (N-1)
    # couplers with power error delta rotates by exp(i delta sigma_x) (traceless), giving
    # 1 - F = 2 (N - 1) sigma_BS^2; each of the N (N-1) phase errors is a single-mode
    # phase (trace 1), giving 1 - F = (N - 1)^2 / N sigma_phi^2. shared/SYSTEM.md quotes
    # 1.9 N sigma_BS^2 and 0.9 N sigma_phi^2, large-N estimates (the phase law is
    # 2.25 sigma^2 rather than 3.6 sigma^2 at N = 4), checked for N >= 8. Seeded Monte
    # Carlo, 200 samples per N: tolerance 15 % on the perturbative law (sampling error
    # ~ 3 %), a factor 1.5 against SYSTEM.md.
    sigma, ns = 0.01, np.array([4, 8, 16])
    bs = np.array([_mc_infidelity(n, 200, sigma, 10 + n, "bs") for n in ns])
    np.testing.assert_allclose(bs, 2 * (ns - 1) * sigma**2, rtol=0.15)
    big = ns >= 8
    assert np.all(np.abs(np.log(bs[big] / (1.9 * ns[big] * sigma**2))) < np.log(1.5))
    slope = np.polyfit(ns, bs / sigma**2, 1)[0]
    assert slope == pytest.approx(2.0, rel=0.15)  # linear in N, not quadratic
    ph = np.array([_mc_infidelity(n, 200, sigma, 20 + n, "phase") for n in ns])
    np.testing.assert_allclose(ph, (ns - 1) ** 2 / ns * sigma**2, rtol=0.15)
    assert np.all(np.abs(np.log(ph[big] / (0.9 * ns[big] * sigma**2))) < np.log(1.5))
