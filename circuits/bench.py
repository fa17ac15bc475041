r"""Speed of the structured evaluators against SAX's KLU circuit of the layout netlist.

For each core kind and size N (N x N), side by side in one process:

* the reference: ``sax_fn`` of the core, i.e. ``sax.circuit(netlist, backend="klu")`` of
  the netlist extracted from the layout, called with per-instance settings;
* the structured evaluator: ``structured_fn`` of the core (jit-compiled transfer-matrix
  products / per-ring closed forms over the same component models).

Both are called with the same seeded random device settings (heater powers uniform in
[0, heater.max_power], MZM voltages in [0, V_pi]) on the same die, every non-ideality on
(``NonIdealities.all_on``: losses, imbalance, crosstalk, fabrication draw), so the
comparison covers every path of the models. Outputs are the complex detector-plane
fields (or the mesh transfer) per unit input field; ``max_abs_diff`` is the largest
difference between the two.

Timing (``time.perf_counter``, every result ``jax.block_until_ready``):

* ``*_compile_s``: time of the first call (circuit construction, tracing, XLA
  compilation, one evaluation: the warm-up) minus the per-call time. For the Clements
  core the structured side also counts ``device_tables`` (each instance's model
  evaluated once per wavelength and die), which the SAX side does inside its calls.
* ``*_call_s``: median over ``repeats`` timed calls after the warm-up; a structured call
  is timed as a batch of calls lasting >= ``MIN_BATCH_S`` (per-call time = batch / count).
* ``setup_s``: layout, netlist extraction and die draw, shared by both (not counted).
* ``speedup`` = sax_call_s / structured_call_s.
* ``sax_mode``: how the core's ``sax_fn`` runs the SAX circuit. "jit": compiled whole on
  the first call (long compile, fast calls: the strongest reference); "eager": op by op
  (MRR bank: its ring model needs concrete geometry, which SAX passes as traced settings
  under ``jax.jit``), so its per-call time includes Python and dispatch overhead and its
  speedup is not comparable with a jitted reference's.

Compile times depend on JAX's in-process caches: each (kind, N) is built fresh, but
jitted helpers that a core module caches per size are compiled once per process, so
run the benchmark in a fresh process (``opticloud bench circuits``).

By default the MRR bank and the Clements core run (``DEFAULT_KINDS``); the MZI bank and
the AWGR convolver on request (their jitted SAX circuits exhaust 24 GB at N = 16).
MRR banks above 21 channels use a 50 GHz (up to 42) or 25 GHz grid (``circuits.cores.
mrr_spacing_ghz``). The MZI bank and the AWGR convolver stop at N = 16 (their AWGR),
so their structured-only sizes beyond that are skipped and listed in ``skipped``.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import jax
import numpy as np

from circuits.core import NonIdealities
from circuits.cores import CORES, CoreSizeError, core_kind, mrr_spacing_ghz
from pdk.params import value

SAX_SIZES = (4, 8, 16)
STRUCTURED_ONLY_SIZES = (32, 64)
MIN_BATCH_S = 0.02  # s: a structured call is timed in batches at least this long
MAX_POWER_MW = value("heater.max_power")
# The MZI bank's and the AWGR convolver's jitted SAX circuits need > 24 GB of memory to
# compile at N = 16 (killed by the OOM killer on a 24 GB machine): they run on request.
DEFAULT_KINDS = ("mrr", "clements")


@dataclass
class Pair:
    """The two evaluators of one core, each a no-argument call at fixed settings."""

    structured: Callable[[], Any]
    sax: Callable[[], Any] | None
    setup_s: float
    structured_prepare_s: float = 0.0  # counted into the structured compile time
    info: dict[str, Any] = field(default_factory=dict)


def _clock(fn: Callable[[], Any], count: int = 1) -> tuple[float, Any]:
    t0 = time.perf_counter()
    for _ in range(count):
        out = jax.block_until_ready(fn())
    return (time.perf_counter() - t0) / count, out


def time_evaluator(
    fn: Callable[[], Any], repeats: int, min_batch_s: float = 0.0
) -> tuple[float, float, Any]:
    """(compile_s, call_s, output) of ``fn``: first call minus the median of ``repeats``
    later calls (each a batch lasting >= ``min_batch_s``)."""
    first, out = _clock(fn)
    probe, _ = _clock(fn)
    count = max(1, int(np.ceil(min_batch_s / max(probe, 1e-9)))) if min_batch_s else 1
    call = statistics.median(_clock(fn, count)[0] for _ in range(repeats))
    return max(first - call, 0.0), call, out


# --- the cores' evaluators at random settings ------------------------------------------------


def _mrr(n: int, seed: int, with_sax: bool) -> Pair:
    from circuits.mrr_bank import MrrWeightBank, sax_fn, structured_fn

    ni = NonIdealities.all_on(seed=seed)
    spacing = mrr_spacing_ghz(n)
    t0 = time.perf_counter()
    bank = MrrWeightBank(n, n, channel_spacing_ghz=spacing)
    bank.state(ni)
    setup = time.perf_counter() - t0
    powers = np.random.default_rng(seed).uniform(0.0, MAX_POWER_MW, (n, n))
    wl = bank.wavelengths
    f = structured_fn(bank, ni)
    g = sax_fn(bank, ni) if with_sax else None
    return Pair(
        lambda: f(powers, wl),
        (lambda: g(powers, wl)) if g else None,
        setup,
        info={
            "channel_spacing_ghz": spacing,
            "output": "(M, C, 2) drop/through fields",
            "sax_mode": "eager",
        },
    )


def _clements(n: int, seed: int, with_sax: bool) -> Pair:
    from circuits.clements_mesh import ClementsCore, device_tables, sax_fn, structured_fn

    ni = NonIdealities.all_on(seed=seed)
    t0 = time.perf_counter()
    core = ClementsCore(n, n)
    topo = core.topology
    state = core.state(ni)
    setup = time.perf_counter() - t0
    t0 = time.perf_counter()
    tables = jax.block_until_ready(device_tables(topo, state))
    prepare = time.perf_counter() - t0
    powers = np.random.default_rng(seed).uniform(0.0, MAX_POWER_MW, len(topo.heaters))
    f = structured_fn(topo)
    g = sax_fn(topo) if with_sax else None
    return Pair(
        lambda: f(powers, tables),
        (lambda: g(powers, state)) if g else None,
        setup,
        prepare,
        info={
            "heaters": len(topo.heaters),
            "output": "(n, n) field transfer of the SVD core",
            "sax_mode": "jit",
        },
    )


def _mzi(n: int, seed: int, with_sax: bool) -> Pair:
    from circuits import mzi_bank as mb

    ni = NonIdealities.all_on(seed=seed)
    t0 = time.perf_counter()
    topo = mb.bank_topology(n, n)
    dev = mb.device(topo, ni)
    setup = time.perf_counter() - t0
    rng = np.random.default_rng(seed)
    state = mb.device_state(*rng.uniform(0.0, MAX_POWER_MW, (2, n, n)), dev)
    wl = topo.wavelengths
    f = mb.structured_fn(n, n)
    g = mb.sax_fn(n, n) if with_sax else None
    return Pair(
        lambda: f(state, wl),
        (lambda: g(state, wl)) if g else None,
        setup,
        info={"output": "(M, N, 2, C) balanced-pair fields", "sax_mode": "jit"},
    )


def _awgr(n: int, seed: int, with_sax: bool) -> Pair:
    from circuits import awgr_convolver as ac
    from components.modulators import vpi_v

    ni = NonIdealities.all_on(seed=seed)
    t0 = time.perf_counter()
    topo = ac.conv_topology(n)
    dev = ac.device(topo, ni)
    setup = time.perf_counter() - t0
    rng = np.random.default_rng(seed)
    ring_power = rng.uniform(0.0, MAX_POWER_MW, n)
    voltage = rng.uniform(0.0, vpi_v(topo.mzm_length), n)
    state = ac.device_state(ring_power, voltage, dev)
    wl = topo.wavelengths
    f = ac.structured_fn(n, topo.mzm_length)
    g = ac.sax_fn(n, topo.mzm_length) if with_sax else None
    return Pair(
        lambda: f(state, wl),
        (lambda: g(state, wl)) if g else None,
        setup,
        info={"output": "(N, C) photodiode fields", "sax_mode": "jit"},
    )


EVALUATORS: dict[str, Callable[[int, int, bool], Pair]] = {
    "mrr": _mrr,
    "clements": _clements,
    "mzi": _mzi,
    "awgr": _awgr,
}


def benchmark_kinds() -> tuple[str, ...]:
    """Kinds with both evaluators whose modules are present."""
    return tuple(k for k in EVALUATORS if k in CORES)


def default_kinds() -> tuple[str, ...]:
    """The kinds benchmarked unless others are asked for (``DEFAULT_KINDS``, when present)."""
    return tuple(k for k in DEFAULT_KINDS if k in CORES)


def bench_one(kind: str, n: int, with_sax: bool, repeats: int = 5, seed: int = 0) -> dict:
    """One (kind, N) record: times of both evaluators and their largest difference."""
    pair = EVALUATORS[kind](n, seed, with_sax)
    s_compile, s_call, s_out = time_evaluator(pair.structured, repeats, MIN_BATCH_S)
    rec: dict[str, Any] = {
        "n": n,
        "setup_s": pair.setup_s,
        "structured_call_s": s_call,
        "structured_compile_s": s_compile + pair.structured_prepare_s,
        "sax_call_s": None,
        "sax_compile_s": None,
        "speedup": None,
        "max_abs_diff": None,
        **pair.info,
    }
    if pair.sax is None:
        rec["sax_mode"] = None
    if pair.sax is not None:
        x_compile, x_call, x_out = time_evaluator(pair.sax, repeats)
        diff = np.abs(np.asarray(x_out) - np.asarray(s_out))
        rec |= {
            "sax_call_s": x_call,
            "sax_compile_s": x_compile,
            "speedup": x_call / s_call,
            "max_abs_diff": float(diff.max()),
        }
    return rec


def plan(
    kinds: Iterable[str],
    sax_sizes: Iterable[int] = SAX_SIZES,
    structured_sizes: Iterable[int] = STRUCTURED_ONLY_SIZES,
) -> tuple[list[tuple[str, int, bool]], list[dict[str, Any]]]:
    """(runs as (kind, N, with SAX), skipped sizes with the reason)."""
    runs, skipped = [], []
    for kind in kinds:
        spec = core_kind(kind)
        for sizes, with_sax in ((sax_sizes, True), (structured_sizes, False)):
            for n in sizes:
                try:
                    spec.check(n, n)
                except CoreSizeError as e:
                    skipped.append({"kind": kind, "n": n, "reason": str(e)})
                    continue
                runs.append((kind, n, with_sax))
    return runs, skipped


def run_benchmark(
    kinds: Iterable[str] | None = None,
    sax_sizes: Iterable[int] = SAX_SIZES,
    structured_sizes: Iterable[int] = STRUCTURED_ONLY_SIZES,
    repeats: int = 5,
    seed: int = 0,
    progress: Callable[[str, int, bool, dict | None], None] | None = None,
) -> dict[str, Any]:
    """Every planned (kind, N); ``progress(kind, n, with_sax, record)`` is called before
    each run (record None) and after it (its record).

    Returns ``{"results": {kind: {str(N): record}}, "skipped": [...], "config": {...}}``.
    """
    kinds = tuple(default_kinds() if kinds is None else kinds)
    for kind in kinds:
        if kind not in EVALUATORS:
            raise ValueError(f"kind={kind!r} has no benchmark; available: {benchmark_kinds()}")
    runs, skipped = plan(kinds, sax_sizes, structured_sizes)
    results: dict[str, dict[str, Any]] = {k: {} for k in kinds}
    for kind, n, with_sax in runs:
        if progress:
            progress(kind, n, with_sax, None)
        results[kind][str(n)] = bench_one(kind, n, with_sax, repeats, seed)
        if progress:
            progress(kind, n, with_sax, results[kind][str(n)])
    return {
        "results": results,
        "skipped": skipped,
        "config": {
            "repeats": repeats,
            "seed": seed,
            "nonidealities": NonIdealities.all_on(seed=seed).to_dict(),
            "backend": jax.default_backend(),
            "devices": [str(d) for d in jax.devices()],
            "timer": "time.perf_counter, median of repeats after a warm-up call",
        },
    }
