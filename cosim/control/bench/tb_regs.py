"""cocotb test of the SPI host interface and register file on ``tb_ctrl``.

Constrained-random frames (``CONTROL_FRAMES``, default 10000, seed ``CONTROL_SEED``):
valid writes and reads of every register, commits, error clears, and dropped frames
(corrupted CRC, cut short, too long, unmapped address, write to read-only, read of
write-only). The MISO response of every frame, the active weight bank after every frame,
and at the end every register must equal the golden model (``golden_regs``). The lock
loop stays disabled (CTRL writes keep LOCK_EN = 0) and ranging is not started, so every
status register keeps its reset value.
"""

from __future__ import annotations

import os
import random

import cocotb
from cocotb.simtime import get_sim_time
from cocotb.triggers import ValueChange

from cosim.control import regmap
from cosim.control.bench.common import CTRL_IDLE_INPUTS, SpiHost, start
from cosim.control.crc import crc8_bits, pack_frame
from cosim.control.golden_regs import RegisterFileModel

NOT_RANDOM = {"RANGE_CTRL"}  # would start ranging and change status registers


def _frame_kinds(rng: random.Random, n_rings: int):
    """Generator of ``(kind, word, nbits)`` with the kind's intended outcome."""
    regs = [r for r in regmap.REGISTERS if r.name not in NOT_RANDOM]
    writable = [r for r in regs if r.access in ("rw", "wo") and r.name != "COMMIT"]
    readable = [r for r in regs if r.access in ("rw", "ro")]
    read_only = [r for r in regs if r.access == "ro"]
    write_only = [r for r in regs if r.access == "wo"]

    def address(reg: regmap.Register) -> int:
        return reg.addr + (rng.randrange(n_rings) if reg.count > 1 else 0)

    while True:
        roll = rng.random()
        if roll < 0.30:
            reg = rng.choice(writable)
            data = rng.randrange(1 << 16)
            if reg.name == "CTRL":
                data &= ~1  # keep the lock loop off
            yield "ok", pack_frame(True, address(reg), data), 32
        elif roll < 0.52:
            yield "ok", pack_frame(False, address(rng.choice(readable)), rng.randrange(1 << 16)), 32
        elif roll < 0.57:
            yield "ok", pack_frame(True, regmap.addr("COMMIT"), rng.randrange(1 << 16)), 32
        elif roll < 0.72:  # 1-3 flipped bits: CRC-8 (poly 0x07) detects them all
            word = pack_frame(rng.random() < 0.5, address(rng.choice(regs)), rng.randrange(1 << 16))
            for b in rng.sample(range(32), rng.randint(1, 3)):
                word ^= 1 << b
            assert crc8_bits(word >> 8, 24) != word & 0xFF
            yield "crc", word, 32
        elif roll < 0.82:
            word = pack_frame(True, address(rng.choice(regs)), rng.randrange(1 << 16))
            yield "frame", word, rng.randint(1, 31)
        elif roll < 0.85:
            word = pack_frame(True, address(rng.choice(regs)), rng.randrange(1 << 16))
            yield "frame", word, rng.randint(33, 40)
        else:
            pick = rng.random()
            if pick < 0.4 and n_rings < regmap.BLOCK:  # a ring the build does not have
                reg = rng.choice([r for r in regs if r.count > 1])
                addr = reg.addr + rng.randrange(n_rings, regmap.BLOCK)
                yield "addr", pack_frame(rng.random() < 0.5, addr, rng.randrange(1 << 16)), 32
            elif pick < 0.7:
                reg = rng.choice(read_only)
                yield "addr", pack_frame(True, address(reg), rng.randrange(1 << 16)), 32
            else:
                reg = rng.choice(write_only)
                yield "addr", pack_frame(False, address(reg), 0), 32


@cocotb.test()
async def spi_random_frames(dut):
    """Random SPI traffic never corrupts the committed weights; all equals the golden."""
    n_rings = len(dut.locked)
    n_frames = int(os.environ.get("CONTROL_FRAMES", "10000"))
    rng = random.Random(int(os.environ.get("CONTROL_SEED", "1")))
    await start(dut, CTRL_IDLE_INPUTS)
    model = RegisterFileModel(n_rings, int(os.environ.get("CONTROL_NODES", "4")))
    spi = SpiHost(dut)
    active = dut.dut.u_regs.target_active_flat
    changes: set[int] = set()  # simulation times at which the active bank changed

    async def watch_active() -> None:
        # a simulator may report each changed slice of the vector separately, at the same
        # time: the atomic swap is "one time stamp per commit"
        while True:
            await ValueChange(active)
            changes.add(get_sim_time("ps"))

    cocotb.start_soon(watch_active())
    width = 8
    outcomes: dict[str, int] = {}
    commits_that_change = 0
    kinds = _frame_kinds(rng, n_rings)
    for k in range(n_frames):
        kind, word, nbits = next(kinds)
        expected_miso = model.tx_word >> max(0, 32 - nbits) if nbits < 32 else model.tx_word
        miso = await spi.transfer(word, nbits)
        assert miso == expected_miso, (
            f"frame {k}: MISO {miso:#x}, golden {expected_miso:#x} ({nbits} bits)"
        )
        before = list(model.active)
        outcome = model.frame(word, nbits)
        assert outcome == kind, f"frame {k}: {kind} frame classified {outcome} by the golden"
        outcomes[kind] = outcomes.get(kind, 0) + 1
        commits_that_change += model.active != before
        got = int(active.value)
        dut_active = [(got >> (width * i)) & 0xFF for i in range(n_rings)]
        assert dut_active == model.active, (
            f"frame {k}: active bank {dut_active}, golden {model.active}"
        )
    # every register, read back through SPI
    for reg in regmap.REGISTERS:
        if reg.access == "wo":
            continue
        for i in range(reg.count if reg.count == 1 else n_rings):
            a = reg.addr + i
            await spi.transfer(pack_frame(False, a, 0))
            expected = model.read(a)
            model.frame(pack_frame(False, a, 0), 32)
            resp = await spi.transfer(pack_frame(False, regmap.addr("ID"), 0))
            model.frame(pack_frame(False, regmap.addr("ID"), 0), 32)
            assert (resp >> 8) & 0xFFFF == expected, f"{reg.name}[{i}]: {resp:#x} vs {expected}"
    # the active bank changed at exactly one instant per commit that changed it
    assert len(changes) == commits_that_change, (
        f"active bank changed at {len(changes)} instants, {commits_that_change} commits changed it"
    )
    dut._log.info("frames %d outcomes %s bank swaps %d", n_frames, outcomes, len(changes))
    for kind in ("ok", "crc", "frame", "addr"):
        assert outcomes.get(kind, 0) > n_frames // 50, f"too few {kind} frames: {outcomes}"
