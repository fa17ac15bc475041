"""Host-side design of the lock-loop registers from the plant's physics.

What a lab's control software computes before it enables the loop: the sweep window (one
FSR of heater power plus room for ambient drift), sweep steps (a fraction of the
resonance width), the round period and settle time (against the thermal time constant),
the slew limit (thermal crosstalk on the neighbours), the integral gain (a loop gain
below one at the steepest point of the resonance) and the lock and loss-of-signal
thresholds (from the link budget of the monitor taps).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from cosim.control.plant import PlantParams

CLK_HZ = 156.25e6  # 10 GBd / 64 samples per word (rtl/opticloud_ctrl.sv)
SPI_HALF_CYCLES = 4  # host SCLK high/low phase, clk cycles (spi_slave.sv: >= 4)
DAC_FRAME_CYCLES = 2 + 64 * 2 + 1  # heater_dac_seq.sv: LEAD + 64 HALF phases + ack
SQRT_CYCLES = 21  # ring_lock.sv: DAC_BITS + SD_BITS iterations and the result


@dataclass(frozen=True)
class LoopDesign:
    """Register values (``regmap.py`` names) and the numbers they were derived from."""

    registers: dict[str, int]
    ki: list[int]
    targets: list[int]
    round_us: float
    settle_fraction: float
    window_mw: tuple[float, float]
    peak_counts: float
    loop_gain: float


def conversion_cycles(conv_us: float) -> int:
    """ADC conversion latency in clk cycles."""
    return round(conv_us * 1e-6 * CLK_HZ)


def natural_round_cycles(n_rings: int, conv_cycles: int) -> int:
    """Clock cycles of one round when the ADC and the DAC run back to back."""
    monitor = 2 + conv_cycles + 1
    visit = 2 + conv_cycles + 1 + SQRT_CYCLES + 2 + DAC_FRAME_CYCLES
    return monitor + n_rings * visit


def integral_gain(params: PlantParams, peak_counts: float, loop_gain: float) -> int:
    """KI giving ``loop_gain`` per round at the steepest point of the drop resonance."""
    rad_per_p = params.rad_per_mw * params.p_max_mw / 2 ** (2 * params.dac_bits)
    counts_per_rad = peak_counts * MAX_SLOPE * 2 / params.fwhm_rad
    return min(max(round(loop_gain / (counts_per_rad * rad_per_p)), 1), 0xFFFF)


MAX_SLOPE = 3 * math.sqrt(3) / 8  # max |dw/dx| of w = 1 / (1 + x^2), at x = 1 / sqrt(3)


def design(
    params: PlantParams,
    targets: list[int],
    drift_k: float,
    conv_us: float,
    target_bits: int = 8,
    loop_gain: float = 0.5,
    round_us: float | None = None,
) -> LoopDesign:
    """Lock-loop registers for ``params`` holding ``targets`` under +-``drift_k`` kelvin.

    Raises ValueError naming the quantity when the heater cannot cover one FSR plus the
    drift, or when a target's set point would sit below the loss-of-signal threshold.
    """
    n = params.n_rings
    if len(targets) != n:
        raise ValueError(f"targets: need {n} values, got {len(targets)}")
    full = 1 << target_bits
    weights = [t / full for t in targets]
    p_fs = params.p_max_mw
    unit_mw = p_fs / 65536  # one "power unit" of the sweep registers
    fwhm_mw = params.fwhm_rad / params.rad_per_mw
    fsr_mw = 2 * math.pi / params.rad_per_mw
    # Lock may happen anywhere in [-drift, +drift]; afterwards the ambient can move by
    # 2 drift either way. Warming lowers the power a lock needs, cooling raises it.
    drift_mw = 2 * abs(drift_k) * params.rad_per_k / params.rad_per_mw
    w_min = min(weights)
    if w_min <= 0.0 or max(weights) >= 1.0:
        raise ValueError(f"targets must lie in 1..{full - 1}, got {targets}")
    detune_mw = math.sqrt(1 / w_min - 1) * fwhm_mw / 2
    slack_mw = p_fs - fsr_mw - 2 * drift_mw - detune_mw
    if slack_mw < 0:
        raise ValueError(
            f"drift_k: +-{drift_k} K needs {p_fs - slack_mw:.1f} mW of heater power (one FSR "
            f"{fsr_mw:.1f} mW + drift + detuning), above heater.max_power = {p_fs} mW"
        )
    start_mw = drift_mw + slack_mw / 2
    stop_mw = start_mw + fsr_mw

    peak = params.counts(params.laser_mw * 1e-3 * params.drop_peak)
    input_counts = params.counts(params.laser_mw * 1e-3)
    los = int(input_counts / 8)  # -9 dB: light is gone, not merely fluctuating
    for t, w in zip(targets, weights, strict=True):
        if w * peak < 1.5 * los:
            raise ValueError(
                f"targets: weight {t}/{full} puts the set point ({w * peak:.0f} counts) too "
                f"close to the loss-of-signal threshold ({los} counts)"
            )

    # A round lasts at least half a thermal time constant, so that a sweep sample lags its
    # heater setting by at most a / (1 - a) = 1.5 sweep steps, a = exp(-round / tau)
    # (the fine sweep covers 2 steps below the coarse maximum).
    conv = conversion_cycles(conv_us)
    natural = natural_round_cycles(n, conv)
    wanted_us = 0.5 * params.tau_us if round_us is None else round_us
    round_cycles = max(natural, round(wanted_us * 1e-6 * CLK_HZ))
    t_round_us = round_cycles / CLK_HZ * 1e6
    decay = math.exp(-t_round_us / params.tau_us)
    settle = min(max(math.ceil(math.log(100) / (t_round_us / params.tau_us)) - 1, 1), 15)

    # Integral gain: ``loop_gain`` at the steepest point of the resonance. The lag an
    # ambient ramp causes, in weight units, is ramp * slope / (KI * slope): independent of
    # where a ring is held, so every ring gets the same KI (higher gains for low weights
    # would only destabilise them while they cross the steep flank during capture).
    ki = [integral_gain(params, peak, loop_gain)] * n

    # slew: one heater step may move a neighbour by at most 0.15 linewidth through the
    # thermal crosstalk, slow enough for the neighbour's tracking loop to follow
    slew_mw = 0.15 * fwhm_mw / params.crosstalk
    slew_codes = max(int(slew_mw / (2 * p_fs / (2**params.dac_bits - 1))), 1)

    regs = {
        "LOCK_TOL": max(round(peak / full), 1),  # one weight LSB
        "LOS_THRESH": los,
        "CAPTURE": int(peak / 4),
        "SLEW_MAX": min(slew_codes, 0xFFFF),
        "SWEEP_START": round(start_mw / unit_mw),
        "SWEEP_STOP": min(round(stop_mw / unit_mw), 0xFFFF),
        "SWEEP_STEP": max(round(fwhm_mw / 4 / unit_mw), 1),
        "FINE_STEP": max(round(fwhm_mw / 32 / unit_mw), 1),
        "SETTLE": settle,
        "LOCK_COUNT": 8,
        "ROUND_CYCLES": round_cycles,
    }
    return LoopDesign(
        registers=regs,
        ki=ki,
        targets=list(targets),
        round_us=t_round_us,
        settle_fraction=decay ** (settle + 1),
        window_mw=(start_mw, stop_mw),
        peak_counts=peak,
        loop_gain=loop_gain,
    )


def acquisition_rounds(d: LoopDesign, n_rings: int) -> int:
    """Upper bound on the rounds from enable until the last of ``n_rings`` rings has
    finished its fine sweep: the rings sweep one after the other."""
    r = d.registers
    coarse = (r["SWEEP_STOP"] - r["SWEEP_START"]) // r["SWEEP_STEP"] + 1
    fine = 3 * r["SWEEP_STEP"] // r["FINE_STEP"] + 1
    jump = 65535 // r["SLEW_MAX"] + 1  # back from the window top to the fine sweep
    approach = 65535 // r["SLEW_MAX"] + 1  # power-on to the window start, all rings at once
    return approach + n_rings * (coarse + jump + fine + 3 * (r["SETTLE"] + 1))
