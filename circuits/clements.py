r"""Clements decomposition of an N x N unitary into a rectangular mesh of 2x2 MZIs.

Reference: W. R. Clements, P. C. Humphreys, B. J. Metcalf, W. S. Kolthammer and
I. A. Walmsley, "Optimal design for universal multiport interferometers",
Optica 3:1460 (2016).

MZI convention (the components' MZI SAX model matches it)
---------------------------------------------------------
A 2x2 MZI acts on the complex field amplitudes of its (top, bottom) waveguides,
``out = T @ in`` with ``T[i, j]`` the amplitude at output ``i`` for unit input at ``j``::

    T(theta, phi) = DC50 @ P(theta) @ DC50 @ P(phi)
    DC50 = [[1, 1j], [1j, 1]] / sqrt(2)      ideal 50:50 coupler / 2x2 MMI
    P(x) = diag(exp(1j x), 1)                thermo-optic phase on the upper arm

``phi`` (rad) is the external phase at the upper input, ``theta`` (rad) the internal
phase between the two couplers. Multiplying out, with s = sin(theta/2), c = cos(theta/2)::

    DC50 P(theta) DC50 = 1/2 [[e^{i theta} - 1, i (e^{i theta} + 1)],
                              [i (e^{i theta} + 1), 1 - e^{i theta}]]
                       = i e^{i theta/2} [[s, c], [c, -s]]
    T(theta, phi) = i e^{i theta/2} [[e^{i phi} s,  c],
                                     [e^{i phi} c, -s]]

so the power transfer is |T|^2 = [[s^2, c^2], [c^2, s^2]] and det T = e^{i (theta + phi)}.
theta = 0 is the **cross** state (two 3 dB couplers in a row make one full transfer:
top -> bottom), theta = pi the **bar** state (top -> top). The decomposition returns
theta in [0, pi] (so heaters only ever need up to a pi shift on the internal arm) and
phi in [0, 2 pi).

Mesh layout (what a layout places)
----------------------------------
Modes are numbered 0..N-1 from top to bottom. The mesh has N columns, light enters at
column 0. Column c holds MZIs on mode pairs (k, k+1) with k = c mod 2, c mod 2 + 2, ...,
k + 1 <= N - 1: even columns start at mode 0, odd columns at mode 1 (for N = 2 the odd
column is empty). That is N (N - 1) / 2 MZIs, stored column by column, top to bottom
(``mesh_positions``). After the last column an output phase screen
D = diag(exp(1j delta_k)) completes the unitary::

    U = D @ L_{N-1} @ ... @ L_1 @ L_0,   L_c = block-diagonal of the MZIs of column c

Non-ideal MZIs (structured evaluator)
-------------------------------------
``mesh_transfer`` accepts, per MZI, the power-coupling errors of its two couplers,
kappa = 1/2 + delta (input-side coupler first), a coupler being
[[sqrt(1 - kappa), 1j sqrt(kappa)], [1j sqrt(kappa), sqrt(1 - kappa)]], and an
insertion loss in dB applied to both arms (amplitude 10^(-IL/20)); it then returns the
lossy, non-unitary mesh matrix. It is a jit-compiled product of transfer matrices,
vectorised over batches of phase sets with ``jax.vmap`` (``mesh_transfer_batch``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

# 1e-12 reconstruction needs float64; SAX switches JAX to 64-bit on import as well.
jax.config.update("jax_enable_x64", True)

DC50 = np.array([[1.0, 1.0j], [1.0j, 1.0]]) / np.sqrt(2.0)

# tolerance on U^H U = I when accepting a matrix for decomposition
UNITARITY_TOL = 1e-9
# an element pair below this magnitude is "already nulled": choose the bar state
_NULL_TOL = 1e-14


def n_mzis(n_modes: int) -> int:
    """Number of MZIs in a rectangular N-mode mesh: N (N - 1) / 2."""
    return n_modes * (n_modes - 1) // 2


@cache
def _positions(n_modes: int) -> tuple[tuple[int, int], ...]:
    return tuple((c, k) for c in range(n_modes) for k in range(c % 2, n_modes - 1, 2))


def mesh_positions(n_modes: int) -> np.ndarray:
    """(column, top mode) of every MZI of the rectangular mesh, in storage order.

    Shape (N (N - 1) / 2, 2); column c holds pairs (k, k + 1), k = c mod 2, c mod 2 + 2, ...
    """
    _check_n_modes(n_modes)
    return np.array(_positions(n_modes), dtype=int).reshape(-1, 2)


def _check_n_modes(n_modes: int) -> None:
    if not isinstance(n_modes, int | np.integer) or n_modes < 2:
        raise ValueError(f"n_modes must be an integer >= 2, got {n_modes!r}")


def mzi_closed_form(theta: Any, phi: Any) -> np.ndarray:
    """Ideal MZI transfer T(theta, phi) from its closed form (theta, phi in rad).

    Broadcasts over array inputs; the result has shape ``(*shape, 2, 2)``.
    """
    theta, phi = np.broadcast_arrays(np.asarray(theta, float), np.asarray(phi, float))
    s, c = np.sin(theta / 2), np.cos(theta / 2)
    e = np.exp(1j * phi)
    t = np.stack([np.stack([e * s, c], -1), np.stack([e * c, -s], -1)], -2)
    return (1j * np.exp(0.5j * theta))[..., None, None] * t


def coupler(delta: Any) -> jax.Array:
    """2x2 directional coupler with power coupling 1/2 + delta (delta dimensionless).

    delta = 0 is ``DC50``; shape ``(*delta.shape, 2, 2)``.
    """
    kappa = 0.5 + jnp.asarray(delta, dtype=float)
    t, k = jnp.sqrt(1.0 - kappa), 1j * jnp.sqrt(kappa)
    return jnp.stack([jnp.stack([t, k], -1), jnp.stack([k, t], -1)], -2)


@jax.jit
def mzi_transfer(
    theta: Any, phi: Any, splitting_errors: Any = 0.0, insertion_loss_db: Any = 0.0
) -> jax.Array:
    """MZI transfer as the matrix product loss * C(delta_2) P(theta) C(delta_1) P(phi).

    Args:
        theta: internal phase (rad), shape S.
        phi: external phase (rad), shape S.
        splitting_errors: power-coupling deviations (delta_1, delta_2) of the input and
            output couplers, shape ``(*S, 2)`` or broadcastable (dimensionless).
        insertion_loss_db: insertion loss of the MZI (dB), shape S.

    Returns:
        complex array ``(*S, 2, 2)``; equal to ``mzi_closed_form`` when ideal.
    """
    theta = jnp.asarray(theta, dtype=float)
    phi = jnp.asarray(phi, dtype=float)
    deltas = jnp.broadcast_to(jnp.asarray(splitting_errors, dtype=float), (*theta.shape, 2))
    amp = 10.0 ** (-jnp.asarray(insertion_loss_db, dtype=float) / 20.0)
    c1, c2 = coupler(deltas[..., 0]), coupler(deltas[..., 1])
    # P(x) scales the first column (right factor) or the first row (left factor)
    first_col = jnp.stack([jnp.exp(1j * phi), jnp.ones_like(phi)], -1)[..., None, :]
    first_row = jnp.stack([jnp.exp(1j * theta), jnp.ones_like(theta)], -1)[..., :, None]
    t = c2 @ (first_row * (c1 * first_col))
    return amp[..., None, None] * t


@dataclass(frozen=True)
class MeshPhases:
    """Phases programming a rectangular Clements mesh (all in rad).

    ``theta[i]``, ``phi[i]`` belong to the MZI at ``positions[i] = (column, top mode)``
    (storage order of ``mesh_positions``); ``output_phases[k]`` is the phase screen on
    mode k after the last column.
    """

    theta: np.ndarray
    phi: np.ndarray
    output_phases: np.ndarray

    def __post_init__(self) -> None:
        out = np.asarray(self.output_phases, dtype=float)
        n = out.shape[0] if out.ndim == 1 else 0
        if n < 2:
            raise ValueError(f"output_phases must be a vector of N >= 2 phases, got {out.shape}")
        for name in ("theta", "phi"):
            arr = np.asarray(getattr(self, name), dtype=float)
            if arr.shape != (n_mzis(n),):
                raise ValueError(
                    f"{name} must have shape ({n_mzis(n)},) for N = {n}, got {arr.shape}"
                )
            object.__setattr__(self, name, arr)
        object.__setattr__(self, "output_phases", out)
        for name in ("theta", "phi", "output_phases"):
            if not np.all(np.isfinite(getattr(self, name))):
                raise ValueError(f"{name} has non-finite phases")

    @property
    def n_modes(self) -> int:
        return self.output_phases.shape[0]

    @property
    def positions(self) -> np.ndarray:
        """(column, top mode) per MZI, shape (N (N - 1) / 2, 2)."""
        return mesh_positions(self.n_modes)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description: one record per MZI plus the output phases."""
        return {
            "n_modes": self.n_modes,
            "mzis": [
                {"column": int(c), "top_mode": int(k), "theta": float(t), "phi": float(p)}
                for (c, k), t, p in zip(self.positions, self.theta, self.phi, strict=True)
            ],
            "output_phases": self.output_phases.tolist(),
        }


def _wrap(x: Any) -> Any:
    return np.mod(x, 2 * np.pi)


def _null_right(x: complex, y: complex) -> tuple[float, float]:
    """(theta, phi) such that [x, y] @ T^H has a zero first entry."""
    if max(abs(x), abs(y)) < _NULL_TOL:
        return np.pi, 0.0
    # x e^{-i phi} s + y c = 0
    return 2 * np.arctan2(abs(y), abs(x)), float(_wrap(np.angle(x) - np.angle(-y)))


def _null_left(x: complex, y: complex) -> tuple[float, float]:
    """(theta, phi) such that T @ [x, y]^T has a zero second entry."""
    if max(abs(x), abs(y)) < _NULL_TOL:
        return np.pi, 0.0
    # e^{i phi} c x - s y = 0
    return 2 * np.arctan2(abs(x), abs(y)), float(_wrap(np.angle(y) - np.angle(x)))


def _check_unitary(U: Any) -> np.ndarray:
    U = np.asarray(U)
    if U.ndim != 2 or U.shape[0] != U.shape[1] or U.shape[0] < 2:
        raise ValueError(f"U must be a square N x N matrix with N >= 2, got shape {U.shape}")
    if not np.all(np.isfinite(U)):
        raise ValueError("U has non-finite entries")
    U = U.astype(complex)
    dev = float(np.max(np.abs(U.conj().T @ U - np.eye(U.shape[0]))))
    if dev > UNITARITY_TOL:
        raise ValueError(f"U is not unitary: max |U^H U - I| = {dev:.3g} > {UNITARITY_TOL:g}")
    return U


def decompose(U: Any) -> MeshPhases:
    """Phases of the rectangular mesh that realises the unitary ``U`` (N x N, N >= 2).

    Clements et al. (2016): alternately null the lower-left anti-diagonals of U by MZIs
    acting on columns from the right (U -> U T^-1) and on rows from the left
    (U -> T U). What remains is diagonal, D = (prod T_left) U (prod T_right^-1); each
    left MZI is then pushed through D with the exact identity (this convention)::

        T(theta, phi)^-1 diag(d1, d2) = diag(-d2 e^{-i (theta + phi)}, -d2 e^{-i theta})
                                        @ T(theta, arg d1 - arg d2)

    giving U = D' @ (product of MZIs) whose MZIs are then placed in their columns.
    Exact up to float64 rounding (~1e-14 for N <= 12).
    """
    U = _check_unitary(U).copy()
    n = U.shape[0]
    right: list[tuple[int, float, float]] = []  # (top mode, theta, phi), in light order
    left: list[tuple[int, float, float]] = []  # applied T U, in order of application
    for i in range(n - 1):
        if i % 2 == 0:
            for j in range(i + 1):
                row, col = n - 1 - j, i - j  # null U[row, col] with columns (col, col+1)
                theta, phi = _null_right(U[row, col], U[row, col + 1])
                U[:, col : col + 2] = U[:, col : col + 2] @ mzi_closed_form(theta, phi).conj().T
                right.append((col, theta, phi))
        else:
            for j in range(1, i + 2):
                row, col = n - 2 - i + j, j - 1  # null U[row, col] with rows (row-1, row)
                theta, phi = _null_left(U[row - 1, col], U[row, col])
                U[row - 1 : row + 1, :] = mzi_closed_form(theta, phi) @ U[row - 1 : row + 1, :]
                left.append((row - 1, theta, phi))

    # U_orig = T_l1^-1 ... T_lk^-1 D T_rn ... T_r1: push the left MZIs through D
    d = np.diag(U).copy()
    pushed: list[tuple[int, float, float]] = []
    for k, theta, phi in reversed(left):
        d1, d2 = d[k], d[k + 1]
        d[k] = -d2 * np.exp(-1j * (theta + phi))
        d[k + 1] = -d2 * np.exp(-1j * theta)
        pushed.append((k, theta, float(_wrap(np.angle(d1) - np.angle(d2)))))
    # light order: T_r1 ... T_rn, then the pushed MZIs, innermost (last applied) first
    light_order = right + pushed
    return MeshPhases(*_place(light_order, n), output_phases=_wrap(np.angle(d)))


def _place(light_order: list[tuple[int, float, float]], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Assign each MZI (in light order) the earliest mesh column free on both its modes."""
    next_free = np.zeros(n, dtype=int)
    slot = {pos: i for i, pos in enumerate(_positions(n))}
    theta = np.full(len(slot), np.nan)
    phi = np.full(len(slot), np.nan)
    for k, t, p in light_order:
        col = max(next_free[k], next_free[k + 1])
        col += (col - k) % 2  # column parity must match the top mode's
        next_free[k] = next_free[k + 1] = col + 1
        i = slot[(int(col), k)]  # KeyError would mean a non-rectangular mesh
        theta[i], phi[i] = t, p
    if np.isnan(theta).any():  # pragma: no cover - guarded by the Clements ordering
        raise RuntimeError("Clements ordering left a mesh slot empty")
    return theta, phi


@cache
def _grids(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Index of each MZI in the (column pair, slot) grids of even and odd columns.

    Missing slots (odd column past the last one, or none for N = 2) point to index
    ``n_mzis(n)``: an appended identity.
    """
    n_pairs = (n + 1) // 2
    even = np.full((n_pairs, n // 2), n_mzis(n), dtype=int)
    odd = np.full((n_pairs, (n - 1) // 2), n_mzis(n), dtype=int)
    for i, (c, k) in enumerate(_positions(n)):
        (even if c % 2 == 0 else odd)[c // 2, k // 2] = i
    return even, odd


def _mix_pairs(a: jax.Array, t: jax.Array, start: int) -> jax.Array:
    """Rows (start + 2p, start + 2p + 1) of ``a`` mixed by the 2x2 ``t[p]``."""
    n_pairs = t.shape[0]
    if n_pairs == 0:
        return a
    stop = start + 2 * n_pairs
    block = a[start:stop].reshape(n_pairs, 2, -1)
    mixed = jnp.einsum("pij,pjm->pim", t, block).reshape(2 * n_pairs, -1)
    return jnp.concatenate([a[:start], mixed, a[stop:]], axis=0)


@jax.jit
def mesh_transfer(
    theta: jax.Array,
    phi: jax.Array,
    output_phases: jax.Array,
    splitting_errors: jax.Array,
    insertion_loss_db: jax.Array,
) -> jax.Array:
    """Mesh matrix (N x N, complex) from flat arrays; jit-compiled, one trace per N.

    Args:
        theta, phi: MZI phases (n_mzi,), rad, in ``mesh_positions`` order.
        output_phases: phase screen (N,), rad.
        splitting_errors: power-coupling deviations (n_mzi, 2), dimensionless.
        insertion_loss_db: per-MZI insertion loss (n_mzi,), dB.

    Column pairs (even, odd) are applied with ``lax.scan``, so the compile time barely
    grows with N; each column mixes its mode pairs with one batched 2x2 product.
    """
    n = output_phases.shape[0]
    t = mzi_transfer(theta, phi, splitting_errors, insertion_loss_db)
    t = jnp.concatenate([t, jnp.eye(2, dtype=t.dtype)[None]], axis=0)
    even_idx, odd_idx = _grids(n)
    even, odd = t[even_idx], t[odd_idx]

    def column_pair(a: jax.Array, ts: tuple[jax.Array, jax.Array]) -> tuple[jax.Array, None]:
        return _mix_pairs(_mix_pairs(a, ts[0], 0), ts[1], 1), None

    a, _ = jax.lax.scan(column_pair, jnp.eye(n, dtype=t.dtype), (even, odd))
    return jnp.exp(1j * output_phases)[:, None] * a


def _as_inputs(
    phases: MeshPhases, splitting_errors: Any, insertion_loss_db: Any
) -> tuple[np.ndarray, np.ndarray]:
    m = phases.theta.shape[-1]
    errs = np.zeros((m, 2)) if splitting_errors is None else np.asarray(splitting_errors, float)
    loss = np.zeros(m) if insertion_loss_db is None else np.asarray(insertion_loss_db, float)
    _check_nonideal(errs, loss, m)
    return errs, loss


def _check_nonideal(errs: np.ndarray, loss: np.ndarray, m: int) -> None:
    if errs.shape[-2:] != (m, 2):
        raise ValueError(f"splitting_errors must have shape (..., {m}, 2), got {errs.shape}")
    if loss.shape[-1:] != (m,):
        raise ValueError(f"insertion_loss_db must have shape (..., {m}), got {loss.shape}")
    if np.any(np.abs(errs) > 0.5) or not np.all(np.isfinite(errs)):
        bad = errs[~(np.abs(errs) <= 0.5)].ravel()[0]
        raise ValueError(f"splitting_errors must lie in [-0.5, 0.5] (kappa in [0, 1]), got {bad}")
    if np.any(loss < 0) or not np.all(np.isfinite(loss)):
        bad = loss[~(loss >= 0) | ~np.isfinite(loss)].ravel()[0]
        raise ValueError(f"insertion_loss_db must be finite and >= 0 dB, got {bad}")


def reconstruct(
    phases: MeshPhases,
    n_modes: int | None = None,
    *,
    splitting_errors: Any = None,
    insertion_loss_db: Any = None,
) -> np.ndarray:
    """The N x N matrix the programmed mesh realises (unitary when ideal).

    Args:
        phases: mesh phases (e.g. from ``decompose``).
        n_modes: N, checked against ``phases`` when given.
        splitting_errors: per-MZI power-coupling deviations (n_mzi, 2), dimensionless.
        insertion_loss_db: per-MZI insertion loss (n_mzi,), dB.
    """
    if n_modes is not None and n_modes != phases.n_modes:
        raise ValueError(f"n_modes = {n_modes} does not match the phases' N = {phases.n_modes}")
    errs, loss = _as_inputs(phases, splitting_errors, insertion_loss_db)
    return np.asarray(mesh_transfer(phases.theta, phases.phi, phases.output_phases, errs, loss))


@cache
def _batched(in_axes: tuple[int | None, ...]) -> Any:
    return jax.jit(jax.vmap(mesh_transfer, in_axes=in_axes))


def mesh_transfer_batch(
    theta: Any,
    phi: Any,
    output_phases: Any,
    splitting_errors: Any = None,
    insertion_loss_db: Any = None,
) -> np.ndarray:
    """Mesh matrices for a batch (vmap): any argument may carry a leading batch axis.

    Unbatched shapes: theta, phi (n_mzi,), output_phases (N,), splitting_errors
    (n_mzi, 2), insertion_loss_db (n_mzi,); missing non-idealities mean ideal MZIs.
    E.g. one phase set with a batch of Monte-Carlo coupler errors (B, n_mzi, 2).
    Returns (B, N, N).
    """
    output_phases = np.asarray(output_phases, float)
    n = output_phases.shape[-1] if output_phases.ndim else 0
    _check_n_modes(n)
    m = n_mzis(n)
    named = {
        "theta": (np.asarray(theta, float), (m,)),
        "phi": (np.asarray(phi, float), (m,)),
        "output_phases": (output_phases, (n,)),
        "splitting_errors": (
            np.zeros((m, 2)) if splitting_errors is None else np.asarray(splitting_errors, float),
            (m, 2),
        ),
        "insertion_loss_db": (
            np.zeros(m) if insertion_loss_db is None else np.asarray(insertion_loss_db, float),
            (m,),
        ),
    }
    in_axes: list[int | None] = []
    sizes: set[int] = set()
    for name, (arr, shape) in named.items():
        if arr.shape == shape:
            in_axes.append(None)
        elif arr.ndim == len(shape) + 1 and arr.shape[1:] == shape:
            in_axes.append(0)
            sizes.add(arr.shape[0])
        else:
            raise ValueError(f"{name} must have shape {shape} or (B, *{shape}), got {arr.shape}")
    if not sizes:
        raise ValueError("mesh_transfer_batch needs at least one argument with a batch axis")
    if len(sizes) > 1:
        raise ValueError(f"batch axes of different lengths: {sorted(sizes)}")
    args = [arr for arr, _ in named.values()]
    _check_nonideal(args[3], args[4], m)
    return np.asarray(_batched(tuple(in_axes))(*args))
