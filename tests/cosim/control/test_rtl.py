"""The control RTL under cocotb, on Icarus and on Verilator (each build in its own
directory; tests of one simulator share a pytest-xdist group and its builds).

Each cocotb test carries its own golden model and scoreboard (``cosim/control/bench``);
these tests run them and check what they report against physics and the network model.
"""

from __future__ import annotations

import json
import os

import pytest

from cosim.control import hdl
from cosim.control.cosim_run import run_plant
from cosim.control.ranging import (
    arrival_spread,
    expected_registers,
    network_delays,
    round_trip_samples,
)
from cosim.control.scenario import Scenario, criteria_failures

SIMS = [pytest.param(s, marks=pytest.mark.xdist_group(f"control-{s}")) for s in hdl.SIMULATORS]
CTRL = {"N_RINGS": 4, "N_NODES": 4}
SYMBOL_RATE_HZ = 10e9  # SYSTEM.md default scenario: 10 GBd, one sample per symbol
ECHO_S = 1e-6  # an edge node's fixed probe-to-echo latency


def _run(built, sim, toplevel, params, module, case, env):
    runner, bdir = built(sim, toplevel, params)
    hdl.run(runner, toplevel, module, bdir, case, env)
    return bdir


@pytest.mark.parametrize("sim", SIMS)
def test_spi_random_frames(sim, built):
    """10,000 constrained-random frames (valid, bad CRC, cut short, too long, bad
    address): responses, the active weight bank after every frame, and every register at
    the end equal the golden model; the bank changes once per effective commit."""
    env = {"CONTROL_FRAMES": "10000", "CONTROL_SEED": "11", "CONTROL_NODES": "4"}
    _run(built, sim, "tb_ctrl", CTRL, "cosim.control.bench.tb_regs", "spi_random_frames", env)


@pytest.mark.parametrize("sim", SIMS)
def test_heater_dac_sequencer(sim, built):
    """Slew limiting, frames and chip selects of 12 channels on two DAC8568s, SBAS430
    timing checked on every edge."""
    _run(built, sim, "tb_dac_seq", {}, "cosim.control.bench.tb_dac", "sequencer_random", {})


@pytest.mark.parametrize("sim", SIMS)
def test_lock_fsm_against_golden_model(sim, built):
    """Random and adversarial monitor readings (outages, rail values, jumping
    resonances, a mid-run re-enable): every DAC write and ring status equals the golden."""
    env = {"CONTROL_SEED": "5", "CONTROL_ROUNDS": "500"}
    _run(built, sim, "tb_ctrl", CTRL, "cosim.control.bench.tb_lock", "lock_fsm_random", env)


@pytest.mark.parametrize("sim", SIMS)
def test_ranging_aligns_nodes_of_the_network(sim, built, build_root):
    """Round trips from the network model's fibre routes; after ranging every node's
    first symbol reaches the core within one sample. A silent node times out and is
    left out of the offsets."""
    rtt = round_trip_samples(network_delays(), SYMBOL_RATE_HZ, ECHO_S)
    silent = [rtt[0], None, rtt[2], rtt[3]]
    out = build_root / f"ranging-{sim}.json"
    env = {"CONTROL_RANGING": json.dumps({"passes": [rtt, silent]}), "CONTROL_RESULT": str(out)}
    _run(built, sim, "tb_ctrl", CTRL, "cosim.control.bench.tb_ranging", "ranging", env)
    full, partial = json.loads(out.read_text())
    regs, offsets, mask = expected_registers(rtt)
    assert (full["rtt"], full["ofs"], full["valid"]) == (regs, offsets, mask)
    assert arrival_spread(rtt, full["ofs"]) < 1.0
    assert max(full["ofs"]) > 1_000_000  # the nodes really are ~100 us apart
    regs, offsets, mask = expected_registers(silent)
    assert (partial["rtt"], partial["ofs"], partial["valid"]) == (regs, offsets, mask)
    assert not full["busy_after"] and not partial["busy_after"]


@pytest.mark.parametrize("sim", SIMS)
def test_plant_in_the_loop(sim, build_root):
    """Lock from random resonance offsets, -5 -> +5 K ambient ramp, target step on the
    middle ring, loss of light: the RTL's every heater write equals the golden FSM's and
    the plant's true weights meet the criteria."""
    scn = Scenario(seed=int(os.environ.get("CONTROL_PLANT_SEED", "1")))
    r = run_plant(scn, sim, build_root)
    sb = r["scoreboard"]
    assert sb["mismatches"] == []
    assert sb["frames"] > 20_000 and sb["frames"] >= sb["visits"] - 1  # every visit wrote
    failures = criteria_failures(r["summary"], scn)
    assert failures == [], failures
    c = r["checks"]
    # the peak each sweep found vs the plant's noiseless on-resonance reading
    p = scn.params()
    true_peak = p.counts(p.laser_mw * 1e-3 * p.drop_peak)
    assert all(abs(pk - true_peak) < 0.005 * true_peak for pk in c["peaks"]), c["peaks"]
    # crosstalk: frozen neighbour codes would be many LSB off; the loops moved them
    assert min(abs(e) for e in c["step_uncompensated_lsb"]) > 3
    assert all(d != 0 for d in c["step_code_change"])
    # loss of light: detected within two rounds, codes frozen, then re-lock
    round_us = r["design"]["round_us"]
    assert c["los_pin"] == 1 and c["los_status_reg"] == 1
    assert c["los_detect_us"] <= 2 * round_us
    assert c["writes_while_dark"] == 0 and c["codes_frozen_during_los"]
    assert all(abs(d) <= 1 for d in c["code_change_before_los"])  # sigma-delta dither only
    assert c["relocked"] and c["los_cleared"]
    assert c["relock_rounds"] <= 40


@pytest.mark.xdist_group("control-icarus")
def test_waves_env_writes_a_waveform(built, monkeypatch):
    """``WAVES=1`` builds with tracing and leaves an FST file for GTKWave / Surfer."""
    monkeypatch.setenv("WAVES", "1")
    bdir = _run(
        built,
        "icarus",
        "tb_dac_seq",
        {},
        "cosim.control.bench.tb_dac",
        "sequencer_random",
        {"CONTROL_REQUESTS": "10"},
    )
    assert bdir.name.endswith("-waves")
    assert (bdir / "tb_dac_seq.fst").stat().st_size > 1000
