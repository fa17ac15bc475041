"""cocotb test of the heater DAC sequencer on ``tb_dac_seq`` (twelve channels, two DACs).

Random requests (channels, codes with large jumps and rail values, slew limits from
"frozen" to unlimited): the code applied to each channel equals the golden slew limiter;
every frame on the DAC pins, decoded bit by bit by the Python DAC8568 model, carries that
code to the right chip and channel, meets the data sheet's timing, and agrees with the
behavioural HDL receiver used by the long plant-in-the-loop runs.
"""

from __future__ import annotations

import os
import random

import cocotb
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

from cosim.control.bench.common import start
from cosim.control.bench.monitors import DacBitMonitor
from cosim.control.dac8568 import CTRL_WRITE_UPDATE, decode
from cosim.control.golden_lock import slew_limit

N_CH = 12


@cocotb.test()
async def sequencer_random(dut):
    """Slew limiting, frame contents, chip selects and SBAS430 timing on every write."""
    rng = random.Random(int(os.environ.get("CONTROL_SEED", "3")))
    n_req = int(os.environ.get("CONTROL_REQUESTS", "400"))
    await start(dut, {"req": 0, "req_ch": 0, "req_code": 0, "slew_max": 0xFFFF})
    bits = DacBitMonitor(dut, 2)
    codes = [0] * N_CH
    expected: list[tuple[int, int]] = []
    for k in range(n_req):
        ch = rng.randrange(N_CH)
        code = rng.choice((0, 0xFFFF, rng.randrange(1 << 16), codes[ch] + rng.randint(-900, 900)))
        code = min(max(code, 0), 0xFFFF)
        slew = rng.choice((0, 1, 512, 2000, rng.randrange(1 << 16), 0xFFFF))
        while int(dut.busy.value):
            await FallingEdge(dut.clk)
        await FallingEdge(dut.clk)
        dut.req.value, dut.req_ch.value, dut.req_code.value = 1, ch, code
        dut.slew_max.value = slew
        await FallingEdge(dut.clk)
        dut.req.value = 0
        await RisingEdge(dut.ack)
        await ReadOnly()  # ack_code and codes_flat change on the same edge
        want = slew_limit(codes[ch], code, slew)
        assert int(dut.ack_code.value) == want, (
            f"request {k}: ch {ch} {codes[ch]} -> {code} slew {slew}: applied "
            f"{int(dut.ack_code.value)}, golden {want}"
        )
        codes[ch] = want
        expected.append((ch, want))
        flat = int(dut.codes_flat.value)
        assert [(flat >> (16 * i)) & 0xFFFF for i in range(N_CH)] == codes, f"request {k}"
    for _ in range(40):
        await RisingEdge(dut.clk)
    assert not bits.violations, "\n".join(bits.violations[:10])
    decoded = [(ch, code) for _, ch, code in bits.frames]
    assert decoded == expected, "frames on the DAC pins differ from the requests"
    controls = {c for rx in bits.rx for _, c, _, _ in rx.frames}
    assert controls == {CTRL_WRITE_UPDATE}, controls
    for chip in range(2):
        model = dut.g_dac[chip].u_model
        mine = [(c, code) for c, code in expected if c // 8 == chip]
        assert int(model.updates.value) == len(mine), f"chip {chip}: HDL receiver count"
        _, address, code = decode(int(model.frame.value))
        assert (8 * chip + address, code) == mine[-1], f"chip {chip}: HDL receiver frame"
    dut._log.info("requests %d frames %d", n_req, len(decoded))
