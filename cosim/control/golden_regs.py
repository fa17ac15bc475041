"""Golden model of the SPI register file (``rtl/ctrl_regs.sv``), built from ``regmap.py``.

It consumes frames as the slave sees them (the 32 received bits and the bit count) and
predicts every register, the double-buffered weight banks, the error counters and the
response the device shifts out during the next frame. Registers owned by other blocks
(lock loop, DAC sequencer, ranging) read through ``status``, a callable the test supplies.
"""

from __future__ import annotations

from collections.abc import Callable

from cosim.control import regmap
from cosim.control.crc import ERR_ADDR, ERR_CRC, ERR_FRAME, FRAME_BITS, crc8_bits

MASK16 = 0xFFFF


class RegisterFileModel:
    """Predicts ``ctrl_regs`` for ``n_rings`` rings and ``n_nodes`` nodes."""

    def __init__(
        self,
        n_rings: int,
        n_nodes: int,
        params: dict[str, int] | None = None,
        status: Callable[[str, int], int] | None = None,
    ) -> None:
        self.n_rings = n_rings
        self.n_nodes = n_nodes
        self.params = {**regmap.DEFAULT_PARAMS, **(params or {})}
        self.status = status or (lambda name, index: 0)
        self.rw: dict[tuple[str, int], int] = {}
        for reg in regmap.REGISTERS:
            if reg.access == "rw":
                for i in range(reg.count if reg.count == 1 else n_rings):
                    self.rw[(reg.name, i)] = reg.reset
        self.active = [regmap.BY_NAME["TARGET"].reset] * n_rings
        self.counters = dict.fromkeys(
            ("COMMITS", "ERR_CRC", "ERR_ADDR", "ERR_FRAME", "FRAMES_OK"), 0
        )
        self.resp = 0  # {ack, address, data} of the previous frame

    # --- reads ---------------------------------------------------------------------------
    def read(self, address: int) -> int:
        """Value a read of ``address`` returns now (the address must be readable)."""
        reg, i = regmap.lookup(address, self.n_rings)
        name = reg.name
        if (name, i) in self.rw:
            return self.rw[(name, i)]
        if name in self.counters:
            return self.counters[name]
        if name == "ID":
            return reg.reset
        if name == "CONFIG":
            return (self.n_nodes << 8) | self.n_rings
        if name == "TARGET_ACTIVE":
            return self.active[i]
        if name in ("RANGE_RTT_LO", "RANGE_RTT_HI", "RANGE_OFS_LO", "RANGE_OFS_HI"):
            node = self.rw[("RANGE_SEL", 0)]
            kind = "RTT" if "RTT" in name else "OFS"
            value = self.status(kind, node) if node < self.n_nodes else 0
            return (value >> 16 if name.endswith("HI") else value) & MASK16
        return self.status(name, i) & ((1 << reg.bits(self.params)) - 1)

    @property
    def tx_word(self) -> int:
        """The 32 bits the device shifts out during the next frame."""
        return (self.resp << 8) | crc8_bits(self.resp, 24)

    # --- frames ----------------------------------------------------------------------------
    def frame(self, word: int, nbits: int) -> str:
        """Apply one frame; returns ``"ok"``, ``"frame"``, ``"crc"`` or ``"addr"``."""
        payload = (word >> 8) & 0xFFFFFF
        is_write, address, data = bool(payload >> 23), (payload >> 16) & 0x7F, payload & MASK16
        if nbits != FRAME_BITS:
            return self._reject("ERR_FRAME", ERR_FRAME)
        if crc8_bits(payload, 24) != word & 0xFF:
            return self._reject("ERR_CRC", ERR_CRC)
        hit = regmap.lookup(address, self.n_rings)
        allowed = ("rw", "wo") if is_write else ("rw", "ro")
        if hit is None or hit[0].access not in allowed:
            return self._reject("ERR_ADDR", ERR_ADDR)
        self.resp = (1 << 23) | (address << 16) | (data if is_write else self.read(address))
        self._count("FRAMES_OK")
        if is_write:
            self._write(*hit, data)
        return "ok"

    def _reject(self, counter: str, code: int) -> str:
        self._count(counter)
        self.resp = code
        return {"ERR_FRAME": "frame", "ERR_CRC": "crc", "ERR_ADDR": "addr"}[counter]

    def _count(self, name: str) -> None:
        self.counters[name] = min(self.counters[name] + 1, MASK16)

    def _write(self, reg: regmap.Register, i: int, data: int) -> None:
        if reg.access == "rw":
            self.rw[(reg.name, i)] = data & ((1 << reg.bits(self.params)) - 1)
        elif reg.name == "COMMIT":
            self.active = [self.rw[("TARGET", k)] for k in range(self.n_rings)]
            self.counters["COMMITS"] = (self.counters["COMMITS"] + 1) & MASK16
        elif reg.name == "ERR_CLEAR":
            for name in ("ERR_CRC", "ERR_ADDR", "ERR_FRAME"):
                self.counters[name] = 0
