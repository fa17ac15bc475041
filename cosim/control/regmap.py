"""The control chip's register map: the one source of addresses, access, widths and resets.

Everything else is generated from :data:`REGISTERS`: the Markdown table
(``cosim/control/REGISTERS.md``), the JSON table (``cosim/control/regmap.json``) and the
Verilog include the RTL decodes addresses with (``cosim/control/rtl/regmap.svh``).
Regenerate them after an edit with ``python -m cosim.control.regmap``; a test fails when
they are stale.

Units: ADC codes are counts of the monitor ADC; *power units* are heater power as a
fraction of full scale times 2^16 (the lock loop integrates power, not DAC code, because
the ring phase is linear in heater power); DAC codes are heater DAC codes.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

ADDR_BITS = 7
DATA_BITS = 16
BLOCK = 16  # entries per per-ring block: at most 16 rings
MAX_RINGS = BLOCK
MAX_NODES = 8

HERE = Path(__file__).parent
MARKDOWN = HERE / "REGISTERS.md"
JSON_TABLE = HERE / "regmap.json"
SVH = HERE / "rtl" / "regmap.svh"

# Widths may name an RTL parameter; they resolve against these defaults unless given.
DEFAULT_PARAMS = {"ADC_BITS": 12, "DAC_BITS": 16, "TARGET_BITS": 8}


@dataclass(frozen=True)
class Register:
    """One register (``count`` > 1: a per-ring block at ``addr`` .. ``addr + count - 1``)."""

    name: str
    addr: int
    access: str  # "rw", "ro" or "wo" (write-only command: reading it is an address error)
    width: int | str
    reset: int
    doc: str
    count: int = 1
    fields: tuple[tuple[str, int, int], ...] = field(default=())  # (name, lsb, width)

    def bits(self, params: dict[str, int] | None = None) -> int:
        """Field width in bits with the RTL parameters ``params``."""
        if isinstance(self.width, int):
            return self.width
        return {**DEFAULT_PARAMS, **(params or {})}[self.width]


REGISTERS: tuple[Register, ...] = (
    Register("ID", 0x00, "ro", 16, 0x4F43, "Device identifier, ASCII 'OC'."),
    Register(
        "CONFIG",
        0x01,
        "ro",
        16,
        0,
        "Build parameters: number of rings and of edge nodes.",
        fields=(("N_RINGS", 0, 8), ("N_NODES", 8, 8)),
    ),
    Register(
        "CTRL",
        0x02,
        "rw",
        1,
        0,
        "Bit 0 LOCK_EN: 0 -> 1 restarts every ring's acquisition; 0 freezes the loop and "
        "holds the heater codes.",
        fields=(("LOCK_EN", 0, 1),),
    ),
    Register(
        "COMMIT",
        0x03,
        "wo",
        16,
        0,
        "Any write copies the whole shadow TARGET bank to the active bank in one clock.",
    ),
    Register("COMMITS", 0x04, "ro", 16, 0, "Number of commits (wraps)."),
    Register(
        "STATUS",
        0x05,
        "ro",
        4,
        0,
        "Loss of signal, ranging busy/done, all rings locked.",
        fields=(("LOS", 0, 1), ("RANGE_BUSY", 1, 1), ("RANGE_DONE", 2, 1), ("ALL_LOCKED", 3, 1)),
    ),
    Register("LOCKED", 0x06, "ro", 16, 0, "Lock flag of ring i in bit i."),
    Register("ERR_CRC", 0x07, "ro", 16, 0, "Frames dropped for a bad CRC (saturates)."),
    Register(
        "ERR_ADDR",
        0x08,
        "ro",
        16,
        0,
        "Frames dropped for an unmapped address or the wrong access (saturates).",
    ),
    Register(
        "ERR_FRAME",
        0x09,
        "ro",
        16,
        0,
        "Frames dropped for a length other than 32 bits, e.g. cut short (saturates).",
    ),
    Register("FRAMES_OK", 0x0A, "ro", 16, 0, "Accepted frames (saturates)."),
    Register("ERR_CLEAR", 0x0B, "wo", 16, 0, "Any write clears ERR_CRC, ERR_ADDR, ERR_FRAME."),
    Register(
        "LOCK_TOL",
        0x0C,
        "rw",
        "ADC_BITS",
        8,
        "Lock tolerance, ADC counts: |error| <= LOCK_TOL for LOCK_COUNT visits sets LOCKED; "
        "|error| > 4 LOCK_TOL clears it.",
    ),
    Register(
        "LOS_THRESH",
        0x0D,
        "rw",
        "ADC_BITS",
        256,
        "Loss-of-signal threshold on the input-tap monitor, ADC counts; also the minimum "
        "peak a sweep must find.",
    ),
    Register(
        "CAPTURE",
        0x0E,
        "rw",
        "ADC_BITS",
        512,
        "After light returns, a ring resumes tracking if |error| <= CAPTURE (ADC counts); "
        "otherwise it sweeps again.",
    ),
    Register("SLEW_MAX", 0x0F, "rw", 16, 0xFFFF, "Largest heater DAC code step per update."),
    Register("SWEEP_START", 0x10, "rw", 16, 0, "Coarse-sweep start, power units."),
    Register("SWEEP_STOP", 0x11, "rw", 16, 0xFFFF, "Coarse-sweep stop, power units."),
    Register(
        "SWEEP_STEP",
        0x12,
        "rw",
        16,
        256,
        "Coarse-sweep step, power units; the fine sweep spans -2 .. +1 SWEEP_STEP around "
        "the coarse maximum.",
    ),
    Register("FINE_STEP", 0x13, "rw", 16, 16, "Fine-sweep step, power units."),
    Register(
        "SETTLE",
        0x14,
        "rw",
        4,
        4,
        "Visits a ring waits after a jump of its heater power before it samples again.",
    ),
    Register("LOCK_COUNT", 0x15, "rw", 8, 8, "Consecutive in-tolerance visits to declare lock."),
    Register(
        "ROUND_CYCLES",
        0x16,
        "rw",
        16,
        0,
        "Minimum duration of one round over all rings, clock cycles (0: as fast as the "
        "ADC and DAC allow).",
    ),
    Register("ROUNDS", 0x17, "ro", 16, 0, "Completed lock rounds (iterations, wraps)."),
    Register("INPUT_MON", 0x18, "ro", "ADC_BITS", 0, "Last input-tap monitor sample."),
    Register(
        "RANGE_CTRL",
        0x19,
        "wo",
        8,
        0,
        "Write a node mask to range those edge nodes (probe, echo, launch offsets).",
    ),
    Register(
        "RANGE_STATUS",
        0x1A,
        "ro",
        16,
        0,
        "Ranging busy/done and the mask of nodes whose echo was received.",
        fields=(("BUSY", 0, 1), ("DONE", 1, 1), ("VALID", 8, 8)),
    ),
    Register("RANGE_SEL", 0x1B, "rw", 3, 0, "Node whose ranging results RANGE_* show."),
    Register(
        "RANGE_RTT_LO", 0x1C, "ro", 16, 0, "Round-trip time of node RANGE_SEL, samples, bits 15:0."
    ),
    Register("RANGE_RTT_HI", 0x1D, "ro", 16, 0, "Round-trip time, bits 31:16."),
    Register(
        "RANGE_OFS_LO",
        0x1E,
        "ro",
        16,
        0,
        "Launch offset of node RANGE_SEL, samples (max RTT - own RTT), bits 15:0.",
    ),
    Register("RANGE_OFS_HI", 0x1F, "ro", 16, 0, "Launch offset, bits 31:16."),
    Register(
        "TARGET",
        0x20,
        "rw",
        "TARGET_BITS",
        0,
        "Shadow bank: target weight of ring i as a fraction of the ring's peak drop "
        "transmission, TARGET / 2^TARGET_BITS.",
        count=BLOCK,
    ),
    Register(
        "TARGET_ACTIVE",
        0x30,
        "ro",
        "TARGET_BITS",
        0,
        "Active bank, what the lock loop holds (changes only on COMMIT).",
        count=BLOCK,
    ),
    Register(
        "KI",
        0x40,
        "rw",
        16,
        4096,
        "Integral gain of ring i: heater power step per ADC count of error, in units of "
        "full-scale power / 2^(2 DAC_BITS).",
        count=BLOCK,
    ),
    Register("HEATER_CODE", 0x50, "ro", "DAC_BITS", 0, "Heater DAC code now applied.", count=BLOCK),
    Register(
        "RING_STATUS",
        0x60,
        "ro",
        5,
        0,
        "Lock state of ring i: MODE 0 idle, 1 coarse sweep, 2 fine sweep, 3 tracking, "
        "4 hold (loss of signal), 5 waiting for the sweep token.",
        count=BLOCK,
        fields=(("MODE", 0, 3), ("LOCKED", 3, 1), ("HAS_PEAK", 4, 1)),
    ),
    Register(
        "PEAK",
        0x70,
        "ro",
        "ADC_BITS",
        0,
        "Monitor ADC reading at resonance found by the last sweep.",
        count=BLOCK,
    ),
)

BY_NAME = {r.name: r for r in REGISTERS}
MODE_NAMES = ("idle", "seek", "fine", "track", "hold", "wait")


def addr(name: str, index: int = 0) -> int:
    """Address of register ``name`` (entry ``index`` of a per-ring block)."""
    reg = BY_NAME[name]
    if not 0 <= index < reg.count:
        raise ValueError(f"{name} has {reg.count} entries, got index {index}")
    return reg.addr + index


def lookup(address: int, n_rings: int) -> tuple[Register, int] | None:
    """The register at ``address`` and its index, or None when unmapped for ``n_rings``."""
    for reg in REGISTERS:
        if reg.addr <= address < reg.addr + reg.count:
            index = address - reg.addr
            if reg.count > 1 and index >= n_rings:
                return None
            return reg, index
    return None


def _check_table() -> None:
    used: dict[int, str] = {}
    for reg in REGISTERS:
        if reg.access not in ("rw", "ro", "wo"):
            raise ValueError(f"{reg.name}: access must be rw/ro/wo, got {reg.access!r}")
        if not 0 <= reg.reset < 1 << reg.bits():
            raise ValueError(f"{reg.name}: reset {reg.reset:#x} exceeds {reg.bits()} bits")
        for a in range(reg.addr, reg.addr + reg.count):
            if a >= 1 << ADDR_BITS or a in used:
                raise ValueError(f"{reg.name}: address {a:#04x} out of range or used by {used[a]}")
            used[a] = reg.name


_check_table()


# --- generators -------------------------------------------------------------------------


def _width_text(reg: Register) -> str:
    return str(reg.width) if isinstance(reg.width, int) else f"{reg.width} ({reg.bits()})"


def markdown() -> str:
    """The register table as Markdown."""
    lines = [
        "# Control chip registers",
        "",
        "Generated from `cosim/control/regmap.py` (`python -m cosim.control.regmap`); do not edit.",
        "",
        "Host interface: SPI mode 0, 32-bit frames, MSB first. MOSI `[31] write, [30:24] "
        "address, [23:8] data, [7:0] CRC-8`; MISO carries the response to the previous "
        "frame: `[31] ack, [30:24] address, [23:8] read data (or echoed write data, or an "
        "error code 1 CRC / 2 address / 4 framing), [7:0] CRC-8`. CRC-8/I-432-1 (poly 0x07, "
        "init 0x00, xorout 0x55). A frame with a bad CRC, a bad address or a length other "
        "than 32 bits is dropped, counted, and writes nothing.",
        "",
        "Per-ring blocks hold 16 entries; entries at or above the number of rings are "
        "unmapped. Widths in parentheses are for the default build parameters.",
        "",
        "| address | name | access | width | reset | description |",
        "|---|---|---|---|---|---|",
    ]
    for reg in REGISTERS:
        where = f"0x{reg.addr:02X}" + (
            f"-0x{reg.addr + reg.count - 1:02X}" if reg.count > 1 else ""
        )
        name = reg.name + ("[i]" if reg.count > 1 else "")
        doc = reg.doc
        if reg.fields:
            doc += " Fields: " + ", ".join(
                f"{n} [{lsb + w - 1}:{lsb}]" if w > 1 else f"{n} [{lsb}]"
                for n, lsb, w in reg.fields
            )
            doc += "."
        lines.append(
            f"| {where} | {name} | {reg.access} | {_width_text(reg)} | 0x{reg.reset:X} | {doc} |"
        )
    return "\n".join(lines) + "\n"


def json_table() -> str:
    """The register table as JSON."""
    rows = []
    for reg in REGISTERS:
        row = asdict(reg)
        row["fields"] = [{"name": n, "lsb": lsb, "width": w} for n, lsb, w in reg.fields]
        rows.append(row)
    return json.dumps({"addr_bits": ADDR_BITS, "data_bits": DATA_BITS, "registers": rows}, indent=2)


def svh() -> str:
    """Verilog include: addresses, reset values and the address-validity decoders.

    Included inside ``ctrl_regs``, where ``N_RINGS`` and the width parameters exist.
    """
    out = [
        "// Generated from cosim/control/regmap.py (python -m cosim.control.regmap); do not edit.",
        "// Included inside module ctrl_regs: uses its parameters N_RINGS and *_BITS.",
    ]
    for reg in REGISTERS:
        out.append(f"localparam logic [6:0] A_{reg.name} = 7'h{reg.addr:02X};")
    for reg in REGISTERS:
        if reg.access == "rw":
            out.append(f"localparam logic [15:0] RST_{reg.name} = 16'h{reg.reset:04X};")

    def decoder(fn: str, accesses: tuple[str, ...]) -> list[str]:
        body = [
            f"function automatic logic {fn}(input logic [6:0] a);",
            f"  {fn} = 1'b0;",
            "  case (a)",
        ]
        singles = [r for r in REGISTERS if r.count == 1 and r.access in accesses]
        body += [f"    A_{r.name}: {fn} = 1'b1;" for r in singles]
        body += ["    default: ;", "  endcase"]
        for r in REGISTERS:
            if r.count > 1 and r.access in accesses:
                body.append(
                    f"  if (a[6:4] == A_{r.name}[6:4] && {{28'd0, a[3:0]}} < N_RINGS) {fn} = 1'b1;"
                )
        body.append("endfunction")
        return body

    out += decoder("rm_readable", ("rw", "ro"))
    out += decoder("rm_writable", ("rw", "wo"))
    return "\n".join(out) + "\n"


GENERATED = {MARKDOWN: markdown, JSON_TABLE: json_table, SVH: svh}


def write_all() -> list[Path]:
    """Regenerate the Markdown, JSON and Verilog views of the table."""
    for path, fn in GENERATED.items():
        path.write_text(fn() if path.suffix != ".json" else fn() + "\n")
    return list(GENERATED)


if __name__ == "__main__":
    for p in write_all():
        print(p)
