"""Scoreboard of the lock FSM and the glue of the plant-in-the-loop co-simulation.

Every monitor conversion is fed to the golden FSM (``golden_lock.LockModel``) with the
configuration the DUT uses at that moment; every heater DAC frame decoded on the DAC
pins must carry exactly the code the golden FSM and slew limiter predict, and the ring's
status registers must match the golden state.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from cosim.control.golden_lock import LockConfig, LockModel, slew_limit


def _fields(value: int, width: int, count: int) -> list[int]:
    return [(value >> (i * width)) & ((1 << width) - 1) for i in range(count)]


class LockScoreboard:
    """Golden FSM run alongside the DUT (``tb_ctrl``), checking every DAC write."""

    def __init__(self, tb, n_rings: int, spi=None, dac_bits: int = 16, adc_bits: int = 12):
        self.top = tb.dut
        self.spi = spi  # its writes are the only way the configuration changes
        self._cfg: LockConfig | None = None
        self._writes = -1
        self.n = n_rings
        self.adc_bits = adc_bits
        self.model = LockModel(n_rings, dac_bits, adc_bits, 8)
        self.codes = [0] * n_rings
        self.expected: deque[tuple[int, int, int]] = deque()
        self.round = -1
        self.visits = 0
        self.frames = 0
        self.mismatches: list[str] = []
        self.los_times: list[float] = []  # loss of signal raised
        self._peaks = [0] * n_rings
        self.codes_at_los: list[int] = []
        self.on_visit: Callable[[int, int, float], None] | None = None

    def config(self) -> LockConfig:
        """The configuration the DUT's lock FSM sees now (re-read from its signals when an
        SPI frame may have changed it since the last read)."""
        spi = self.spi
        if self._cfg is not None and spi is not None:
            if not spi.busy and spi.writes == self._writes:
                return self._cfg
            self._writes = spi.writes
        self._cfg = self._read_config()
        return self._cfg

    def _read_config(self) -> LockConfig:
        u = self.top.u_lock
        names = ("lock_tol", "los_thresh", "capture", "sweep_start", "sweep_stop")
        names += ("sweep_step", "fine_step", "settle", "lock_count")
        v = {k: int(getattr(u, k).value) for k in names}
        return LockConfig(
            **v,
            slew_max=int(self.top.u_dac.slew_max.value),
            targets=_fields(int(u.target_flat.value), 8, self.n),
            ki=_fields(int(u.ki_flat.value), 16, self.n),
        )

    def sample(self, channel: int, code: int, t: float) -> None:
        """ADC hook: one conversion captured by the DUT."""
        cfg = self.config()
        if channel == self.n:
            if int(self.top.u_lock.round_restart.value):
                self.model.restart_all(cfg)
            was_dark = self.model.los
            if self.model.monitor(code, cfg) and not was_dark:
                self.los_times.append(t)
                self.codes_at_los = list(self.codes)
            self.round += 1
            return
        if self.on_visit:
            self.on_visit(channel, self.round, t)
        self.visits += 1
        requested = self.model.visit(channel, code, cfg)
        applied = slew_limit(self.codes[channel], requested, cfg.slew_max)
        self.expected.append((channel, requested, applied))

    def frame(self, t: float, channel: int, code: int) -> None:
        """DAC hook: one frame decoded from the DAC pins."""
        self.frames += 1
        if not self.expected:
            self.mismatches.append(f"{t:.9f} s: unexpected DAC write ch {channel} = {code}")
            return
        ch, requested, applied = self.expected.popleft()
        if (channel, code) != (ch, applied):
            self.mismatches.append(
                f"{t:.9f} s: DAC write ch {channel} = {code}, golden ch {ch} = {applied}"
            )
        self.model.applied(ch, requested, code)
        self.codes[ch] = code
        ring = self.model.rings[ch]
        status = _fields(int(self.top.u_lock.status_flat.value), 5, self.n)[ch]
        if status != ring.status:
            self.mismatches.append(
                f"{t:.9f} s: ring {ch} status {status:#x}, golden {ring.status:#x}"
            )
        if ring.peak != self._peaks[ch]:  # a sweep just ended
            self._peaks[ch] = ring.peak
            peak = _fields(int(self.top.u_lock.peak_flat.value), self.adc_bits, self.n)[ch]
            if peak != ring.peak:
                self.mismatches.append(f"{t:.9f} s: ring {ch} peak {peak}, golden {ring.peak}")
