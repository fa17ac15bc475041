"""CRC-8 of the host SPI frames and the 32-bit frame layout.

The CRC is CRC-8/I-432-1 (the ATM header error control of ITU-T I.432.1): polynomial
x^8 + x^2 + x + 1 (0x07), initial value 0x00, MSB first, no reflection, output XOR 0x55.
Its catalogue check value (CRC of the ASCII bytes ``"123456789"``) is 0xA1
(Greg Cook, "Catalogue of parametrised CRC algorithms", CRC-8/I-432-1). The output XOR
makes an all-zero frame (a stuck-low MOSI line) fail the check.

Frame (32 bits, MSB first, SPI mode 0)::

    host -> device (MOSI):  [31] write  [30:24] address  [23:8] data  [7:0] CRC of [31:8]
    device -> host (MISO):  [31] ack    [30:24] address  [23:8] data  [7:0] CRC of [31:8]

MISO carries the response to the *previous* frame (pipelined, like most SPI register
devices): ``ack`` = 1 and the address and read value (or the echoed write data) when that
frame was accepted; ``ack`` = 0, address 0 and an error code in ``data`` when it was dropped.
"""

from __future__ import annotations

POLY = 0x07
XOR_OUT = 0x55
FRAME_BITS = 32

ERR_CRC = 0x1  # error codes in the data field of a rejected frame's response
ERR_ADDR = 0x2
ERR_FRAME = 0x4


def crc8_bits(value: int, nbits: int) -> int:
    """CRC-8/I-432-1 of the ``nbits`` least significant bits of ``value``, MSB first."""
    crc = 0
    for i in range(nbits - 1, -1, -1):
        feedback = ((crc >> 7) ^ (value >> i)) & 1
        crc = ((crc << 1) & 0xFF) ^ (POLY if feedback else 0)
    return crc ^ XOR_OUT


def crc8_bytes(data: bytes) -> int:
    """CRC-8/I-432-1 of a byte string (used to check the catalogue value)."""
    return crc8_bits(int.from_bytes(data, "big"), 8 * len(data)) if data else XOR_OUT


def pack_frame(write: bool, addr: int, data: int) -> int:
    """A well-formed 32-bit host frame with its CRC."""
    if not 0 <= addr < 128:
        raise ValueError(f"addr must be 0..127, got {addr}")
    if not 0 <= data < 1 << 16:
        raise ValueError(f"data must be 0..65535, got {data}")
    payload = (int(write) << 23) | (addr << 16) | data
    return (payload << 8) | crc8_bits(payload, 24)


def unpack_frame(word: int) -> tuple[bool, int, int, bool]:
    """``(flag, addr, data, crc_ok)`` of a 32-bit frame (host or device direction)."""
    payload = word >> 8
    return (
        bool(payload >> 23),
        (payload >> 16) & 0x7F,
        payload & 0xFFFF,
        crc8_bits(payload, 24) == word & 0xFF,
    )
