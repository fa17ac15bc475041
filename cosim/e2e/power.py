"""A run's electrical power: the scenario and its programmed OPUs as a :class:`PowerSystem`.

Everything the power model counts is taken from what the run actually did:

* **sizes and rates** -- ``rows`` x ``cols`` per OPU, one OPU per edge node
  (``Scenario.n_opus``), ``cols`` transmitters per edge node, the grid's symbol rate,
  the DAC/ADC resolutions and the ADC's effective bits of the network's receiver;
* **heaters** -- the holding power of every heater of every OPU, from the settings the
  cores were programmed with. A node whose workload is tiled over time holds each tile's
  program for one equal time slot, so each heater counts with its time average;
* **photodiodes** -- the mean optical power on a photodiode: each tile's power transfer
  at the carriers times the simulated mean power of each channel at the OPU port;
* **EDFAs** -- the total signal output of every network amplifier, from the per-node link
  budgets (:func:`cosim.network.budget.network_budget`): an amplifier that several nodes'
  bands pass through carries all of them, and is counted once;
* **control logic** -- the Yosys cell and flip-flop counts of the control RTL
  (:func:`cosim.control.synth.synthesize`), one controller per 16 heaters of an OPU.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import shutil
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from cosim.control.hdl import RTL_SOURCES
from cosim.control.host import CLK_HZ
from cosim.e2e.pipeline import NodeRun, RunResult, network_config
from cosim.e2e.scenario import Scenario, ScenarioError
from cosim.link.config import EdfaStage
from cosim.network.budget import network_budget
from cosim.network.topology import node_path, route
from cosim.power.system import PowerSystem, validate_power_system

# The controller as synthesised: the RTL's largest ring count (two DAC8568 heater DACs),
# the board's 16-bit heater DAC (cosim.control.plant) and up to 8 ranged edge nodes.
RINGS_PER_CONTROLLER = 16
MAX_RANGED_NODES = 8
CONTROLLER_DAC_BITS = 16
SYNTH_CACHE = Path(__file__).resolve().parents[2] / "build" / "synth"
_HEATER_FIELDS = ("powers_mw", "power_top", "power_bottom", "ring_power")
# The power model's lower bound on optical input (PowerSystem Dbm): below it a
# photodiode's bias power, V (R P + I_dark), is dark-current dominated and < 0.1 uW.
_MIN_PD_DBM = -40.0


class YosysMissingError(RuntimeError):
    """The control-logic gate count needs Yosys (Debian package ``yosys``)."""


# ------------------------------------------------------------------- control logic
def controller_parameters(n_edge_nodes: int) -> dict[str, int]:
    """RTL parameters of the synthesised controller for ``n_edge_nodes`` ranged nodes."""
    return {
        "N_RINGS": RINGS_PER_CONTROLLER,
        "N_NODES": max(1, min(MAX_RANGED_NODES, n_edge_nodes)),
        "DAC_BITS": CONTROLLER_DAC_BITS,
    }


def _cache_key(parameters: dict[str, int]) -> str:
    h = hashlib.sha256(json.dumps(parameters, sort_keys=True).encode())
    for src in sorted(RTL_SOURCES):
        h.update(src.read_bytes())
    return h.hexdigest()[:16]


@functools.cache
def _synthesise(params: tuple[tuple[str, int], ...], cache_dir: Path | None) -> dict[str, Any]:
    from cosim.control.synth import synthesize

    parameters = dict(params)
    cached = cache_dir / f"{_cache_key(parameters)}.json" if cache_dir else None
    if cached is not None and cached.is_file():
        return json.loads(cached.read_text())
    raw = synthesize("opticloud_ctrl", parameters)
    out = {
        "top": raw["top"],
        "parameters": parameters,
        "cells": int(raw["cells"]),
        "flipflops": int(sum(n for t, n in raw["cells_by_type"].items() if "DFF" in t)),
        "latches": int(raw["latches"]),
        "cells_by_type": raw["cells_by_type"],
    }
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(".tmp")
        tmp.write_text(json.dumps(out, indent=2))
        tmp.replace(cached)
    return out


def control_synthesis(n_edge_nodes: int, cache_dir: Path | None = SYNTH_CACHE) -> dict[str, Any]:
    """Cell and flip-flop counts of one controller (Yosys generic synthesis).

    Runs Yosys once per parameter set and process; the result is also kept in
    ``cache_dir`` under a key of the parameters and the RTL sources (None: no disk cache).
    Raises :class:`YosysMissingError` when Yosys is not installed.
    """
    if shutil.which("yosys") is None:
        raise YosysMissingError(
            "yosys not found on PATH: the control-logic power needs its gate count "
            "(install the Debian package yosys, or run `make setup`)"
        )
    params = tuple(sorted(controller_parameters(n_edge_nodes).items()))
    return dict(_synthesise(params, cache_dir))


# ------------------------------------------------------------------- what the run did
def _tile_heaters_mw(settings: object) -> np.ndarray:
    parts = [
        np.ravel(np.asarray(getattr(settings, name), float))
        for name in _HEATER_FIELDS
        if hasattr(settings, name)
    ]
    return np.concatenate(parts) if parts else np.zeros(0)


def node_heater_powers_mw(run: NodeRun) -> np.ndarray:
    """Time-averaged holding power (mW) of every heater of the node's OPU.

    Each tile of a time-tiled workload holds its program for one equal slot.
    """
    tiles = [_tile_heaters_mw(t.settings) for t in run.tiles]
    if not tiles:
        return np.zeros(0)
    return np.mean(np.stack(tiles), axis=0)


def photodiode_power_dbm(result: RunResult) -> float:
    """Mean optical power on one photodiode over all OPUs and tiles (dBm).

    Per tile: power transfer at the carriers (rows, cols, detectors) times the simulated
    mean power of each channel at the OPU port. Cores with several balanced pairs per
    output (the MZI bank) are counted as one pair carrying their total power.
    """
    total_w, n_pd = 0.0, 0
    for run in result.nodes:
        p_port = 1e-3 * 10 ** (np.asarray(run.received_power_dbm, float) / 10)
        per_tile = [np.einsum("ijd,j->", t.response.at_centre(), p_port) for t in run.tiles]
        if not per_tile:
            continue
        total_w += float(np.mean(per_tile))
        n_pd += 2 * result.scenario.rows
    if n_pd == 0 or total_w <= 0:
        return _MIN_PD_DBM
    return max(_MIN_PD_DBM, 10 * math.log10(total_w / n_pd / 1e-3))


def edfa_output_powers_dbm(sc: Scenario) -> tuple[float, ...]:
    """Total signal output (dBm) of every network amplifier, each counted once.

    An amplifier sits on one fibre at its receiving end; the bands of every edge node
    whose route crosses that fibre in that direction add at its output. ASE is left out
    of the output power: the budget tracks it in 0.1 nm only (tens of uW over the C band
    against mW of signal).
    """
    cfg = network_config(sc)
    budgets = {b.node: b for b in network_budget(cfg)}
    out_w: dict[tuple[int, str], float] = defaultdict(float)
    for name, budget in budgets.items():
        amplified = [(nxt, i) for nxt, i in route(cfg, name) if cfg.links[i].amplifier]
        edfa_rows = [
            k + 1 for k, st in enumerate(node_path(cfg, name)) if isinstance(st, EdfaStage)
        ]
        for (nxt, i), row in zip(amplified, edfa_rows, strict=True):
            out_w[(i, nxt)] += float(np.sum(budget.budget.rows[row].signal_w))
    return tuple(10 * math.log10(w / 1e-3) for _, w in sorted(out_w.items()))


def check_scenario(sc: Scenario) -> None:
    """Refuse, before any simulation, a scenario the power model cannot count.

    Raises :class:`~cosim.e2e.scenario.ScenarioError` naming the field and its value.
    """
    net = sc.network
    ratio = net.transmitter.dac.sample_rate_gsps / net.grid.symbol_rate_gbd
    if not 1.0 - 1e-9 <= ratio <= 16.0:
        raise ScenarioError(
            f"network.transmitter.dac.sample_rate_gsps = {net.transmitter.dac.sample_rate_gsps:g}:"
            f" needs 1 to 16 samples per symbol at {net.grid.symbol_rate_gbd:g} GBd"
        )
    dbm = net.transmitter.laser.power_dbm
    if not -40.0 <= dbm <= 30.0:
        raise ScenarioError(
            f"network.transmitter.laser.power_dbm = {dbm:g}: the power model covers -40 to 30 dBm"
        )


def power_system(
    sc: Scenario,
    result: RunResult,
    synthesis: dict[str, Any] | None = None,
    edfa_dbm: tuple[float, ...] | None = None,
) -> PowerSystem:
    """The run as a :class:`PowerSystem` (see the module docstring).

    ``synthesis``: a :func:`control_synthesis` result (run when None); ``edfa_dbm``: the
    amplifier outputs when already known (:func:`edfa_output_powers_dbm` otherwise).
    """
    net = sc.network
    synth = synthesis or control_synthesis(len(sc.edge_nodes))
    heaters = [node_heater_powers_mw(run) for run in result.nodes]
    controllers = sum(max(1, math.ceil(h.size / RINGS_PER_CONTROLLER)) for h in heaters)
    dac, adc = net.transmitter.dac, net.receiver.adc
    rate = net.grid.symbol_rate_gbd
    return validate_power_system(
        {
            "rows": sc.rows,
            "cols": sc.cols,
            "symbol_rate_gbd": rate,
            "n_opus": sc.n_opus,
            "n_edge_nodes": len(sc.edge_nodes),
            "channels_per_node": sc.cols,
            "laser_power_dbm": net.transmitter.laser.power_dbm,
            "dac_bits": dac.bits if dac.bits is not None else _library_bits("dac.bits"),
            "dac_samples_per_symbol": dac.sample_rate_gsps / rate,
            "adc_bits": adc.bits if adc.bits is not None else _library_bits("adc.bits"),
            "adc_enob": adc.enob if adc.bits is not None else None,
            "pd_optical_power_dbm": photodiode_power_dbm(result),
            "heater_powers_mw": tuple(float(p) for h in heaters for p in h),
            "edfa_output_powers_dbm": edfa_dbm
            if edfa_dbm is not None
            else edfa_output_powers_dbm(sc),
            "control_gate_count": synth["cells"] * controllers,
            "control_flipflop_count": synth["flipflops"] * controllers,
            "control_clock_mhz": CLK_HZ / 1e6,
        }
    )


def _library_bits(name: str) -> int:
    from pdk.params import value

    return int(value(name))


__all__ = [
    "RINGS_PER_CONTROLLER",
    "YosysMissingError",
    "check_scenario",
    "control_synthesis",
    "controller_parameters",
    "edfa_output_powers_dbm",
    "node_heater_powers_mw",
    "photodiode_power_dbm",
    "power_system",
]
