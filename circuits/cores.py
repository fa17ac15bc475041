r"""Registry of the optical cores, and the seeded fidelity run every core shares.

``CORES`` maps a kind to its factory ``(rows, cols) -> OpticalCore`` (``circuits.core``):

=========  ==========================================  ===========================
kind       core                                        sizes (rows M x cols N)
=========  ==========================================  ===========================
mrr        microring broadcast-and-weight bank         M 1..64, N 2..85 (see below)
mzi        AWGR demux + MZI attenuators, balanced PDs  M 1, 2, 4, 8, 16; N 2..16
clements   coherent SVD core: two Clements meshes      M, N 2..64
awgr       AWGR sliding convolver (circulant matrix)   M = N = 2, 4, 8, 16
=========  ==========================================  ===========================

A kind is registered when its module is present in the checkout (``MISSING`` lists the
others); the module is imported only when a core of that kind is made. Each factory
checks the size first (``CoreSizeError`` names the field), then builds the core.

MRR channel grid: N rings must fit their channels into one ring FSR
(``circuits.mrr_bank_layout.max_channels``: 21 at 100 GHz, 42 at 50 GHz, 85 at 25 GHz),
so the factory takes the ITU grid ``laser.grid_spacing`` (100 GHz) and halves it until
the N channels fit. M up to 64 is the scope of this flow (the issue's 8 x 8 to 64 x 64
OPUs), not a physical limit of the bank.

Fidelity run (``assess``): a seeded random target (weights uniform in [-1, 1]; for the
AWGR a random kernel w and its circulant W[q, p] = w[(p - q) mod N]; for the Clements
core an arbitrary real matrix, programmed through its SVD) is programmed under the given
non-idealities and realised with the structured evaluator; figures from
``circuits.fidelity`` with the full range R = 2 of weights in [-1, 1]. ENOB is capped at
``ENOB_CAP`` bits: an error at the float64 round-off floor (~1e-13 relative, or exactly
zero, where ENOB is infinite) means "exact", not 40 bits. For the Clements core the
unitary fidelity F = |Tr(U0^H U)|^2 / N^2 is that of its U mesh: an n x n
``clements_mesh`` (the cell the SVD core is built of) programmed alone, under the same
non-idealities and seed, to the U of the target's SVD.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from circuits.core import NonIdealities, OpticalCore
from circuits.fidelity import Fidelity, evaluate, normalised_fidelity, unitary_fidelity

WEIGHT_RANGE = 2.0  # full range R of weights in [-1, 1] for the ENOB
ENOB_CAP = 30.0  # bits reported for errors at the float64 floor (see the module docstring)
MAX_ROWS_MRR = 64
MRR_SPACINGS_GHZ = (100.0, 50.0, 25.0)  # laser.grid_spacing, halved until N channels fit


class UnknownCoreError(ValueError):
    """A kind that is not registered; the message lists the available kinds."""


class CoreSizeError(ValueError):
    """A size a core kind cannot take.

    Attributes:
        field: "rows" or "cols" (the offending dimension).
        value: the offending value.
        allowed: what the kind takes, e.g. "2..16 inputs (AWGR ports)".
    """

    def __init__(self, field_name: str, value: Any, kind: str, allowed: str) -> None:
        super().__init__(f"{field_name}={value!r}: {kind} takes {allowed}")
        self.field = field_name
        self.value = value
        self.allowed = allowed


def _require(ok: bool, field_name: str, value: Any, allowed: str, kind: str) -> None:
    if not ok:
        raise CoreSizeError(field_name, value, kind, allowed)


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def _power_of_two(v: Any, lo: int, hi: int) -> bool:
    return _is_int(v) and lo <= v <= hi and v & (v - 1) == 0


def _uniform(rows: int, cols: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-1.0, 1.0, (rows, cols))


# --- the four kinds ------------------------------------------------------------------------


def mrr_spacing_ghz(cols: int) -> float:
    """Channel spacing (GHz) of an N-channel MRR bank: 100 GHz, halved until N fits one FSR."""
    from circuits.mrr_bank_layout import max_channels

    for spacing in MRR_SPACINGS_GHZ:
        if cols <= max_channels(spacing):
            return spacing
    raise CoreSizeError("cols", cols, "mrr", f"2..{max_channels(MRR_SPACINGS_GHZ[-1])} channels")


def _check_mrr(rows: int, cols: int) -> None:
    from circuits.mrr_bank_layout import max_channels

    top = max_channels(MRR_SPACINGS_GHZ[-1])
    _require(_is_int(cols) and 2 <= cols <= top, "cols", cols, f"2..{top} channels", "mrr")
    _require(_is_int(rows) and 1 <= rows <= MAX_ROWS_MRR, "rows", rows, "1..64 rows", "mrr")


def _make_mrr(rows: int, cols: int) -> OpticalCore:
    from circuits.mrr_bank import MrrWeightBank

    return MrrWeightBank(rows, cols, channel_spacing_ghz=mrr_spacing_ghz(cols))


def _check_mzi(rows: int, cols: int) -> None:
    _require(_is_int(cols) and 2 <= cols <= 16, "cols", cols, "2..16 inputs (AWGR ports)", "mzi")
    _require(_power_of_two(rows, 1, 16), "rows", rows, "1, 2, 4, 8 or 16 rows (MMI tree)", "mzi")


def _make_mzi(rows: int, cols: int) -> OpticalCore:
    from circuits.mzi_bank import MziBank

    return MziBank(int(rows), int(cols))


def _check_clements(rows: int, cols: int) -> None:
    for name, v in (("cols", cols), ("rows", rows)):
        _require(_is_int(v) and 2 <= v <= 64, name, v, "2..64 modes", "clements")


def _make_clements(rows: int, cols: int) -> OpticalCore:
    from circuits.clements_mesh import ClementsCore

    return ClementsCore(int(rows), int(cols))


def _check_awgr(rows: int, cols: int) -> None:
    # at 16 ports the 12.1 nm comb is wider than the weight rings' 8.9 nm FSR: a ring's
    # next resonance lands on another line and the kernel cannot be set (error ~0.3)
    _require(_power_of_two(cols, 2, 8), "cols", cols, "2, 4 or 8 ports", "awgr")
    _require(rows == cols, "rows", rows, f"rows = cols = {cols} (square circulant)", "awgr")


def _make_awgr(rows: int, cols: int) -> OpticalCore:
    from circuits.awgr_convolver import AwgrConvolver

    return AwgrConvolver(int(cols))


def _awgr_target(rows: int, cols: int, seed: int) -> np.ndarray:
    from circuits.awgr_convolver import circulant, random_kernel

    return circulant(random_kernel(cols, seed))


def _svd_u(W: np.ndarray) -> np.ndarray:
    """U of the (zero-padded, square) target's SVD, as ``circuits.svd.program_svd`` uses."""
    n = max(W.shape)
    padded = np.zeros((n, n))
    padded[: W.shape[0], : W.shape[1]] = W
    return np.linalg.svd(padded)[0]


def _clements_unitary(W: np.ndarray, nonideal: NonIdealities) -> tuple[float, float]:
    """(F, loss-normalised F) of the U mesh programmed alone to the SVD's U."""
    from circuits.clements_mesh import ClementsMeshCore

    u0 = _svd_u(W)
    mesh = ClementsMeshCore(u0.shape[0])
    u = mesh.realised_unitary(mesh.program(u0, nonideal), nonideal)
    return unitary_fidelity(u, u0), normalised_fidelity(u, u0)


@dataclass(frozen=True)
class CoreKind:
    """One registered kind: a factory ``(rows, cols) -> OpticalCore`` with its size rules.

    Attributes:
        kind: the name (``OpticalCore.kind``).
        module: the module the core lives in.
        check: raises ``CoreSizeError`` for a size the kind cannot take.
        build: makes the core (size already checked).
        target: seeded random target ``(rows, cols, seed) -> W``.
        unitary: for unitary cores, ``(W, nonideal) -> (F, F_normalised)``.
    """

    kind: str
    module: str
    check: Callable[[int, int], None]
    build: Callable[[int, int], OpticalCore]
    target: Callable[[int, int, int], np.ndarray] = field(default=_uniform)
    unitary: Callable[[np.ndarray, NonIdealities], tuple[float, float]] | None = None

    def __call__(self, rows: int, cols: int) -> OpticalCore:
        self.check(rows, cols)
        return self.build(rows, cols)


KINDS: tuple[CoreKind, ...] = (
    CoreKind("mrr", "circuits.mrr_bank", _check_mrr, _make_mrr),
    CoreKind("mzi", "circuits.mzi_bank", _check_mzi, _make_mzi),
    CoreKind(
        "clements",
        "circuits.clements_mesh",
        _check_clements,
        _make_clements,
        unitary=_clements_unitary,
    ),
    CoreKind("awgr", "circuits.awgr_convolver", _check_awgr, _make_awgr, target=_awgr_target),
)


def _present(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


CORES: dict[str, CoreKind] = {k.kind: k for k in KINDS if _present(k.module)}
MISSING: dict[str, str] = {k.kind: k.module for k in KINDS if k.kind not in CORES}


def core_kind(kind: str) -> CoreKind:
    """The registered kind ``kind``; ``UnknownCoreError`` lists the available ones."""
    if kind not in CORES:
        note = f" (not in this checkout: {', '.join(MISSING)})" if MISSING else ""
        raise UnknownCoreError(f"kind={kind!r} is not a core; available: {', '.join(CORES)}{note}")
    return CORES[kind]


def make_core(kind: str, rows: int, cols: int) -> OpticalCore:
    """A new ``rows`` x ``cols`` core of ``kind`` (size checked: ``CoreSizeError``)."""
    return core_kind(kind)(rows, cols)


def describe(nonideal: NonIdealities) -> str:
    """Short text of the switched-on non-idealities ("ideal" when none)."""
    on = [
        f"DAC {v} bit" if k == "dac_bits" else k.replace("_", " ")
        for k, v in nonideal.to_dict().items()
        if k != "seed" and v not in (False, None)
    ]
    return ", ".join(on) or "ideal"


# --- the seeded fidelity run ------------------------------------------------------------------


@dataclass(frozen=True)
class CoreReport:
    """A programmed random target and how well the core realises it.

    ``unitary_fidelity`` / ``unitary_fidelity_normalised``: unitary cores only (Clements:
    its U mesh, see the module docstring), else None.
    """

    kind: str
    rows: int
    cols: int
    seed: int
    nonideal: NonIdealities
    target: np.ndarray
    realised: np.ndarray
    figures: Fidelity
    unitary_fidelity: float | None = None
    unitary_fidelity_normalised: float | None = None

    @property
    def enob(self) -> float:
        """ENOB (bits), capped at ``ENOB_CAP`` (float64-exact results)."""
        return min(self.figures.enob, ENOB_CAP)

    def to_dict(self) -> dict[str, Any]:
        f = self.figures
        return {
            "kind": self.kind,
            "size": self.cols,
            "rows": self.rows,
            "cols": self.cols,
            "rel_frobenius_error": f.rel_frobenius_error,
            "enob": self.enob,
            "enob_cap": ENOB_CAP,
            "max_abs_error": f.max_abs_error,
            "sigma": f.sigma,
            "full_range": f.full_range,
            "fidelity": self.unitary_fidelity,
            "fidelity_normalised": self.unitary_fidelity_normalised,
            "seed": self.seed,
            "nonidealities": self.nonideal.to_dict(),
            "target": self.target,
            "realised": self.realised,
        }


def assess(kind: str, rows: int, cols: int, nonideal: NonIdealities, seed: int = 0) -> CoreReport:
    """Program a seeded random target on a new core and measure the realised matrix."""
    spec = core_kind(kind)
    core = spec(rows, cols)
    W = spec.target(rows, cols, seed)
    realised = np.asarray(core.realised_matrix(core.program(W, nonideal), nonideal), float)
    figures = evaluate(realised, W, full_range=WEIGHT_RANGE, unitary=False)
    fid = spec.unitary(W, nonideal) if spec.unitary else (None, None)
    return CoreReport(kind, rows, cols, seed, nonideal, W, realised, figures, *fid)


def plot_realised_vs_target(report: CoreReport):
    """Target, realised and error heat maps of one ``CoreReport`` (matplotlib Figure)."""
    from matplotlib.figure import Figure  # no pyplot: no global state, no GUI backend

    fig = Figure(figsize=(11, 3.4), layout="constrained")
    err = report.realised - report.target
    lim = max(float(np.abs(report.target).max()), float(np.abs(report.realised).max()))
    elim = max(float(np.abs(err).max()), 1e-15)
    for i, (name, m, vmax, cmap) in enumerate(
        (
            ("target", report.target, lim, "RdBu_r"),
            ("realised", report.realised, lim, "RdBu_r"),
            ("realised - target", err, elim, "PuOr_r"),
        )
    ):
        ax = fig.add_subplot(1, 3, i + 1)
        im = ax.imshow(m, cmap=cmap, vmin=-vmax, vmax=vmax)
        ax.set_title(name)
        ax.set_xlabel("input j")
        ax.set_ylabel("output i")
        fig.colorbar(im, ax=ax, shrink=0.8)
    f = report.figures
    fig.suptitle(
        f"{report.kind} {report.rows} x {report.cols}, seed {report.seed}: "
        f"rel. error {f.rel_frobenius_error:.2e}, ENOB {report.enob:.1f} bits\n"
        f"{describe(report.nonideal)}",
        fontsize=10,
    )
    return fig
