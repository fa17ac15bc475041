"""Sweeps: ENOB falls with fibre length at fixed launch power; the scenario edits do what
each axis says; the plan and the written tables have the closed-form sizes."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest

from cosim.e2e import sweep as sw
from cosim.e2e.scenario import ScenarioError, default_scenario, load_scenario

SMALL = Path(__file__).with_name("small_scenario.yaml")
SYNTH = {"cells": 19361, "flipflops": 3714, "parameters": {"N_RINGS": 16}}


@pytest.mark.xdist_group("e2e")
def test_enob_falls_monotonically_with_fibre_length(tmp_path):
    """Launch power fixed; longer access fibre (loss) and metro span (more EDFA gain, more
    ASE) lower both the simulated and the closed-form ENOB. Same seed at every length."""
    base = load_scenario(SMALL)
    plan = sw.SweepPlan(fibre_scale=(0.5, 1.0, 2.0))
    r = sw.run_sweep(base, plan, axes=["fibre_scale"], n_symbols=None, synthesis=SYNTH)
    pts = r.axis("fibre_scale")
    assert [p.settings["fibre_scale"] for p in pts] == [0.5, 1.0, 2.0]
    enob = [p.enob for p in pts]
    ana = [p.enob_analytic for p in pts]
    assert enob[0] > enob[1] > enob[2], enob
    assert ana[0] > ana[1] > ana[2], ana
    rx = [p.received_power_dbm for p in pts]
    assert rx[0] > rx[1] > rx[2]  # the unamplified access fibre's loss reaches the OPU
    launch = {p.design.system.laser_power_dbm for p in pts}
    assert launch == {base.network.transmitter.laser.power_dbm}

    files = sw.write_outputs(r, tmp_path)
    rows = list(csv.DictReader(files["csv"].open()))
    assert len(rows) == 3
    record = json.loads(files["json"].read_text())
    assert len(record["axes"]["fibre_scale"]) == 3 and record["n_symbols"] == 128
    for row in record["points"]:
        assert all(math.isfinite(v) for v in row.values())
    for key in ("enob_png", "html"):
        assert files[key].stat().st_size > 0


def test_plan_has_the_grid_and_the_single_axes():
    """|laser| x |rate| x |size| grid points plus each other axis' non-base values."""
    sc = default_scenario()
    plan = sw.SweepPlan.quick()  # base values 10 dBm, 10 GBd, 4, x1, 8 bit all in the lists
    todo = sw.planned_settings(sc, plan, list(sw.EDITS))
    grid = len(plan.laser_power_dbm) * len(plan.symbol_rate_gbd) * len(plan.core_size)
    assert len(todo) == grid + (len(plan.fibre_scale) - 1) + (len(plan.converter_bits) - 1)
    assert len({tuple(s.values()) for s in todo}) == len(todo)


def test_scenario_edits_move_one_axis():
    sc = default_scenario()
    big = sw.with_core_size(sc, 5)
    assert (big.rows, big.cols, big.n_opus) == (5, 5, sc.n_opus)
    assert big.network.awg.channels == 5 * sc.n_opus  # the router grows to 20 ports
    fast = sw.with_symbol_rate(sc, 20.0)
    dac0, dac = sc.network.transmitter.dac, fast.network.transmitter.dac
    assert dac.sample_rate_gsps == pytest.approx(2 * dac0.sample_rate_gsps)
    assert dac.bandwidth_ghz == pytest.approx(2 * dac0.bandwidth_ghz)
    tia0, tia = sc.network.receiver.tia, fast.network.receiver.tia
    assert tia.bandwidth_ghz == pytest.approx(2 * tia0.bandwidth_ghz)
    few = sw.with_converter_bits(sc, 6)
    adc0 = sc.network.receiver.adc
    assert few.network.transmitter.dac.bits == 6 == few.network.receiver.adc.bits
    assert few.network.receiver.adc.enob == pytest.approx(6 - (adc0.bits - adc0.enob))
    far = sw.with_fibre_scale(sc, 2.0)
    assert [x.length_km for x in far.network.links] == [2 * x.length_km for x in sc.network.links]
    assert sw.scenario_at(sc, {k: sw.base_value(sc, k) for k in sw.EDITS}) == sc
    with pytest.raises(ScenarioError, match="grid"):
        sw.with_core_size(sc, 6)  # 24 channels walk off the router's 100.7 GHz grid
    with pytest.raises(ScenarioError, match=r"awg\.channels"):
        sw.with_core_size(sc, 8)  # 4 nodes x 8 channels exceed the 24-port router
