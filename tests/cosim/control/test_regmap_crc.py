"""Frame CRC against the published catalogue value; the register map's generated views."""

from __future__ import annotations

import json

import pytest

from cosim.control import regmap
from cosim.control.crc import crc8_bits, crc8_bytes, pack_frame, unpack_frame


def test_crc8_i432_1_catalogue_check_value():
    # Greg Cook's CRC catalogue: CRC-8/I-432-1 check = 0xA1; CRC-8/SMBUS (same, no XOR) = 0xF4
    assert crc8_bytes(b"123456789") == 0xA1
    assert crc8_bytes(b"123456789") ^ 0x55 == 0xF4


def test_crc_detects_every_one_to_three_bit_error_in_a_frame():
    word = pack_frame(True, 0x23, 0xBEEF)
    assert unpack_frame(word)[3]
    for i in range(32):
        for j in range(i, 32):
            bad = word ^ (1 << i) ^ ((1 << j) if j != i else 0)
            if bad != word:
                assert not unpack_frame(bad)[3], (i, j)
    # odd-weight errors are all caught: x + 1 divides the generator x^8 + x^2 + x + 1
    assert (0x107 % 2, bin(0x107).count("1") % 2) == (1, 0)


def test_stuck_low_mosi_fails_the_crc():
    assert crc8_bits(0, 24) != 0


def test_frame_fields_round_trip_and_reject_bad_fields():
    assert unpack_frame(pack_frame(True, 0x7F, 0x1234)) == (True, 0x7F, 0x1234, True)
    with pytest.raises(ValueError, match="addr"):
        pack_frame(True, 128, 0)
    with pytest.raises(ValueError, match="data"):
        pack_frame(False, 0, 1 << 16)


def test_generated_views_are_up_to_date():
    for path, fn in regmap.GENERATED.items():
        text = fn() if path.suffix != ".json" else fn() + "\n"
        assert path.read_text() == text, f"{path.name} is stale: python -m cosim.control.regmap"


def test_register_map_decodes_per_ring_blocks_by_ring_count():
    assert regmap.lookup(regmap.addr("TARGET", 3), n_rings=4)[1] == 3
    assert regmap.lookup(regmap.addr("TARGET", 4), n_rings=4) is None
    assert regmap.lookup(regmap.addr("TARGET", 4), n_rings=16)[1] == 4
    table = json.loads(regmap.json_table())
    assert {r["name"] for r in table["registers"]} == set(regmap.BY_NAME)
    assert "| 0x20-0x2F | TARGET[i] | rw |" in regmap.markdown()


def test_register_table_checker_catches_an_overlap(monkeypatch):
    dup = (*regmap.REGISTERS, regmap.Register("CLASH", 0x05, "rw", 8, 0, "overlaps STATUS"))
    monkeypatch.setattr(regmap, "REGISTERS", dup)
    with pytest.raises(ValueError, match="0x05"):
        regmap._check_table()
