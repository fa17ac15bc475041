r"""An arbitrary matrix on a coherent core: W = scale * U Sigma V^H with two Clements meshes.

The SVD arrangement (D. A. B. Miller, "Self-configuring universal linear optical
component", Photon. Res. 1:1, 2013; Shen et al., "Deep learning with coherent
nanophotonic circuits", Nat. Photon. 11:441, 2017): light passes

    input -> mesh V^H (n x n) -> column of n MZI attenuators (Sigma) -> mesh U (n x n) -> output

A passive optical path cannot amplify, so Sigma is normalised to its largest singular
value (all attenuator transmissions in [0, 1]) and the factor ``scale`` = sigma_max(W)
is returned for the electronic side to multiply back: W = scale * U Sigma V^H.
A non-square W (M x N) is zero-padded to n = max(M, N): both meshes are n x n, the
padding adds zero singular values (attenuators off), and W is the top-left M x N block.

Attenuator (MZI convention of ``circuits.clements``): light enters the top port and
leaves the top port, T_00 = i e^{i theta/2} e^{i phi} sin(theta/2). Choosing
theta = 2 arcsin(sigma) and phi = -pi/2 - theta/2 makes T_00 = sigma, real and positive;
the rest of the power (1 - sigma^2) leaves the bottom port into a terminator.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from circuits.clements import MeshPhases, decompose, mzi_transfer, reconstruct


def attenuator_phases(sigma: Any) -> tuple[np.ndarray, np.ndarray]:
    """(theta, phi) in rad of the MZI attenuators giving top-to-top amplitude ``sigma``.

    sigma in [0, 1] (field amplitude transmission); theta in [0, pi], phi in [0, 2 pi).
    """
    sigma = np.asarray(sigma, dtype=float)
    if np.any(~np.isfinite(sigma)) or np.any(sigma < 0) or np.any(sigma > 1):
        bad = sigma[~((sigma >= 0) & (sigma <= 1))].ravel()[0]
        raise ValueError(f"sigma must lie in [0, 1] (passive attenuator), got {bad}")
    theta = 2 * np.arcsin(sigma)
    return theta, np.mod(-np.pi / 2 - theta / 2, 2 * np.pi)


def attenuator_transmission(
    theta: Any, phi: Any, splitting_errors: Any = 0.0, insertion_loss_db: Any = 0.0
) -> np.ndarray:
    """Complex top-to-top amplitude of each attenuator MZI (non-idealities as in
    ``circuits.clements.mzi_transfer``)."""
    return np.asarray(mzi_transfer(theta, phi, splitting_errors, insertion_loss_db)[..., 0, 0])


@dataclass(frozen=True)
class SVDProgram:
    """Everything needed to set the three stages of the SVD core for a target W.

    Attributes:
        shape: (M, N) of the target W.
        scale: sigma_max(W); the optics realise W / scale.
        sigma: normalised singular values, (n,), in [0, 1], n = max(M, N).
        u_mesh: phases of the output mesh realising U (n x n).
        v_mesh: phases of the input mesh realising V^H (n x n).
        attenuator_theta, attenuator_phi: phases (rad) of the n attenuator MZIs.
    """

    shape: tuple[int, int]
    scale: float
    sigma: np.ndarray
    u_mesh: MeshPhases
    v_mesh: MeshPhases
    attenuator_theta: np.ndarray
    attenuator_phi: np.ndarray

    @property
    def size(self) -> int:
        """n: the number of modes of each mesh."""
        return self.sigma.shape[0]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready settings of all three stages."""
        return {
            "shape": list(self.shape),
            "scale": self.scale,
            "sigma": self.sigma.tolist(),
            "u_mesh": self.u_mesh.to_dict(),
            "v_mesh": self.v_mesh.to_dict(),
            "attenuators": {
                "theta": self.attenuator_theta.tolist(),
                "phi": self.attenuator_phi.tolist(),
            },
        }


def _check_matrix(W: Any) -> np.ndarray:
    W = np.asarray(W)
    if W.ndim != 2 or min(W.shape) < 1:
        raise ValueError(f"W must be a non-empty 2-D matrix, got shape {W.shape}")
    if not np.issubdtype(W.dtype, np.number) or not np.all(np.isfinite(W)):
        raise ValueError("W must have finite numeric entries")
    if max(W.shape) < 2:
        raise ValueError(f"W must have at least 2 rows or columns for a 2x2 mesh, got {W.shape}")
    return W


def program_svd(W: Any) -> SVDProgram:
    """Mesh and attenuator settings realising W (M x N, real or complex) up to ``scale``."""
    W = _check_matrix(W)
    m, n_in = W.shape
    n = max(m, n_in)
    padded = np.zeros((n, n), dtype=np.result_type(W.dtype, float))
    padded[:m, :n_in] = W
    u, s, vh = np.linalg.svd(padded)
    scale = float(s[0]) if s[0] > 0 else 1.0  # W = 0: all attenuators off, any scale
    sigma = np.clip(s / scale, 0.0, 1.0)
    theta, phi = attenuator_phases(sigma)
    return SVDProgram(
        shape=(m, n_in),
        scale=scale,
        sigma=sigma,
        u_mesh=decompose(u),
        v_mesh=decompose(vh),
        attenuator_theta=theta,
        attenuator_phi=phi,
    )


def stage_matrices(
    program: SVDProgram,
    *,
    u_mesh: dict[str, Any] | None = None,
    v_mesh: dict[str, Any] | None = None,
    attenuators: dict[str, Any] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The realised (U, Sigma, V^H) stage matrices, each n x n complex.

    ``u_mesh``, ``v_mesh`` and ``attenuators`` optionally hold per-MZI non-idealities
    for that stage: ``{"splitting_errors": ..., "insertion_loss_db": ...}`` with the
    shapes of ``circuits.clements.reconstruct`` (attenuators: (n, 2) and (n,)).
    """
    u = reconstruct(program.u_mesh, **(u_mesh or {}))
    vh = reconstruct(program.v_mesh, **(v_mesh or {}))
    amp = attenuator_transmission(
        program.attenuator_theta, program.attenuator_phi, **(attenuators or {})
    )
    return u, np.diag(amp), vh


def compose(
    u: np.ndarray, sigma: np.ndarray, vh: np.ndarray, scale: float, shape: tuple[int, int]
) -> np.ndarray:
    """W = scale * (U Sigma V^H)[:M, :N] from the three n x n stage matrices."""
    m, n_in = shape
    return scale * (u @ sigma @ vh)[:m, :n_in]


def realise(program: SVDProgram, **nonideal: dict[str, Any] | None) -> np.ndarray:
    """The matrix the programmed core applies, times ``scale`` (complex M x N).

    Keyword arguments are passed to ``stage_matrices`` (per-stage non-idealities).
    """
    return compose(*stage_matrices(program, **nonideal), program.scale, program.shape)
