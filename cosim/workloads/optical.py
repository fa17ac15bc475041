r"""A model's matrix products on a simulated optical core: the statistical model of the link.

:class:`OpticalBackend` is a :data:`cosim.workloads.layers.Backend`: ``backend(W, X)``
returns what an optical processing unit (OPU) of ``rows`` x ``cols`` delivers for
``W @ X`` after its receivers. It stands in for the waveform-level co-simulation
(``cosim.e2e``: symbols through the fibre link, the OPU circuit's frequency response,
photodetectors, TIA and ADC), which is far too slow to run every layer of a generator.

What is a model of what
-----------------------
* **Weights**: the matrix the chip really applies, ``core.realised_matrix(
  core.program(tile, nonideal), nonideal)``: the circuit model of the core (MRR or MZI
  weight bank, Clements SVD mesh; structured evaluators validated against SAX circuits of
  the layout netlist) with the switched-on non-idealities (losses, splitter imbalance,
  thermal crosstalk, fabrication spread, calibration, heater DAC). Exact to the circuit
  model; the residual the programming leaves is part of it.
* **Everything between the modulator and the ADC that is not the weight** (shot, thermal
  and TIA noise, laser RIN, signal-ASE beat noise, what the link leaves after
  equalisation): additive white Gaussian noise per receiver sample, rms
  ``sigma_fs * FS`` with FS the full-scale output of one tile pass (below). The scenario
  derives ``sigma_fs`` from the received optical power and the noise terms of the
  waveform model; referring all of it to full scale is the signal-independent (thermal /
  TIA-limited) form, an upper bound where shot or signal-ASE noise dominate.
* **Converters**: ideal uniform quantisers, the input DAC (``dac_bits`` over [0, 1] of
  intensity) and the output ADC (``adc_bits`` over [-FS, FS]).
* Present only through ``sigma_fs`` (``cosim.e2e.tenants`` folds them in as if they
  were white Gaussian noise): inter-symbol interference (fibre dispersion, ring
  linewidth vs symbol rate, receiver bandwidths), timing skew, crosstalk from other
  tenants' bands. Their true, signal-dependent and correlated form lives in the
  waveform co-simulation only.

A consequence worth knowing: every tile pass is its own detection, so each output of a
layer with n_in inputs collects the noise of ceil(n_in / cols) receiver samples (twice
that for signed inputs); its rms grows as sqrt(n_in / cols), and a small core pays on
wide layers.

The computation of ``Y = W X`` (W (n_out, n_in), X (n_in, batch), both any real)
--------------------------------------------------------------------------------
1. *Per-layer scaling* to the converters' ranges, undone in electronics at the end:
   ``W / max|W|`` (the weight bank's full transmission swing) and each column of X by
   its own ``max|x|`` (a digital gain per transmitted vector, so every vector uses the
   DAC's full range and an image's result does not depend on its batch-mates).
2. *Tiling*: W is cut into ``rows`` x ``cols`` tiles, zero-padded at the edges. Each
   tile is programmed on the core once and its realised matrix cached by the tile's
   bytes (per core kind, size and non-idealities, for the process: programming is
   deterministic, the die is ``nonideal.seed``), so repeated products (the diffusion
   model's T steps) do not re-program. An all-zero tile is neither programmed nor sent:
   it contributes exactly nothing.
3. *Signed inputs, offset-free*: light carries intensities x >= 0, so x = x+ - x- is
   sent in two passes of nonnegative intensities, y = T x+ - T x-, the subtraction done
   digitally after the two ADC conversions. Weights are signed on the chip itself
   (balanced photodiodes in the MRR/MZI banks, homodyne readout of the Clements core).
   Unlike an offset scheme (send x + c, subtract c T 1), no range is spent on the offset
   and the offset's noise is not added. A pass whose inputs are zero for the whole
   column block (x- after a ReLU or sigmoid) is known in electronics and not sent.
4. Each pass's intensities go through the input DAC: 2^b levels k / (2^b - 1) on [0, 1].
5. Each tile output of each pass is one receiver sample: ``y = T x`` with |T|, |x| <= 1,
   so the full scale is FS = cols (the largest |sum_k w_k x_k|). It gets Gaussian noise
   of rms ``sigma_fs * FS`` and is converted by the ADC: clipped to [-FS, FS], rounded to
   the symmetric mid-tread grid of 2^b - 1 levels, LSB = FS / (2^(b-1) - 1), error <=
   LSB / 2 in range (one two's-complement code unused, so that zero is a code).
6. Partial sums over the column tiles and the two passes accumulate digitally, and the
   scales of step 1 are multiplied back.

Accounting (:attr:`OpticalBackend.stats`): one *symbol* is one input vector through one
programmed tile (one pass), so ``symbols`` counts tile-passes x vectors; ``tile_loads``
counts tile programmings assuming one core that loads each tile of a product once and
streams the whole batch through it (both passes); ``distinct_tiles`` the weight tiles of
the run. The receiver noise is drawn from a seeded NumPy generator in call order:
the same calls with the same seed give the same result.

Speed: programming dominates, so it is paid once per distinct tile. Per tile
(``program`` + ``realised_matrix``, measured on the 2-core development machine while
other jobs ran, so good to ~2x), ideal / all non-idealities with calibration and a 12-bit
heater DAC: mrr 4x4 5-10 / 7 ms, 8x8 15-45 / 24-60 ms, 16x16 0.3-0.8 s ideal (Newton
with a per-ring Jacobian); mzi 4x4 3-8 / 19 ms, 8x8 5-15 / 35-75 ms; clements 4x4 0.7-2 /
300 ms, 8x8 3.5-14 / 2,500 ms (per-MZI calibration: impractical for whole generators).
Distinct tiles at 4x4 / 8x8: GAN 2,362 / 603, VAE 5,440 / 1,376, diffusion 10,944 /
2,752; the diffusion model on an 8x8 MRR bank with every non-ideality programs in ~2 min.
The first core of a kind and size costs 2-30 s of JAX compilation, so cores are kept for
the process. No shortcut is taken: even an ideal core is really programmed (it realises
its targets to ~1e-11). The AWGR convolver realises only circulant matrices and cannot
hold a general weight tile: it is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from functools import cache
from typing import Any

import numpy as np

from circuits.core import NonIdealities, OpticalCore
from circuits.cores import CORES, make_core

KINDS = tuple(k for k in CORES if k != "awgr")  # cores that hold an arbitrary real tile
MAX_BITS = 24
CHUNK_ELEMENTS = 1 << 22  # tile outputs per vectorised block (bounds the memory, ~32 MB)

# Realised tiles per (kind, rows, cols, nonideal), shared by every backend of the process.
_REALISED: dict[tuple[str, int, int, NonIdealities], dict[bytes, np.ndarray]] = {}


@cache
def _core(kind: str, rows: int, cols: int) -> OpticalCore:
    """One core per kind and size for the process (its JAX functions compile once)."""
    return make_core(kind, rows, cols)


def dac_quantise(x: np.ndarray, bits: int | None) -> np.ndarray:
    """Intensities x in [0, 1] on the DAC grid k / (2^bits - 1); ``None`` = unquantised."""
    if bits is None:
        return x
    levels = 2**bits - 1
    return np.round(np.clip(x, 0.0, 1.0) * levels) / levels


def adc_quantise(y: np.ndarray, bits: int | None, full_scale: float) -> np.ndarray:
    """Samples y clipped to [-FS, FS] on the mid-tread grid LSB = FS / (2^(bits-1) - 1).

    ``None`` = unquantised (and unclipped). Error <= LSB / 2 for |y| <= FS.
    """
    if bits is None:
        return y
    lsb = full_scale / (2 ** (bits - 1) - 1)
    return np.round(np.clip(y, -full_scale, full_scale) / lsb) * lsb


def adc_lsb(bits: int, full_scale: float) -> float:
    """The ADC step of :func:`adc_quantise` (same unit as ``full_scale``)."""
    return full_scale / (2 ** (bits - 1) - 1)


@dataclass
class Stats:
    """What the modelled hardware did (see the module docstring for the definitions).

    Attributes:
        calls: matrix products (layer evaluations).
        macs: multiply-accumulates of those products (n_out n_in batch each).
        tile_loads: tile programmings, one per nonzero tile per product.
        symbols: tile-passes x vectors sent through the core.
        distinct_tiles: different weight tiles of the run.
    """

    calls: int = 0
    macs: int = 0
    tile_loads: int = 0
    symbols: int = 0
    distinct_tiles: int = 0

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


def _check_bits(name: str, bits: Any, low: int) -> None:
    if bits is None:
        return
    ok = isinstance(bits, (int, np.integer)) and not isinstance(bits, bool)
    if not ok or not low <= bits <= MAX_BITS:
        raise ValueError(f"{name} = {bits!r}: must be None or an integer in [{low}, {MAX_BITS}]")


class OpticalBackend:
    """``backend(W, X)``: W @ X through a tiled, noisy, quantised optical core.

    Args:
        kind: core kind, one of :data:`KINDS` (``circuits.cores``).
        rows, cols: core size M x N (outputs x inputs); the kind's rules apply.
        nonideal: non-idealities of the core (``circuits.core.NonIdealities``).
        sigma_fs: rms receiver noise per sample, as a fraction of the tile full scale
            FS = cols (dimensionless, >= 0).
        adc_bits: output ADC resolution (bits, 2..24) over [-FS, FS]; None = none.
        dac_bits: input DAC resolution (bits, 1..24) over [0, 1] intensity; None = none.
        seed: seed of the receiver-noise generator (>= 0).
        progress: optional ``progress(done, total)`` called while tiles are programmed.

    See the module docstring for the physics of each step.
    """

    def __init__(
        self,
        kind: str,
        rows: int,
        cols: int,
        nonideal: NonIdealities,
        sigma_fs: float,
        adc_bits: int | None,
        dac_bits: int | None,
        seed: int,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        if kind not in KINDS:
            why = "realises only circulant matrices" if kind == "awgr" else "is not a core"
            raise ValueError(f"kind = {kind!r} {why}; a weight tile needs one of {KINDS}")
        if not isinstance(nonideal, NonIdealities):
            raise ValueError(f"nonideal = {nonideal!r}: must be a circuits.core.NonIdealities")
        ok = isinstance(sigma_fs, (int, float, np.floating)) and not isinstance(sigma_fs, bool)
        if not ok or not np.isfinite(sigma_fs) or sigma_fs < 0:
            raise ValueError(f"sigma_fs = {sigma_fs!r}: must be a finite number >= 0")
        _check_bits("adc_bits", adc_bits, 2)
        _check_bits("dac_bits", dac_bits, 1)
        if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
            raise ValueError(f"seed = {seed!r}: must be an integer >= 0")
        self.core = _core(kind, rows, cols)  # checks the size (CoreSizeError names it)
        self.kind, self.rows, self.cols = kind, int(rows), int(cols)
        self.nonideal = nonideal
        self.sigma_fs = float(sigma_fs)
        self.adc_bits, self.dac_bits = adc_bits, dac_bits
        self.seed = int(seed)
        self.progress = progress
        self.stats = Stats()
        self._rng = np.random.default_rng(self.seed)
        self._realised = _REALISED.setdefault((kind, self.rows, self.cols, nonideal), {})
        self._used: set[bytes] = set()

    @property
    def full_scale(self) -> float:
        """FS of one tile output: the largest |sum_k w_k x_k| with |w|, |x| <= 1 (= cols)."""
        return float(self.cols)

    def config(self) -> dict[str, Any]:
        """The settings, JSON-ready (results carry them)."""
        return {
            "kind": self.kind,
            "rows": self.rows,
            "cols": self.cols,
            "nonideal": self.nonideal.to_dict(),
            "sigma_fs": self.sigma_fs,
            "adc_bits": self.adc_bits,
            "dac_bits": self.dac_bits,
            "seed": self.seed,
        }

    # --- weights -----------------------------------------------------------------------

    def _tiles_of(self, Wn: np.ndarray) -> np.ndarray:
        """Zero-padded tiles (row tiles, column tiles, rows, cols) of a scaled W."""
        n_out, n_in = Wn.shape
        ri, cj = -(-n_out // self.rows), -(-n_in // self.cols)
        padded = np.zeros((ri * self.rows, cj * self.cols))
        padded[:n_out, :n_in] = Wn
        return padded.reshape(ri, self.rows, cj, self.cols).swapaxes(1, 2)

    def _program(self, keys: Iterable[bytes]) -> None:
        """Program and realise the tiles (given by their bytes) not yet in the cache."""
        todo = [k for k in dict.fromkeys(keys) if k not in self._realised]
        for done, k in enumerate(todo, 1):
            target = np.frombuffer(k).reshape(self.rows, self.cols)
            settings = self.core.program(target, self.nonideal)
            self._realised[k] = np.asarray(
                self.core.realised_matrix(settings, self.nonideal), np.float64
            )
            if self.progress is not None:
                self.progress(done, len(todo))

    def _realise(self, tiles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Realised matrices of ``tiles`` (programming the new ones) and the nonzero mask."""
        flat = tiles.reshape(-1, self.rows, self.cols)
        active = np.any(flat != 0, axis=(1, 2))
        keys = [t.tobytes() if a else b"" for t, a in zip(flat, active, strict=True)]
        self._program(k for k in keys if k)
        out = np.zeros_like(flat)
        for n, k in enumerate(keys):
            if k:
                out[n] = self._realised[k]
                self._used.add(k)
        return out.reshape(tiles.shape), active.reshape(tiles.shape[:2])

    def program_weights(self, weights: Iterable[np.ndarray]) -> int:
        """Program every nonzero tile of ``weights`` ahead of the products.

        Optional (a product programs its missing tiles itself); called first it lets
        ``progress`` count all the run's tiles in one go. Returns the number of distinct
        nonzero tiles of ``weights``.
        """
        keys: set[bytes] = set()
        for W in weights:
            W = np.asarray(W, np.float64)
            flat = self._tiles_of(W / _scale(W)).reshape(-1, self.rows, self.cols)
            keys.update(t.tobytes() for t in flat if np.any(t))
        self._program(sorted(keys))
        return len(keys)

    # --- the product -------------------------------------------------------------------

    def __call__(self, W: Any, X: Any) -> np.ndarray:
        W, X = np.asarray(W, np.float64), np.asarray(X, np.float64)
        if W.ndim != 2 or X.ndim != 2 or W.shape[1] != X.shape[0]:
            raise ValueError(f"OpticalBackend: W{W.shape} cannot multiply X{X.shape}")
        for name, a in (("W", W), ("X", X)):
            if not np.all(np.isfinite(a)):
                raise ValueError(f"OpticalBackend: {name} has non-finite entries")
        n_out, n_in = W.shape
        batch = X.shape[1]
        w_scale = _scale(W)
        x_scale = np.max(np.abs(X), axis=0)
        x_scale = np.where(x_scale > 0, x_scale, 1.0)
        realised, active = self._realise(self._tiles_of(W / w_scale))
        ri, cj = active.shape
        Xp = np.zeros((cj * self.cols, batch))
        Xp[:n_in] = X / x_scale
        Xp = Xp.reshape(cj, self.cols, batch)
        Y = np.zeros((ri, self.rows, batch))
        for sign, part in ((1.0, np.maximum(Xp, 0.0)), (-1.0, np.maximum(-Xp, 0.0))):
            sent = active & np.any(part != 0, axis=(1, 2))[None, :]
            if not sent.any():
                continue
            Y += sign * self._passes(realised, sent, dac_quantise(part, self.dac_bits))
            self.stats.symbols += int(sent.sum()) * batch
        self.stats.calls += 1
        self.stats.macs += n_out * n_in * batch
        self.stats.tile_loads += int(active.sum())
        self.stats.distinct_tiles = len(self._used)
        out = Y.reshape(ri * self.rows, batch)[:n_out]
        return out * (w_scale * x_scale)[None, :]

    def _passes(self, realised: np.ndarray, sent: np.ndarray, part: np.ndarray) -> np.ndarray:
        """Sum over column tiles of the received, converted tile outputs of one pass."""
        ri, cj = sent.shape
        batch = part.shape[2]
        chunk = max(1, CHUNK_ELEMENTS // (ri * cj * self.rows))
        fs = self.full_scale
        mask = sent[:, :, None, None]
        out = np.empty((ri, self.rows, batch))
        for b0 in range(0, batch, chunk):
            y = realised @ part[None, :, :, b0 : b0 + chunk]  # (ri, cj, rows, chunk)
            if self.sigma_fs > 0:
                y = y + self.sigma_fs * fs * self._rng.standard_normal(y.shape)
            y = adc_quantise(y, self.adc_bits, fs)
            out[:, :, b0 : b0 + chunk] = np.sum(y * mask, axis=1)
        return out


def _scale(a: np.ndarray) -> float:
    """max|a|, or 1 for an all-zero array."""
    m = float(np.max(np.abs(a))) if a.size else 0.0
    return m if m > 0 else 1.0
