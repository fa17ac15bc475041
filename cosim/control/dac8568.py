"""Model of the TI DAC8568-family serial interface: frame decoding and timing checks.

TI DAC7568 / DAC8168 / DAC8568 (12 / 14 / 16 bit, eight channels), data sheet SBAS430,
"Input Shift Register" and "Timing Requirements" (AVDD = 2.7-5.5 V). A frame is 32 bits,
MSB first, clocked into the shift register on falling SCLK edges while SYNC is low:
prefix DB31-28 (DB31 must be 0), control DB27-24, address DB23-20 (1111 = all channels),
data DB19-4 left-aligned, feature DB3-0. The channel updates after the 32nd falling edge;
SYNC rising earlier aborts the frame ("SYNC interrupt"), further clocks are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field

CTRL_WRITE_UPDATE = 0b0011  # write input register n and update DAC register n


@dataclass(frozen=True)
class Dac8568Timing:
    """Minimum times, ns (SBAS430, Timing Requirements)."""

    t1_sclk_fall_to_sync_fall: float = 10.0
    t2_sclk_cycle: float = 20.0
    t4_sync_high: float = 80.0
    t5_sync_to_sclk_fall: float = 13.0
    t6_sclk_low: float = 8.0
    t7_sclk_high: float = 8.0
    t8_sclk_fall_to_sync_rise: float = 10.0
    t9_data_setup: float = 6.0
    t10_data_hold: float = 4.0


def encode(channel: int, code: int, bits: int = 16, control: int = CTRL_WRITE_UPDATE) -> int:
    """32-bit frame writing ``code`` to ``channel`` (0..7) of a ``bits``-bit part."""
    if not 0 <= channel < 8:
        raise ValueError(f"channel must be 0..7, got {channel}")
    if not 0 <= code < 1 << bits:
        raise ValueError(f"code must be 0..{(1 << bits) - 1}, got {code}")
    return (control << 24) | (channel << 20) | ((code << (16 - bits)) << 4)


def decode(frame: int, bits: int = 16) -> tuple[int, int, int]:
    """``(control, address, code)`` of a 32-bit frame."""
    return (frame >> 24) & 0xF, (frame >> 20) & 0xF, ((frame >> 4) & 0xFFFF) >> (16 - bits)


@dataclass
class Dac8568Receiver:
    """One DAC8568 on a shared SCLK/DIN bus with its own SYNC line.

    Feed it every edge with :meth:`sync`, :meth:`sclk` and :meth:`din` (time in ns,
    new level); completed frames land in ``frames`` as ``(t_ns, control, address, code)``
    and violated timing requirements in ``violations``.
    """

    bits: int = 16
    timing: Dac8568Timing = field(default_factory=Dac8568Timing)
    frames: list[tuple[float, int, int, int]] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    _sync_low: bool = False
    _sclk: int = 1
    _din: int = 0
    _sr: int = 0
    _n: int = 0
    _t_sync_fall: float | None = None
    _t_sync_rise: float | None = None
    _t_sclk_fall: float | None = None
    _t_sclk_rise: float | None = None
    _t_din: float = -1e18
    _last_frame_fall: float | None = None

    def _check(self, ok: bool, what: str, t: float) -> None:
        if not ok:
            self.violations.append(f"{t:.1f} ns: {what}")

    def sync(self, t: float, level: int) -> None:
        tm = self.timing
        if level == 0 and not self._sync_low:
            if self._t_sync_rise is not None:
                self._check(t - self._t_sync_rise >= tm.t4_sync_high, "t4 SYNC high", t)
            if self._t_sclk_fall is not None:
                self._check(
                    t - self._t_sclk_fall >= tm.t1_sclk_fall_to_sync_fall, "t1 SCLK-SYNC", t
                )
            self._sync_low, self._sr, self._n, self._t_sync_fall = True, 0, 0, t
        elif level == 1 and self._sync_low:
            if self._n < 32:
                self._check(False, f"SYNC interrupt after {self._n} bits (frame aborted)", t)
            if self._t_sclk_fall is not None:
                self._check(
                    t - self._t_sclk_fall >= tm.t8_sclk_fall_to_sync_rise, "t8 SCLK-SYNC", t
                )
            self._sync_low, self._t_sync_rise = False, t

    def sclk(self, t: float, level: int) -> None:
        tm = self.timing
        if level == self._sclk:
            return
        self._sclk = level
        if level == 1:
            if self._t_sclk_fall is not None and self._sync_low:
                self._check(t - self._t_sclk_fall >= tm.t6_sclk_low, "t6 SCLK low", t)
            self._t_sclk_rise = t
            return
        if self._sync_low:
            if self._n == 0:
                self._check(t - self._t_sync_fall >= tm.t5_sync_to_sclk_fall, "t5 SYNC-SCLK", t)
            elif self._t_sclk_fall is not None:
                self._check(t - self._t_sclk_fall >= tm.t2_sclk_cycle, "t2 SCLK cycle", t)
            if self._t_sclk_rise is not None and self._n > 0:
                self._check(t - self._t_sclk_rise >= tm.t7_sclk_high, "t7 SCLK high", t)
            self._check(t - self._t_din >= tm.t9_data_setup, "t9 DIN setup", t)
            if self._n < 32:
                self._sr = (self._sr << 1) | self._din
                self._n += 1
                if self._n == 32:
                    self.frames.append((t, *decode(self._sr, self.bits)))
                    self._check(self._sr >> 31 == 0, "DB31 must be 0", t)
            else:
                self._check(False, "SCLK edge after the 32nd while SYNC low", t)
        self._t_sclk_fall = t

    def din(self, t: float, level: int) -> None:
        if self._sync_low and self._t_sclk_fall is not None and self._n > 0:
            self._check(t - self._t_sclk_fall >= self.timing.t10_data_hold, "t10 DIN hold", t)
        self._din, self._t_din = level, t
