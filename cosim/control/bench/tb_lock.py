"""cocotb tests of the lock FSM and heater DAC path on ``tb_ctrl``.

``lock_fsm_random``: random and adversarial monitor readings drive the FSM through every
mode; each DAC write and ring status is checked against the golden FSM.

``plant_in_the_loop``: the scenario of ``cosim.control.scenario`` (JSON in
``CONTROL_SCENARIO``) through the photonic plant; the golden FSM scoreboard runs alongside;
results (trace, summary, checks) go to the JSON file ``CONTROL_RESULT``.
"""

from __future__ import annotations

import json
import os
import random
from dataclasses import asdict
from pathlib import Path

import cocotb
from cocotb.triggers import Timer

from cosim.control import host, regmap
from cosim.control.bench.common import CTRL_IDLE_INPUTS, SpiHost, now_s, start
from cosim.control.bench.lockbench import LockScoreboard
from cosim.control.bench.monitors import AdcModel, DacFrameMonitor
from cosim.control.golden_lock import FINE, HOLD, SEEK, TRACK, WAIT
from cosim.control.hdl import CLK_PERIOD_PS
from cosim.control.plant import RingBankPlant, add_drop_ring
from cosim.control.scenario import RampAmbient, Scenario
from cosim.control.trace import Trace, summarize


def _n_rings(dut) -> int:
    return len(dut.locked)


async def _program(spi: SpiHost, regs: dict[str, int], ki: list[int], targets: list[int]):
    await spi.write_registers({**regs, "KI": ki, "TARGET": targets})
    await spi.write("COMMIT", 1)


@cocotb.test()
async def lock_fsm_random(dut):
    """Random monitor readings: every DAC write and ring status equals the golden FSM's."""
    n = _n_rings(dut)
    rng = random.Random(int(os.environ.get("CONTROL_SEED", "7")))
    rounds = int(os.environ.get("CONTROL_ROUNDS", "600"))
    await start(dut, CTRL_IDLE_INPUTS)
    spi = SpiHost(dut)
    sb = LockScoreboard(dut, n, spi)
    centre = [rng.randrange(20000, 40000) for _ in range(n)]
    dark = {"left": 0}

    def source(channel: int, t: float) -> int:
        if channel == n:  # input tap: light, with occasional outages of a few rounds
            if dark["left"] == 0 and rng.random() < 0.02:
                dark["left"] = rng.randrange(1, 5)
            if dark["left"]:
                dark["left"] -= 1
                return rng.randrange(0, 300)
            return rng.randrange(2500, 4096)
        roll = rng.random()
        if roll < 0.08:
            return rng.choice((0, 4095, rng.randrange(4096)))
        if roll < 0.1:
            centre[channel] = rng.randrange(20000, 40000)  # resonance jumps
        x = (sb.codes[channel] - centre[channel]) / 400
        return min(int(3000 / (1 + x * x)) + rng.randrange(0, 40), 4095)

    AdcModel(dut, 6, source, sb.sample, spi)
    DacFrameMonitor(dut, len(dut.dac_sync_n), sb.frame)
    regs = {
        "LOCK_TOL": 40,
        "LOS_THRESH": 400,
        "CAPTURE": 600,
        "SLEW_MAX": 700,
        "SWEEP_START": 8000,
        "SWEEP_STOP": 26000,
        "SWEEP_STEP": 1200,
        "FINE_STEP": 150,
        "SETTLE": 1,
        "LOCK_COUNT": 2,
        "ROUND_CYCLES": 0,
    }
    ki = [rng.randrange(200, 3000) for _ in range(n)]
    targets = [rng.randrange(60, 220) for _ in range(n)]
    await _program(spi, regs, ki, targets)
    await spi.write("CTRL", 1)
    modes_seen: set[int] = set()
    while sb.round < rounds:
        await Timer(200 * CLK_PERIOD_PS, "ps")
        modes_seen |= {r.mode for r in sb.model.rings}
        if sb.round == rounds // 2:  # re-enable mid-run: every ring restarts
            await spi.write("CTRL", 0)
            await Timer(3000 * CLK_PERIOD_PS, "ps")
            await spi.write("CTRL", 1)
        if sb.mismatches:
            break
    dut._log.info("visits %d frames %d modes %s", sb.visits, sb.frames, sorted(modes_seen))
    assert not sb.mismatches, "\n".join(sb.mismatches[:10])
    assert sb.frames > 4 * rounds // 2, f"only {sb.frames} DAC writes in {rounds} rounds"
    assert {SEEK, FINE, TRACK, HOLD, WAIT} <= modes_seen, f"modes seen {sorted(modes_seen)}"


async def _report_progress(path: Path, tr: Trace) -> None:
    """Write "phase simulated-seconds" every 2 ms of simulated time (for the CLI)."""
    while True:
        phase = next(reversed(tr.phases), "lock")
        path.write_text(f"{phase} {now_s():.6f}\n")
        await Timer(2_000_000_000, "ps")


@cocotb.test()
async def plant_in_the_loop(dut):
    """Lock, ambient ramp, crosstalk step and loss of light through the photonic plant."""
    scn = Scenario(**json.loads(os.environ["CONTROL_SCENARIO"]))
    out = Path(os.environ["CONTROL_RESULT"])
    n = scn.n_rings
    assert _n_rings(dut) == n, f"built for {_n_rings(dut)} rings, scenario has {n}"
    params, design = scn.params(), scn.design()
    ambient = RampAmbient(scn.drift_k, scn.ramp_k_per_ms)
    plant = RingBankPlant(params, scn.phase0, ambient, seed=scn.seed)
    await start(dut, CTRL_IDLE_INPUTS)
    spi = SpiHost(dut)
    sb = LockScoreboard(dut, n, spi)
    tr = Trace(n)
    targets = list(design.targets)
    frame_log: list[tuple[float, int, int]] = []  # (t, channel, code) of every DAC write

    def on_visit(ring: int, rnd: int, t: float) -> None:
        r = sb.model.rings[ring]
        tr.visit(
            t,
            ring,
            rnd,
            plant,
            code=sb.codes[ring],
            mode=r.mode,
            locked=r.locked,
            target=targets[ring],
            los=sb.model.los,
        )

    def on_frame(t: float, channel: int, code: int) -> None:
        plant.set_code(channel, code, t)
        frame_log.append((t, channel, code))
        sb.frame(t, channel, code)

    sb.on_visit = on_visit
    AdcModel(dut, host.conversion_cycles(scn.conv_us), plant.adc, sb.sample, spi)
    DacFrameMonitor(dut, len(dut.dac_sync_n), on_frame)
    await _program(spi, design.registers, design.ki, targets)
    await spi.write("CTRL", 1)

    round_wait = Timer(round(design.round_us * 1e6) * 4, "ps")  # four rounds
    all_ones = (1 << n) - 1
    checks: dict[str, object] = {}

    async def run_for(seconds: float) -> None:
        await Timer(round(seconds * 1e12), "ps")

    async def until_locked(limit_rounds: int) -> bool:
        t0 = sb.round
        while sb.round - t0 < limit_rounds:
            await round_wait
            if int(dut.locked.value) == all_ones:
                return True
        return False

    progress = os.environ.get("CONTROL_PROGRESS")
    if progress:
        cocotb.start_soon(_report_progress(Path(progress), tr))
    tr.begin("lock", now_s())
    checks["locked_all"] = await until_locked(scn.lock_timeout_rounds)
    tr.end("lock", now_s())
    if "ramp" in scn.phases:
        tr.begin("hold", now_s())
        await run_for(scn.settle_us * 1e-6)
        tr.end("hold", now_s())
        ambient.start(now_s())
        tr.begin("ramp", now_s())
        await run_for(ambient.duration_s)
        tr.end("ramp", now_s())
    if "step" in scn.phases:
        i = scn.step_ring
        tr.events["step_ring"] = i
        tr.events["step_t"] = now_s()
        neighbours = [j for j in (i - 1, i + 1) if 0 <= j < n]
        codes_before = list(sb.codes)
        await spi.write("TARGET", scn.step_target(), i)
        await spi.write("COMMIT", 1)
        targets[i] = scn.step_target()
        tr.begin("step", now_s())
        await run_for(scn.step_us * 1e-6 / 2)
        tr.begin("step_settled", now_s())
        await run_for(scn.step_us * 1e-6 / 2)
        tr.end("step", now_s())
        tr.end("step_settled", now_s())
        # what the neighbours' weights would be had their codes not moved
        t = now_s()
        frozen = plant.codes.copy()
        frozen[neighbours] = [codes_before[j] for j in neighbours]
        steady = plant.theta_steady(frozen)
        phase = plant.phase0 + steady + params.rad_per_k * ambient(t)
        w_frozen = add_drop_ring(phase, params.r1, params.r2, params.a)[1] / params.drop_peak
        checks["step_uncompensated_lsb"] = [
            float(w_frozen[j] * 256 - targets[j]) for j in neighbours
        ]
        checks["step_code_change"] = [sb.codes[j] - codes_before[j] for j in neighbours]
    if "los" in scn.phases:
        codes_before = list(sb.codes)
        plant.laser_on = False
        t_off = now_s()
        tr.events["laser_off_t"] = t_off
        await run_for(scn.los_off_us * 1e-6)
        checks["los_pin"] = int(dut.los.value)
        checks["los_status_reg"] = (await spi.read("STATUS")) & 1
        t_los = min((t for t in sb.los_times if t >= t_off), default=None)
        checks["los_detect_us"] = None if t_los is None else (t_los - t_off) * 1e6
        checks["writes_while_dark"] = sum(1 for t, _, _ in frame_log if t > (t_los or t_off))
        # held: no write after LOS; before it, at most the sigma-delta dither of the
        # unchanged heater power (the visits between light loss and its detection)
        checks["codes_frozen_during_los"] = sb.codes == sb.codes_at_los
        checks["code_change_before_los"] = [
            a - b for a, b in zip(sb.codes_at_los, codes_before, strict=True)
        ]
        plant.laser_on = True
        tr.events["laser_on_t"] = now_s()
        tr.begin("relock", now_s())
        t0 = sb.round
        checks["relocked"] = await until_locked(scn.lock_timeout_rounds)
        checks["relock_rounds"] = sb.round - t0
        tr.events["relocked_t"] = now_s()
        await run_for(scn.relock_us * 1e-6)
        tr.end("relock", now_s())
        checks["los_cleared"] = int(dut.los.value) == 0
    checks["rounds_register"] = await spi.read("ROUNDS")
    checks["peaks"] = [await spi.read("PEAK", i) for i in range(n)]
    result = {
        "scenario": scn.to_dict(),
        "design": asdict(design),
        "summary": summarize(tr),
        "checks": checks,
        "scoreboard": {
            "visits": sb.visits,
            "frames": sb.frames,
            "rounds": sb.round + 1,
            "mismatches": sb.mismatches[:20],
        },
        "modes": list(regmap.MODE_NAMES),
        "trace": tr.to_dict(),
    }
    out.write_text(json.dumps(result))
    assert not sb.mismatches, "\n".join(sb.mismatches[:10])
