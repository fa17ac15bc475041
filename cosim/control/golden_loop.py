"""The scenario run on the golden models alone (no HDL): golden lock FSM + slew limiter +
plant, with the RTL's cycle timing. Used to design and check the loop quickly; the
co-simulation must reproduce the golden FSM decisions exactly (see ``bench``)."""

from __future__ import annotations

from collections.abc import Callable

from cosim.control import host
from cosim.control.golden_lock import LockConfig, LockModel, slew_limit
from cosim.control.plant import RingBankPlant
from cosim.control.scenario import TARGET_BITS, RampAmbient, Scenario
from cosim.control.trace import Trace


def lock_config(regs: dict[str, int], targets: list[int], ki: list[int]) -> LockConfig:
    """The golden FSM's view of the host's register values."""
    names = ("lock_tol", "los_thresh", "capture", "slew_max", "sweep_start", "sweep_stop")
    names += ("sweep_step", "fine_step", "settle", "lock_count")
    return LockConfig(**{k: regs[k.upper()] for k in names}, targets=targets, ki=ki)


def run(scn: Scenario, progress: Callable[[str, float], None] | None = None) -> Trace:
    """Run ``scn`` on the golden models; ``progress(phase, fraction)`` is called per round."""
    params = scn.params()
    d = scn.design()
    ambient = RampAmbient(scn.drift_k, scn.ramp_k_per_ms)
    plant = RingBankPlant(params, scn.phase0, ambient, seed=scn.seed)
    model = LockModel(scn.n_rings, params.dac_bits, params.adc_bits, TARGET_BITS)
    cfg = lock_config(d.registers, list(d.targets), list(d.ki))
    cyc = 1 / host.CLK_HZ
    conv = host.conversion_cycles(scn.conv_us)
    codes = [0] * scn.n_rings
    tr = Trace(scn.n_rings, TARGET_BITS)
    t, rnd = 0.0, 0

    def one_round() -> None:
        nonlocal t, rnd
        t += 2 * cyc
        los = model.monitor(plant.adc(scn.n_rings, t), cfg)
        t += (conv + 1) * cyc
        if not los:
            for i in range(scn.n_rings):
                t += 2 * cyc
                s = plant.adc(i, t)
                r = model.rings[i]
                tr.visit(
                    t,
                    i,
                    rnd,
                    plant,
                    code=codes[i],
                    mode=r.mode,
                    locked=r.locked,
                    target=cfg.targets[i],
                    los=los,
                )
                req = model.visit(i, s, cfg)
                applied = slew_limit(codes[i], req, cfg.slew_max)
                model.applied(i, req, applied)
                codes[i] = applied
                t += (conv + 1 + host.SQRT_CYCLES + 2) * cyc
                plant.set_code(i, applied, t + (host.DAC_FRAME_CYCLES - 1) * cyc)
                t += host.DAC_FRAME_CYCLES * cyc
        rnd += 1

    def run_until(stop: Callable[[], bool], phase: str, limit_s: float) -> None:
        t0 = t
        while not stop() and t - t0 < limit_s:
            one_round()
            if progress:
                progress(phase, min((t - t0) / limit_s, 1.0))

    all_locked = lambda: all(r.locked for r in model.rings)  # noqa: E731
    model.restart_all(cfg)
    tr.begin("lock", t)
    run_until(all_locked, "lock", scn.lock_timeout_rounds * d.round_us * 1e-6)
    tr.end("lock", t)
    if "ramp" in scn.phases:
        tr.begin("hold", t)
        run_until(lambda: False, "hold", scn.settle_us * 1e-6)
        tr.end("hold", t)
        ambient.start(t)
        tr.begin("ramp", t)
        run_until(lambda: False, "ramp", ambient.duration_s)
        tr.end("ramp", t)
    if "step" in scn.phases:
        i = scn.step_ring
        tr.events["step_ring"] = i
        tr.events["step_t"] = t
        cfg.targets[i] = scn.step_target()
        tr.begin("step", t)
        run_until(lambda: False, "step", scn.step_us * 1e-6 / 2)
        tr.begin("step_settled", t)
        run_until(lambda: False, "step", scn.step_us * 1e-6 / 2)
        tr.end("step", t)
        tr.end("step_settled", t)
    if "los" in scn.phases:
        tr.events["laser_off_t"] = t
        plant.laser_on = False
        run_until(lambda: False, "los", scn.los_off_us * 1e-6)
        plant.laser_on = True
        tr.events["laser_on_t"] = t
        tr.begin("relock", t)
        run_until(all_locked, "relock", scn.lock_timeout_rounds * d.round_us * 1e-6)
        tr.events["relocked_t"] = t
        run_until(lambda: False, "relock", scn.relock_us * 1e-6)
        tr.end("relock", t)
    return tr
