"""Bit-exact golden model of the ring-lock FSM (``rtl/ring_lock.sv``) and the slew limiter
of the heater DAC sequencer (``rtl/heater_dac_seq.sv``).

The loop visits the rings in rounds. Each round starts with one conversion of the
input-tap monitor (loss of signal when it reads below ``LOS_THRESH``); then, unless the
light is lost, each ring is visited once: its monitor is converted (the reading reflects
the heater code written at its previous visit) and a new heater code is written.

Per-ring modes: wait for the sweep token (one ring sweeps at a time, because a sweeping
heater moves its neighbours' resonances by ``heater.crosstalk_10um`` of its own phase),
coarse sweep of heater *power* over ``[SWEEP_START, SWEEP_STOP]`` (stopped early once
the reading has fallen to half of a peak), fine sweep from ``-2`` to ``+1 SWEEP_STEP``
around the coarse maximum (the maximum is the drop-port reading at
resonance, ``PEAK``), then integral tracking of the set point
``PEAK * TARGET / 2^TARGET_BITS`` on the high-power side of the resonance, where more heat
means less drop; the tracking loops of the neighbours absorb the crosstalk.

The integrator works on heater power ``p`` (fraction of full scale times ``2^(2 DAC_BITS)``)
because the ring phase is linear in power; the DAC code is the square root of ``p`` (heater
power goes as the square of the DAC voltage) with ``SD_BITS`` extra fractional bits, which
a first-order sigma-delta turns into a dither between adjacent codes that the heater's
thermal time constant averages. (At the top of the heater range one 16-bit code moves an
8-bit weight by up to ~1 LSB on the steep flank of the resonance.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

IDLE, SEEK, FINE, TRACK, HOLD, WAIT = range(6)
SD_BITS = 4  # fractional DAC-code bits dithered by the sigma-delta


@dataclass
class LockConfig:
    """The loop's register values (see ``regmap.py``) as the FSM sees them."""

    lock_tol: int = 8
    los_thresh: int = 256
    capture: int = 512
    slew_max: int = 0xFFFF
    sweep_start: int = 0
    sweep_stop: int = 0xFFFF
    sweep_step: int = 256
    fine_step: int = 16
    settle: int = 4
    lock_count: int = 8
    targets: list[int] = field(default_factory=list)
    ki: list[int] = field(default_factory=list)


@dataclass
class RingState:
    mode: int = IDLE
    p: int = 0
    pos: int = 0
    end: int = 0
    best_adc: int = 0
    best_pos: int = 0
    peak: int = 0
    wait: int = 0
    lock_cnt: int = 0
    locked: bool = False
    clamped: bool = False
    has_peak: bool = False
    dark: bool = False
    sd: int = 0  # sigma-delta accumulator, SD_BITS bits

    @property
    def status(self) -> int:
        """The RING_STATUS register: mode, locked, has_peak."""
        return self.mode | (int(self.locked) << 3) | (int(self.has_peak) << 4)


class LockModel:
    """Golden model of ``ring_lock`` for ``n_rings`` rings."""

    def __init__(
        self, n_rings: int, dac_bits: int = 16, adc_bits: int = 12, target_bits: int = 8
    ) -> None:
        self.n = n_rings
        self.dac_bits = dac_bits
        self.adc_bits = adc_bits
        self.target_bits = target_bits
        self.p_max = (1 << (2 * dac_bits)) - 1
        self.shift = 2 * dac_bits - 16
        self.rings = [RingState() for _ in range(n_rings)]
        self.los = False
        self.token = False  # a ring is sweeping
        self.input_mon = 0

    # --- round start -----------------------------------------------------------------
    def restart_all(self, cfg: LockConfig) -> None:
        """LOCK_EN 0 -> 1: every ring starts a new acquisition."""
        self.token = False
        for r in self.rings:
            self._wait(r, cfg)

    def monitor(self, sample: int, cfg: LockConfig) -> bool:
        """Input-tap conversion at the start of a round; returns loss of signal."""
        self.input_mon = sample
        los = sample < cfg.los_thresh
        if los and not self.los:
            self.token = False
            for r in self.rings:
                if r.mode != IDLE:
                    r.mode, r.locked, r.lock_cnt = HOLD, False, 0
        self.los = los
        return los

    # --- one ring visit --------------------------------------------------------------
    def setpoint(self, i: int, cfg: LockConfig) -> int:
        """ADC reading the loop holds ring ``i`` at."""
        return (self.rings[i].peak * cfg.targets[i]) >> self.target_bits

    def visit(self, i: int, s: int, cfg: LockConfig) -> int:
        """Process ring ``i``'s monitor sample ``s``; return the heater code to write."""
        r = self.rings[i]
        ok = not r.clamped and r.wait == 0
        if r.wait and not r.clamped:
            r.wait -= 1
        if r.mode == WAIT:
            if not self.token:
                self.token = True
                r.mode = SEEK
        elif r.mode in (SEEK, FINE):
            self._sweep(r, s, ok, cfg)
        elif r.mode == TRACK:
            if ok:
                self._track(r, i, s, cfg)
        elif r.mode == HOLD:
            e = s - self.setpoint(i, cfg)
            if r.has_peak and abs(e) <= cfg.capture:
                r.mode, r.lock_cnt, r.dark = TRACK, 0, False
            else:
                self._wait(r, cfg)
        return self._dither(r)

    def _dither(self, r: RingState) -> int:
        """DAC code for power ``r.p``: isqrt with SD_BITS fractional bits, first-order
        sigma-delta on the fraction, saturated at full scale."""
        root = math.isqrt(r.p << (2 * SD_BITS))
        acc = r.sd + (root & ((1 << SD_BITS) - 1))
        r.sd = acc & ((1 << SD_BITS) - 1)
        return min((root >> SD_BITS) + (acc >> SD_BITS), (1 << self.dac_bits) - 1)

    def applied(self, i: int, requested: int, applied: int) -> None:
        """The sequencer wrote ``applied`` for a request of ``requested``."""
        self.rings[i].clamped = applied != requested

    # --- internals ---------------------------------------------------------------------
    def _wait(self, r: RingState, cfg: LockConfig) -> None:
        """Park at the window start and queue for the sweep token."""
        self._restart(r, cfg)
        r.mode = WAIT

    def _restart(self, r: RingState, cfg: LockConfig) -> None:
        r.mode, r.pos, r.end = SEEK, cfg.sweep_start, cfg.sweep_stop
        r.best_adc, r.best_pos, r.wait = 0, cfg.sweep_start, cfg.settle
        r.locked, r.lock_cnt, r.has_peak, r.dark = False, 0, False, False
        r.p = cfg.sweep_start << self.shift

    def _sweep(self, r: RingState, s: int, ok: bool, cfg: LockConfig) -> None:
        step = cfg.sweep_step if r.mode == SEEK else cfg.fine_step
        if ok:
            if s > r.best_adc:
                r.best_adc, r.best_pos = s, r.pos
            # the window holds one FSR: once the reading has fallen to half a real peak,
            # that peak is the resonance and the rest of the window need not be swept
            # (a peak inside the window: one at its start may lie outside; the next order
            # of that resonance is then inside, just below the window's end)
            passed = (
                r.mode == SEEK
                and r.best_adc >= cfg.los_thresh
                and r.best_pos != cfg.sweep_start
                and s < r.best_adc >> 1
            )
            if r.pos + step > r.end or passed:
                if r.mode == SEEK:
                    if r.best_adc < cfg.los_thresh:  # no resonance in the window: again
                        self._restart(r, cfg)
                        return
                    # the sample at a sweep point shows the ring a thermal lag behind it, so
                    # the resonance lies below the coarse maximum: fine-sweep -2 .. +1 steps
                    centre = r.best_pos
                    r.mode = FINE
                    r.pos = max(centre - 2 * cfg.sweep_step, 0)
                    r.end = min(centre + cfg.sweep_step, 0xFFFF)
                    r.best_adc, r.best_pos, r.wait = 0, r.pos, cfg.settle
                else:
                    self.token = False
                    r.mode, r.peak, r.has_peak = TRACK, r.best_adc, True
                    r.p = r.best_pos << self.shift
                    r.wait, r.lock_cnt = cfg.settle, 0
                    return
            else:
                r.pos += step
        r.p = r.pos << self.shift

    def _track(self, r: RingState, i: int, s: int, cfg: LockConfig) -> None:
        if s < cfg.los_thresh:  # dark: hold once (light may be gone), sweep if it persists
            if r.dark:
                self._wait(r, cfg)
            else:
                r.dark = True
            return
        r.dark = False
        e = s - self.setpoint(i, cfg)
        r.p = min(max(r.p + e * cfg.ki[i], 0), self.p_max)
        if abs(e) <= cfg.lock_tol:
            r.lock_cnt = min(r.lock_cnt + 1, 255)
            if r.lock_cnt >= cfg.lock_count:
                r.locked = True
        else:
            r.lock_cnt = 0
            if abs(e) > 4 * cfg.lock_tol:
                r.locked = False
        if r.p in (0, self.p_max):  # ran onto a rail: lost the resonance
            self._wait(r, cfg)


def slew_limit(current: int, requested: int, slew_max: int) -> int:
    """Code the sequencer applies: ``requested`` limited to ``current +- slew_max``."""
    if requested >= current:
        return current + slew_max if requested - current > slew_max else requested
    return current - slew_max if current - requested > slew_max else requested


def isqrt_digit_by_digit(x: int, bits: int) -> int:
    """The RTL's square root (two bits of ``x`` per step), kept to test it against isqrt."""
    op, res, one = x, 0, 1 << (2 * bits - 2)
    for _ in range(bits):
        if op >= res + one:
            op -= res + one
            res = (res >> 1) + one
        else:
            res >>= 1
        one >>= 2
    return res
