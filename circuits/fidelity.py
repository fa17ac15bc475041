r"""How well a core realises its target: matrix errors, ENOB and unitary fidelity.

For a realised matrix W_r and target W_t (same shape):

* relative Frobenius error  ||W_r - W_t||_F / ||W_t||_F;
* per-element error  E = W_r - W_t, its largest magnitude and its RMS sigma
  (root mean square over all elements, bias included: an uncalibrated offset costs
  bits just as noise does);
* effective number of bits  ENOB = log2(R / (sqrt(12) sigma)): the resolution of an
  ideal uniform quantiser whose error (step R / 2^b, uniform, sigma = step / sqrt(12))
  is as large as the observed one. R is the full range the target may span: by default
  max(W_t) - min(W_t); pass ``full_range`` for a known scale (weights in [-1, 1]:
  R = 2). ENOB = (SNR_dB - 1.76) / 6.02 in ADC terms;
* for unitary targets the fidelity (Clements et al., Optica 3:1460, 2016)
  F = |Tr(U0^H U)|^2 / N^2, and its loss-normalised version
  F_norm = |Tr(U0^H U)|^2 / (N Tr(U^H U)), which is 1 for U = a U0 (uniform loss a),
  so it measures the error in the shape of the transform, not its loss.

Complex matrices are treated as two real ones (in-phase and quadrature): sigma is the
RMS over the real and imaginary parts of E and R spans the real and imaginary parts
of W_t.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

# tolerance on U^H U = I to call a target unitary
UNITARY_TOL = 1e-9


def _pair(realised: Any, target: Any) -> tuple[np.ndarray, np.ndarray]:
    r, t = np.asarray(realised), np.asarray(target)
    if r.shape != t.shape or r.ndim != 2:
        raise ValueError(
            f"realised and target must be matrices of one shape, got {r.shape} and {t.shape}"
        )
    for name, a in (("realised", r), ("target", t)):
        if not np.all(np.isfinite(a)):
            raise ValueError(f"{name} has non-finite entries")
    return r, t


def _quadratures(a: np.ndarray) -> np.ndarray:
    return np.concatenate([a.real.ravel(), a.imag.ravel()]) if np.iscomplexobj(a) else a.ravel()


def element_errors(realised: Any, target: Any) -> np.ndarray:
    """Per-element error W_r - W_t (same shape as the matrices)."""
    r, t = _pair(realised, target)
    return r - t


def relative_frobenius_error(realised: Any, target: Any) -> float:
    """||W_r - W_t||_F / ||W_t||_F (dimensionless)."""
    r, t = _pair(realised, target)
    norm = np.linalg.norm(t)
    if norm == 0:
        raise ValueError("target is the zero matrix: relative error undefined")
    return float(np.linalg.norm(r - t) / norm)


def error_sigma(realised: Any, target: Any) -> float:
    """RMS of the element errors (complex: over real and imaginary parts)."""
    e = _quadratures(element_errors(realised, target))
    return float(np.sqrt(np.mean(np.abs(e) ** 2)))


def full_range_of(target: Any) -> float:
    """Default full range R of a target: max - min of its (real and imaginary) values."""
    v = _quadratures(np.asarray(target))
    return float(v.max() - v.min())


def enob(sigma: float, full_range: float) -> float:
    """ENOB = log2(R / (sqrt(12) sigma)) in bits; infinite for an error-free result."""
    if not np.isfinite(full_range) or full_range <= 0:
        raise ValueError(f"full_range must be finite and > 0, got {full_range}")
    if not np.isfinite(sigma) or sigma < 0:
        raise ValueError(f"sigma must be finite and >= 0, got {sigma}")
    if sigma == 0:
        return float("inf")
    return float(np.log2(full_range / (np.sqrt(12.0) * sigma)))


def _trace_overlap(u: Any, u0: Any) -> tuple[np.ndarray, np.ndarray, int]:
    u, u0 = _pair(u, u0)
    if u.shape[0] != u.shape[1]:
        raise ValueError(f"fidelity needs square matrices, got shape {u.shape}")
    return u, np.trace(u0.conj().T @ u), u.shape[0]


def unitary_fidelity(u: Any, u0: Any) -> float:
    """F = |Tr(U0^H U)|^2 / N^2 of a realised U against the target unitary U0."""
    _, overlap, n = _trace_overlap(u, u0)
    return float(np.abs(overlap) ** 2 / n**2)


def normalised_fidelity(u: Any, u0: Any) -> float:
    """Loss-normalised F = |Tr(U0^H U)|^2 / (N Tr(U^H U)) (1 for U = a U0)."""
    u, overlap, n = _trace_overlap(u, u0)
    power = np.real(np.trace(u.conj().T @ u))
    if power == 0:
        raise ValueError("realised matrix is zero: normalised fidelity undefined")
    return float(np.abs(overlap) ** 2 / (n * power))


def is_unitary(a: Any, tol: float = UNITARY_TOL) -> bool:
    """True for a square matrix with max |A^H A - I| <= tol."""
    a = np.asarray(a)
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        return False
    return bool(np.max(np.abs(a.conj().T @ a - np.eye(a.shape[0]))) <= tol)


@dataclass(frozen=True)
class Fidelity:
    """Realised-vs-target figures of one core (see the module docstring).

    ``fidelity`` and ``fidelity_normalised`` are None unless the target is unitary.
    """

    rel_frobenius_error: float
    enob: float
    max_abs_error: float
    sigma: float
    full_range: float
    fidelity: float | None = None
    fidelity_normalised: float | None = None

    def to_dict(self) -> dict[str, float]:
        """Plain-float dict; the fidelity keys only for unitary targets."""
        return {k: float(v) for k, v in asdict(self).items() if v is not None}


def evaluate(
    realised: Any, target: Any, *, full_range: float | None = None, unitary: bool | None = None
) -> Fidelity:
    """All figures of merit of ``realised`` against ``target``.

    Args:
        realised: the matrix the core applies.
        target: the intended matrix.
        full_range: R for the ENOB (default ``full_range_of(target)``).
        unitary: report the unitary fidelities (default: when the target is unitary).
    """
    r, t = _pair(realised, target)
    sigma = error_sigma(r, t)
    rng = full_range_of(t) if full_range is None else float(full_range)
    if unitary is None:
        unitary = is_unitary(t)
    return Fidelity(
        rel_frobenius_error=relative_frobenius_error(r, t),
        enob=enob(sigma, rng),
        max_abs_error=float(np.max(np.abs(r - t))),
        sigma=sigma,
        full_range=rng,
        fidelity=unitary_fidelity(r, t) if unitary else None,
        fidelity_normalised=normalised_fidelity(r, t) if unitary else None,
    )
