"""cocotb test of the edge-node ranging unit on ``tb_ctrl``.

``CONTROL_RANGING`` (JSON): ``passes``, each a list with the true round trip of every node
in samples (``null``: the node never answers, the unit times out after 2^20 words). The
model of the SerDes and the network answers each probe with an echo in the word and at
the sample position where the echo marker arrives; after each pass the test reads every
node's round trip and launch offset through SPI. Results go to ``CONTROL_RESULT``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import cocotb
from cocotb.triggers import ReadOnly, RisingEdge, Timer

from cosim.control.bench.common import CTRL_IDLE_INPUTS, SpiHost, start
from cosim.control.hdl import CLK_PERIOD_PS
from cosim.control.ranging import SAMPLES_PER_WORD


async def network(dut, rtt_samples: list[float | None]) -> None:
    """Echo every probe after the node's round trip (sample 0 of the probe word = 0)."""
    while True:
        await RisingEdge(dut.rng_probe_valid)  # the clock edge that starts the probe word
        await ReadOnly()  # rng_probe_node changes on the same edge
        node = int(dut.rng_probe_node.value)
        rtt = rtt_samples[node]
        if rtt is None:
            continue
        sample = int(rtt)  # the marker arrives inside this sample
        word, pos = divmod(sample, SAMPLES_PER_WORD)
        await Timer(word * CLK_PERIOD_PS + CLK_PERIOD_PS // 2, "ps")
        dut.rng_echo_valid.value = 1
        dut.rng_echo_node.value = node
        dut.rng_echo_pos.value = pos
        await Timer(CLK_PERIOD_PS, "ps")
        dut.rng_echo_valid.value = 0


@cocotb.test()
async def ranging(dut):
    """Range every node, once per pass; report the registers."""
    passes = json.loads(os.environ["CONTROL_RANGING"])["passes"]
    await start(dut, CTRL_IDLE_INPUTS)
    spi = SpiHost(dut)
    results = []
    for rtt_samples in passes:
        n = len(rtt_samples)
        echo = cocotb.start_soon(network(dut, rtt_samples))
        await spi.write("RANGE_CTRL", (1 << n) - 1)
        while True:
            await Timer(20_000 * CLK_PERIOD_PS, "ps")
            status = await spi.read("RANGE_STATUS")
            if status & 0b10:  # DONE
                break
        echo.cancel()
        result = {"status": status, "valid": status >> 8, "rtt": [], "ofs": []}
        for k in range(n):
            await spi.write("RANGE_SEL", k)
            lo, hi = await spi.read("RANGE_RTT_LO"), await spi.read("RANGE_RTT_HI")
            result["rtt"].append(hi << 16 | lo)
            lo, hi = await spi.read("RANGE_OFS_LO"), await spi.read("RANGE_OFS_HI")
            result["ofs"].append(hi << 16 | lo)
        result["busy_after"] = (await spi.read("STATUS")) >> 1 & 1
        results.append(result)
    Path(os.environ["CONTROL_RESULT"]).write_text(json.dumps(results))
