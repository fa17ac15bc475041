"""Each tenant's OPU as a statistical model for whole generative models (issue 7).

A generator makes thousands of matrix products; running each through the waveform
co-simulation would take hours. Its layers run instead through
:class:`cosim.workloads.optical.OpticalBackend`: the core's realised tile matrices
(the same circuit models, with the scenario's device imperfections) plus receiver-side
noise referred to a tile's output full scale (``cols``: the largest ``|sum_k w x|`` with
``|w|, |x| <= 1``) and the converters' quantisation.

That noise is measured on the scenario itself: one waveform run
(:func:`cosim.e2e.pipeline.run_scenario`) gives, for the tenant's edge node, the
error variance of ``Y - W X`` about its bias. The backend draws the weights' static
error and the converters itself, so they are taken out: the static part by evaluating
the programmed tiles' realised matrices on the same inputs, the ADC and DAC terms by
the closed form (:mod:`cosim.e2e.analytic`). What is left — shot, TIA, RIN,
signal-ASE noise and the link's ISI, dispersion and crosstalk — is ``sigma_fs``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from cosim.e2e.analytic import analytic_enob
from cosim.e2e.pipeline import NodeRun, RunResult, run_scenario
from cosim.e2e.scenario import Scenario, ScenarioError

_RUNS: dict[str, RunResult] = {}


def remember(sc: Scenario, result: RunResult) -> None:
    """Reuse ``result`` (a run of ``sc``) instead of running the scenario again."""
    _RUNS[sc.digest()] = result


def _run(sc: Scenario) -> RunResult:
    """One waveform run per scenario (by digest) and process."""
    key = sc.digest()
    if key not in _RUNS:
        _RUNS[key] = run_scenario(sc)
    return _RUNS[key]


def static_error(run: NodeRun) -> np.ndarray:
    """Error of the programmed weights alone: (W_realised - W) X over the run's tiles."""
    err = np.zeros_like(run.Y)
    equalise = run.equalise
    for t in run.tiles:
        realised = t.response.balanced_matrix() / equalise[None, :]
        target = t.target / equalise[None, :]
        n_out = min(realised.shape[0], run.W.shape[0] - t.r0)
        x = run.X[t.c0 : t.c0 + realised.shape[1]]
        d = (realised - target)[:n_out, : x.shape[0]]
        err[t.r0 : t.r0 + n_out] += d @ x
    return err


def link_sigma_fs(run: NodeRun, sc: Scenario) -> float:
    """Receiver noise and link impairments of ``run`` as a fraction of a tile's full scale."""
    e = run.Y - run.Y_ideal
    e = e - e.mean(axis=1, keepdims=True)
    s = static_error(run)
    s = s - s.mean(axis=1, keepdims=True)
    budget = analytic_enob(run, sc)
    converters = budget.terms["adc"] + budget.terms["dac"]
    var = max(float(np.mean(e**2) - np.mean(s**2)) - converters, 0.0)
    return math.sqrt(var) / sc.cols


def backend_settings(sc: Scenario, node: str) -> dict[str, Any]:
    """Settings of ``node``'s OPU for :class:`cosim.workloads.optical.OpticalBackend`.

    Keys: kind, rows, cols, nonideal, sigma_fs, adc_bits, dac_bits, seed,
    symbol_rate_hz, power_w (the whole system's power at the network boundary shared
    equally by the OPUs, W), received_power_dbm (mean per channel at the OPU port).
    """
    names = [n.name for n in sc.edge_nodes]
    if node not in names:
        raise ScenarioError(f"node = {node!r}: not an edge node ({', '.join(names)})")
    from cosim.e2e.power import power_system
    from cosim.power.budget import power_breakdown

    result = _run(sc)
    index = names.index(node)
    run = result.nodes[index]
    system = power_system(sc, result)
    total_w = power_breakdown(system).total_mw("network") * 1e-3
    rx_dbm = float(10 * np.log10(np.mean(10 ** (run.received_power_dbm / 10))))
    net = sc.network
    im = sc.impairments
    return {
        "kind": sc.opu.kind,
        "rows": sc.rows,
        "cols": sc.cols,
        "nonideal": run.nonideal,
        "sigma_fs": link_sigma_fs(run, sc),
        "adc_bits": net.receiver.adc.bits if im.adc else None,
        "dac_bits": net.transmitter.dac.bits if im.dac else None,
        "seed": sc.seed,
        "symbol_rate_hz": net.grid.symbol_rate_gbd * 1e9,
        "power_w": total_w / sc.n_opus,
        "received_power_dbm": rx_dbm,
    }
