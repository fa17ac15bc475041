"""Golden models and checkers on their own: each against an independent reference, and
each checker shown catching the fault it exists for."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cosim.control import regmap
from cosim.control.crc import ERR_ADDR, ERR_CRC, ERR_FRAME, pack_frame, unpack_frame
from cosim.control.dac8568 import Dac8568Receiver, decode, encode
from cosim.control.golden_lock import isqrt_digit_by_digit, slew_limit
from cosim.control.golden_regs import RegisterFileModel
from cosim.control.ranging import (
    arrival_spread,
    expected_registers,
    network_delays,
    round_trip_samples,
)


# --- the RTL's arithmetic ----------------------------------------------------------------
@given(st.integers(0, (1 << 40) - 1))
def test_rtl_square_root_algorithm_equals_isqrt(x):
    assert isqrt_digit_by_digit(x, 20) == math.isqrt(x)


@given(st.integers(0, 65535), st.integers(0, 65535), st.integers(0, 65535))
def test_slew_limiter_moves_at_most_slew_and_never_overshoots(cur, req, slew):
    out = slew_limit(cur, req, slew)
    assert abs(out - cur) <= slew
    assert min(cur, req) <= out <= max(cur, req)
    assert (out == req) == (abs(req - cur) <= slew)


# --- DAC8568 model -----------------------------------------------------------------------
@pytest.mark.parametrize("bits", [12, 14, 16])
def test_dac_frame_layout_matches_the_data_sheet(bits):
    frame = encode(5, (1 << bits) - 2, bits)
    assert frame >> 28 == 0  # prefix, DB31 = 0
    assert (frame >> 24) & 0xF == 0b0011  # write input register n and update DAC n
    assert (frame >> 20) & 0xF == 5
    assert decode(frame, bits) == (0b0011, 5, (1 << bits) - 2)
    assert frame & ((1 << (4 + 16 - bits)) - 1) == 0  # don't-care bits zero


def _waveform(rx: Dac8568Receiver, frame: int, half: float, lead: float, t0: float = 0.0):
    """Drive one frame like heater_dac_seq.sv with the given times (ns)."""
    t = t0
    rx.sync(t, 0)
    rx.din(t, frame >> 31 & 1)
    t += lead + half
    for i in range(32):
        rx.sclk(t, 0)
        t += half
        rx.sclk(t, 1)
        if i < 31:
            rx.din(t, frame >> (30 - i) & 1)
        else:
            rx.sync(t, 1)
        t += half
    return t


def test_dac_timing_checker_accepts_the_sequencer_waveform_and_decodes_it():
    rx = Dac8568Receiver()
    t = _waveform(rx, encode(3, 0xBEEF), half=12.8, lead=12.8)
    _waveform(rx, encode(7, 0x0123), half=12.8, lead=12.8, t0=t + 83.2)
    assert rx.violations == []
    assert [(a, c) for _, _, a, c in rx.frames] == [(3, 0xBEEF), (7, 0x0123)]


@pytest.mark.parametrize(
    ("half", "lead", "gap", "expect"),
    [
        (12.8, 0.0, 83.2, "t5"),  # SYNC to first falling SCLK 12.8 ns < 13 ns
        (9.0, 12.8, 83.2, "t2"),  # 18 ns SCLK cycle < 20 ns
        (12.8, 12.8, 60.0, "t4"),  # SYNC high 60 ns < 80 ns
        (5.0, 12.8, 83.2, "t9"),  # DIN set 5 ns before the falling edge < 6 ns
    ],
)
def test_dac_timing_checker_catches_each_violation(half, lead, gap, expect):
    rx = Dac8568Receiver()
    t = _waveform(rx, encode(1, 100), half=half, lead=lead)
    _waveform(rx, encode(2, 200), half=half, lead=lead, t0=t + gap)
    assert any(v.split(": ")[1].startswith(expect) for v in rx.violations), rx.violations


def test_dac_checker_flags_an_interrupted_frame_and_ignores_it():
    rx = Dac8568Receiver()
    rx.sync(0, 0)
    for i in range(10):
        rx.sclk(20 + 20 * i, 0)
        rx.sclk(30 + 20 * i, 1)
    rx.sync(300, 1)
    assert rx.frames == []
    assert any("interrupt" in v for v in rx.violations)


# --- register file model ------------------------------------------------------------------
def test_register_model_double_buffers_and_drops_bad_frames():
    m = RegisterFileModel(n_rings=4, n_nodes=4)
    assert m.frame(pack_frame(True, regmap.addr("TARGET", 2), 200), 32) == "ok"
    assert m.active == [0, 0, 0, 0]  # not committed yet
    good = pack_frame(True, regmap.addr("TARGET", 1), 99)
    assert m.frame(good ^ 1, 32) == "crc"
    assert m.frame(good, 20) == "frame"
    assert m.frame(pack_frame(True, regmap.addr("ROUNDS"), 5), 32) == "addr"  # read-only
    assert m.frame(pack_frame(False, regmap.addr("COMMIT"), 0), 32) == "addr"  # write-only
    assert m.frame(pack_frame(True, regmap.addr("TARGET", 1) + 3, 7), 32) == "addr"  # ring 4
    assert m.rw[("TARGET", 1)] == 0  # nothing written by the dropped frames
    assert m.frame(pack_frame(True, regmap.addr("COMMIT"), 0), 32) == "ok"
    assert m.active == [0, 0, 200, 0]
    assert (m.counters["ERR_CRC"], m.counters["ERR_FRAME"], m.counters["ERR_ADDR"]) == (1, 1, 3)


def test_register_model_responses_carry_the_previous_frame_with_a_valid_crc():
    m = RegisterFileModel(n_rings=2, n_nodes=1)
    m.frame(pack_frame(False, regmap.addr("ID"), 0), 32)
    assert unpack_frame(m.tx_word) == (True, 0, 0x4F43, True)
    m.frame(pack_frame(False, regmap.addr("FRAMES_OK"), 0), 32)
    assert unpack_frame(m.tx_word)[2] == 1  # the count before this frame
    for bits, code in ((31, ERR_FRAME), (32, ERR_CRC)):
        m.frame(pack_frame(True, 2, 1) ^ (0 if bits != 32 else 0x100), bits)
        assert unpack_frame(m.tx_word) == (False, 0, code, True)
    m.frame(pack_frame(True, regmap.addr("LOCKED"), 1), 32)
    assert unpack_frame(m.tx_word)[2] == ERR_ADDR


# --- ranging --------------------------------------------------------------------------------
def test_network_delays_follow_the_fibre_group_index():
    delays = network_delays()
    assert [d.name for d in delays] == ["edge_a", "edge_b", "edge_c", "edge_d"]
    assert [d.fibre_km for d in delays] == [15.0, 30.0, 35.0, 35.0]  # access + metro route
    for d in delays:  # SYSTEM.md: SSMF group delay ~4.9 us/km (n_g = 1.468)
        assert d.one_way_s / d.fibre_km == pytest.approx(1.468 / 299_792.458, rel=1e-3)


def test_offsets_align_arrivals_within_one_sample():
    rng = random.Random(4)
    for _ in range(200):
        rtt = [rng.uniform(1e5, 5e6) for _ in range(rng.randint(1, 8))]
        _, offsets, mask = expected_registers(rtt)
        assert mask == (1 << len(rtt)) - 1
        assert arrival_spread(rtt, offsets) < 1.0
    rtt = round_trip_samples(network_delays(), 10e9, 1e-6)
    assert arrival_spread(rtt, expected_registers(rtt)[1]) < 1.0


def test_a_silent_node_is_left_out_of_the_offsets():
    regs, offsets, mask = expected_registers([1000.5, None, 3000.2])
    assert (regs, offsets, mask) == ([1000, 0, 3000], [2000, 0, 0], 0b101)
