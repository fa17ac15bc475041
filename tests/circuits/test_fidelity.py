"""Fidelity metrics against hand-computed and closed-form references."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import unitary_group

from circuits.fidelity import (
    enob,
    error_sigma,
    evaluate,
    normalised_fidelity,
    relative_frobenius_error,
    unitary_fidelity,
)


def test_relative_frobenius_error_by_hand():
    target = np.eye(2)
    realised = np.array([[1.1, 0.0], [0.0, 1.0]])
    assert relative_frobenius_error(realised, target) == pytest.approx(0.1 / np.sqrt(2), rel=1e-14)


@pytest.mark.parametrize("bits", [4, 6, 8, 10])
def test_enob_recovers_uniform_quantisation(bits):
    # An ideal b-bit quantiser of [-1, 1] (R = 2) has step R / 2^b and a uniform error of
    # sigma = step / sqrt(12), hence exactly b bits.
    target = np.random.default_rng(bits).uniform(-1, 1, (200, 200))
    step = 2.0 / 2**bits
    realised = (np.floor(target / step) + 0.5) * step  # mid-rise quantiser
    fid = evaluate(realised, target, full_range=2.0)
    assert fid.enob == pytest.approx(bits, abs=0.05)
    assert evaluate(realised, target).enob == pytest.approx(bits, abs=0.05)  # R from data
    assert fid.max_abs_error <= step / 2 + 1e-15


def test_enob_catches_added_error_and_bias():
    assert enob(0.01, 2.0) - enob(0.02, 2.0) == pytest.approx(1.0, abs=1e-12)  # 2x sigma = -1 bit
    target = np.random.default_rng(0).uniform(-1, 1, (8, 8))
    assert error_sigma(target + 0.01, target) == pytest.approx(0.01, rel=1e-12)  # bias counts
    with pytest.raises(ValueError, match="full_range"):
        enob(0.01, 0.0)


def test_unitary_fidelity_and_phase_perturbation():
    n = 16
    u0 = unitary_group.rvs(n, random_state=7)
    assert unitary_fidelity(u0, u0) == pytest.approx(1.0, abs=1e-13)
    eps = np.random.default_rng(8).normal(0, 0.01, n)
    u = u0 @ np.diag(np.exp(1j * eps))
    # by hand: F = |mean(e^{i eps})|^2 = 1 - Var(eps) + O(eps^4)
    assert 1 - unitary_fidelity(u, u0) == pytest.approx(np.var(eps), rel=1e-3)
    assert unitary_fidelity(u, u0) < 1


def test_normalised_fidelity_ignores_uniform_loss():
    u0 = unitary_group.rvs(5, random_state=9)
    a = 0.8  # field amplitude, i.e. 1.94 dB uniform loss
    assert unitary_fidelity(a * u0, u0) == pytest.approx(a**2, rel=1e-13)
    assert normalised_fidelity(a * u0, u0) == pytest.approx(1.0, rel=1e-13)


def test_fidelity_record_keys():
    u0 = unitary_group.rvs(4, random_state=10)
    d = evaluate(u0 * np.exp(0.01j), u0).to_dict()
    assert {"rel_frobenius_error", "enob", "max_abs_error", "sigma", "fidelity"} <= set(d)
    assert d["fidelity"] == pytest.approx(1.0, abs=1e-12)  # a global phase is no error
    w = np.random.default_rng(1).uniform(-1, 1, (3, 4))
    d = evaluate(w + 1e-3, w).to_dict()
    assert "fidelity" not in d
    with pytest.raises(ValueError, match="one shape"):
        evaluate(w, w.T)
