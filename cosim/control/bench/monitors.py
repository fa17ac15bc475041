"""Models of the chips around the control RTL: heater DACs and the monitor ADC."""

from __future__ import annotations

from collections.abc import Callable

import cocotb
from cocotb.simtime import get_sim_time
from cocotb.triggers import ReadOnly, RisingEdge, Timer, ValueChange

from cosim.control.dac8568 import Dac8568Receiver, decode
from cosim.control.hdl import CLK_PERIOD_PS

FrameCallback = Callable[[float, int, int], None]  # (t_s, channel, code)


class DacBitMonitor:
    """Bit-level Python model of every DAC8568 on the bus (timing checked against the
    data sheet). Slow: one Python event per edge; used by the sequencer test."""

    def __init__(self, dut, n_chips: int, bits: int = 16) -> None:
        self.dut = dut
        self.rx = [Dac8568Receiver(bits) for _ in range(n_chips)]
        self._sync = (1 << n_chips) - 1
        for coro in (self._sclk(), self._din(), self._sync_lines()):
            cocotb.start_soon(coro)

    async def _sclk(self) -> None:
        while True:
            await ValueChange(self.dut.dac_sclk)
            t, v = get_sim_time("ns"), int(self.dut.dac_sclk.value)
            for rx in self.rx:
                rx.sclk(t, v)

    async def _din(self) -> None:
        while True:
            await ValueChange(self.dut.dac_din)
            t, v = get_sim_time("ns"), int(self.dut.dac_din.value)
            for rx in self.rx:
                rx.din(t, v)

    async def _sync_lines(self) -> None:
        while True:
            await ValueChange(self.dut.dac_sync_n)
            t, v = get_sim_time("ns"), int(self.dut.dac_sync_n.value)
            for c, rx in enumerate(self.rx):
                if (v ^ self._sync) >> c & 1:
                    rx.sync(t, v >> c & 1)
            self._sync = v

    @property
    def frames(self) -> list[tuple[float, int, int]]:
        """``(t_ns, channel, code)`` of every completed frame, all chips, in time order."""
        out = [(t, 8 * c + a, code) for c, rx in enumerate(self.rx) for t, _, a, code in rx.frames]
        return sorted(out)

    @property
    def violations(self) -> list[str]:
        return [f"chip {c}: {v}" for c, rx in enumerate(self.rx) for v in rx.violations]


class DacFrameMonitor:
    """Frames from the behavioural HDL receivers (``bench/dac8568_model.sv``): one Python
    event per frame, for long plant-in-the-loop runs."""

    def __init__(self, dut, n_chips: int, on_frame: FrameCallback, bits: int = 16) -> None:
        self.dut, self.bits, self.on_frame = dut, bits, on_frame
        for c in range(n_chips):
            cocotb.start_soon(self._watch(c))

    async def _watch(self, chip: int) -> None:
        model = self.dut.g_dac[chip].u_model
        while True:
            await ValueChange(model.updates)
            await ReadOnly()  # frame changes on the same edge
            control, address, code = decode(int(model.frame.value), self.bits)
            if control != 0b0011:
                raise AssertionError(f"DAC chip {chip}: unexpected control {control:04b}")
            self.on_frame(get_sim_time("ps") * 1e-12, 8 * chip + address, code)


SampleSource = Callable[[int, float], int]  # (channel, t_s) -> ADC code
SampleHook = Callable[[int, int, float], None]  # (channel, code, t_s), see AdcModel


class AdcModel:
    """Monitor ADC: samples ``source(channel, t)`` when ``adc_start`` rises and answers
    ``conv_cycles`` clocks later with a one-cycle ``adc_valid``.

    ``on_sample`` must see the configuration the DUT uses when it processes the sample,
    at the clock edge after the capture. The DUT's configuration changes only through the
    SPI host ``spi``: when it was idle throughout the conversion, the hook runs half a
    clock before the capture edge (nothing can change in between); otherwise it runs in
    the read-only phase of the capture edge.
    """

    def __init__(
        self,
        dut,
        conv_cycles: int,
        source: SampleSource,
        on_sample: SampleHook | None = None,
        spi=None,
    ) -> None:
        self.dut, self.source, self.on_sample, self.spi = dut, source, on_sample, spi
        self.wait = Timer(conv_cycles * CLK_PERIOD_PS + CLK_PERIOD_PS // 2, "ps")
        self.cycle = Timer(CLK_PERIOD_PS, "ps")
        self.half = Timer(CLK_PERIOD_PS // 2, "ps")
        self.conversions = 0
        cocotb.start_soon(self._run())

    def _spi_quiet_since(self, writes: int) -> bool:
        return self.spi is None or (not self.spi.busy and self.spi.writes == writes)

    async def _run(self) -> None:
        d = self.dut
        while True:
            await RisingEdge(d.adc_start)
            t0 = get_sim_time("ps") * 1e-12
            writes = self.spi.writes if self.spi is not None else 0
            quiet = self._spi_quiet_since(writes)
            await self.wait
            # adc_ch changed on the start edge and holds until adc_valid: read it now. No
            # heater update happens during a conversion, so the plant can still be
            # sampled at t0.
            channel = int(d.adc_ch.value)
            code = self.source(channel, t0)
            d.adc_data.value = code
            d.adc_valid.value = 1
            self.conversions += 1
            if quiet and self._spi_quiet_since(writes):
                if self.on_sample:
                    self.on_sample(channel, code, t0)
                await self.cycle
            else:
                await RisingEdge(d.clk)
                await ReadOnly()
                if self.on_sample:
                    self.on_sample(channel, code, t0)
                await self.half
            d.adc_valid.value = 0
