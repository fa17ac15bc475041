"""A run as a power system: conservation of the breakdown, TOPS in closed form, heaters
from the programs, amplifiers counted once, photodiode power bounded by passivity."""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from cosim.e2e import power as pw
from cosim.e2e.pipeline import network_config, run_scenario
from cosim.e2e.scenario import Impairments, load_scenario, validate_scenario
from cosim.link.awg import centre_transmission
from cosim.link.budget import launch_power
from cosim.power import BOUNDARIES, power_breakdown

pytestmark = pytest.mark.xdist_group("e2e")

SMALL = Path(__file__).with_name("small_scenario.yaml")
# A controller's Yosys counts, as input to the power model (Yosys itself is exercised by
# tests/cosim/control/test_control_synth.py)
SYNTH = {"cells": 19361, "flipflops": 3714, "parameters": {"N_RINGS": 16}}


@pytest.fixture(scope="module")
def small_run():
    sc = load_scenario(SMALL)
    return sc, run_scenario(sc)


def test_breakdown_sums_to_the_total_under_each_boundary(small_run):
    sc, result = small_run
    b = power_breakdown(pw.power_system(sc, result, SYNTH))
    for k, boundary in enumerate(BOUNDARIES):
        parts = [c.power_mw for c in b.components if BOUNDARIES.index(c.boundary) <= k]
        assert sum(parts) == pytest.approx(b.total_mw(boundary), rel=1e-12)
        assert b.mw_per_tops(boundary) == pytest.approx(b.total_mw(boundary) / b.tops)
    assert b.total_mw("opu") < b.total_mw("tx") < b.total_mw("network")  # all three count


def test_tops_and_counts_follow_the_scenario(small_run):
    sc, result = small_run
    system = pw.power_system(sc, result, SYNTH)
    # TOPS = 2 rows cols R n_opus / 1e12: 4 x 4 cores, 10 GBd, four OPUs
    assert power_breakdown(system).tops == pytest.approx(2 * 4 * 4 * 10e9 * 4 / 1e12)
    assert (system.rows, system.cols, system.n_opus, system.edge_channels) == (4, 4, 4, 16)
    # one heater per ring, holding the programmed power; one 16-ring controller per OPU
    programs = [np.ravel(n.tiles[0].settings.powers_mw) for n in result.nodes]
    np.testing.assert_allclose(system.heater_powers_mw, np.concatenate(programs))
    assert system.control_gate_count == 4 * SYNTH["cells"]
    assert system.laser_power_dbm == sc.network.transmitter.laser.power_dbm


def test_photodiode_power_respects_passivity(small_run):
    """Passive cores put on their 2 x rows detectors at most what their inputs carry."""
    _, result = small_run
    p_in = sum(np.sum(10 ** (n.received_power_dbm / 10)) for n in result.nodes)  # mW
    p_pd = 10 ** (pw.photodiode_power_dbm(result) / 10)
    n_pd = sum(2 * n.W.shape[0] for n in result.nodes)
    assert 0.01 * p_in < n_pd * p_pd <= p_in


def test_heaters_of_time_tiled_programs_are_time_averaged():
    a = SimpleNamespace(settings=SimpleNamespace(powers_mw=np.array([[2.0, 4.0]])))
    b = SimpleNamespace(settings=SimpleNamespace(powers_mw=np.array([[6.0, 0.0]])))
    got = pw.node_heater_powers_mw(SimpleNamespace(tiles=[a, b]))
    np.testing.assert_allclose(got, [4.0, 2.0])  # each tile holds for half the time


def test_an_amplifier_shared_by_two_nodes_is_counted_once_with_both_bands():
    """Two nodes on one ROADM, one amplified span to the centre: one EDFA whose output is
    G T_span sum_nodes sum_ch P_launch T_access T_mux (closed form)."""
    data = {"network": {}, "generative": {"edge_a": "gan"}}
    data["network"]["nodes"] = [
        {"name": "edge_a", "kind": "edge", "channels": [0, 1, 2, 3]},
        {"name": "edge_b", "kind": "edge", "channels": [4, 5, 6, 7]},
        {"name": "roadm_1", "kind": "roadm"},
        {"name": "centre", "kind": "centre"},
    ]
    data["network"]["links"] = [
        {"a": "edge_a", "b": "roadm_1", "length_km": 5},
        {"a": "edge_b", "b": "roadm_1", "length_km": 15},
        {"a": "roadm_1", "b": "centre", "length_km": 30, "amplifier": {"gain_db": 12.0}},
    ]
    data["impairments"] = Impairments.none().model_dump()  # flat AWG passband
    sc = validate_scenario(data)
    cfg = network_config(sc)
    alpha = cfg.fibre.loss_db_per_km
    router = cfg.awg_stage().router()
    total_mw = 0.0
    for name, access_km in (("edge_a", 5), ("edge_b", 15)):
        nu = np.array([cfg.frequency_hz(k) for k in cfg.node(name).channels])
        p = launch_power(cfg.transmitter, cfg.traffic, nu) * 1e3
        t_mux = centre_transmission(router, tuple(float(v) for v in nu))
        total_mw += float(np.sum(p * t_mux)) * 10 ** (-alpha * access_km / 10)
    expected = 10 * math.log10(total_mw) - alpha * 30 + 12.0
    got = pw.edfa_output_powers_dbm(sc)
    assert len(got) == 1
    assert got[0] == pytest.approx(expected, abs=0.01)


def test_missing_yosys_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(pw.shutil, "which", lambda _name: None)
    with pytest.raises(pw.YosysMissingError, match="yosys"):
        pw.control_synthesis(4)


def test_synthesis_runs_once_then_comes_from_the_cache(monkeypatch, tmp_path):
    calls = []

    def fake(top, parameters):
        calls.append(parameters)
        cells = {"$_AND_": 10, "$_SDFFE_PP0P_": 3, "$_DFF_P_": 2}
        return {"top": top, "cells": 15, "cells_by_type": cells, "latches": 0}

    import cosim.control.synth

    monkeypatch.setattr(cosim.control.synth, "synthesize", fake)
    pw._synthesise.cache_clear()
    first = pw.control_synthesis(3, cache_dir=tmp_path)
    pw._synthesise.cache_clear()  # a new process: only the disk cache is left
    second = pw.control_synthesis(3, cache_dir=tmp_path)
    pw._synthesise.cache_clear()
    assert len(calls) == 1 and first == second
    assert (first["cells"], first["flipflops"]) == (15, 5)
    assert first["parameters"]["N_NODES"] == 3
