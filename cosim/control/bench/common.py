"""Clock, reset and the SPI host driver shared by the cocotb testbenches."""

from __future__ import annotations

import cocotb
from cocotb.clock import Clock
from cocotb.simtime import get_sim_time
from cocotb.triggers import RisingEdge, Timer

from cosim.control import regmap
from cosim.control.crc import FRAME_BITS, pack_frame, unpack_frame
from cosim.control.hdl import CLK_PERIOD_PS


def now_s() -> float:
    """Simulation time, s."""
    return get_sim_time("ps") * 1e-12


def internal_clock() -> bool:
    """Verilator builds generate the clock in the testbench (``TB_INTERNAL_CLOCK``)."""
    return "verilator" in cocotb.SIM_NAME.lower()


async def start(dut, inputs: dict[str, int], reset_cycles: int = 8) -> None:
    """Start the clock (unless the testbench makes it), drive ``inputs`` idle, pulse the
    synchronous reset."""
    if not internal_clock():
        Clock(dut.clk, CLK_PERIOD_PS, "ps", impl="gpi").start()
    for name, value in inputs.items():
        getattr(dut, name).value = value
    dut.rst.value = 1
    for _ in range(reset_cycles):
        await RisingEdge(dut.clk)
    dut.rst.value = 0
    await RisingEdge(dut.clk)


CTRL_IDLE_INPUTS = {
    "spi_sclk": 0,
    "spi_cs_n": 1,
    "spi_mosi": 0,
    "adc_valid": 0,
    "adc_data": 0,
    "rng_echo_valid": 0,
    "rng_echo_node": 0,
    "rng_echo_pos": 0,
}


class SpiHost:
    """SPI mode-0 master: SCLK high and low for ``half_cycles`` clk periods each (the
    slave synchronises its pins, so it needs >= 4), CS set-up and gap of the same length."""

    def __init__(self, dut, half_cycles: int = 4) -> None:
        self.dut = dut
        self.half = Timer(half_cycles * CLK_PERIOD_PS, "ps")
        self.writes = 0  # frames sent so far, and whether one is under way:
        self.busy = False  # observers of the DUT configuration re-read it then

    async def transfer(self, word: int, nbits: int = FRAME_BITS) -> int:
        """Shift ``nbits`` bits of ``word`` out MSB first (bits beyond 32 are zeros, a
        frame shorter than 32 keeps its first ``nbits``); returns the first
        ``min(nbits, 32)`` MISO bits, MSB first."""
        d = self.dut
        bits = [(word >> (31 - i)) & 1 if i < 32 else 0 for i in range(nbits)]
        miso = 0
        self.busy = True
        d.spi_cs_n.value = 0
        d.spi_mosi.value = bits[0] if bits else 0
        await self.half
        for i, b in enumerate(bits):
            d.spi_mosi.value = b
            if i:
                await self.half
            if i < 32:
                miso = (miso << 1) | int(d.spi_miso.value)
            d.spi_sclk.value = 1
            await self.half
            d.spi_sclk.value = 0
        await self.half
        d.spi_cs_n.value = 1
        await self.half
        await self.half  # the frame takes effect a few clocks after CS_n rises
        self.busy = False
        self.writes += 1
        return miso

    async def write(self, name: str, data: int, index: int = 0) -> None:
        """Write register ``name`` (entry ``index`` of a per-ring block)."""
        await self.transfer(pack_frame(True, regmap.addr(name, index), data))

    async def read(self, name: str, index: int = 0) -> int:
        """Read register ``name``: the value arrives during the next frame (a read of ID)."""
        await self.transfer(pack_frame(False, regmap.addr(name, index), 0))
        resp = await self.transfer(pack_frame(False, regmap.addr("ID"), 0))
        ack, address, data, crc_ok = unpack_frame(resp)
        if not (ack and crc_ok and address == regmap.addr(name, index)):
            raise AssertionError(f"read of {name}[{index}] failed: response {resp:#010x}")
        return data

    async def write_registers(self, values: dict[str, int | list[int]]) -> None:
        """Write several registers; a list writes a per-ring block from entry 0."""
        for name, v in values.items():
            for i, x in enumerate(v if isinstance(v, list) else [v]):
                await self.write(name, x, i)


def start_soon(coro):
    return cocotb.start_soon(coro)
