"""Deterministic page requisites: tiny valid PNG, GIF and JPEG images, and a large PDF.

Images are derived from a name (``sha256``), so the same name always gives the same bytes.
The PDF is streamed from one cached 64 KiB block, never built whole in memory.
"""

from __future__ import annotations

import functools
import hashlib
import struct
import zlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

_BLOCK = 64 * 1024


def _digest(name: str) -> bytes:
    return hashlib.sha256(name.encode()).digest()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


@functools.lru_cache(maxsize=256)
def png(name: str, width: int = 16, height: int = 16) -> bytes:
    """An RGB gradient whose colours come from ``name``."""
    d = _digest(name)
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter type 0 (None) for every scanline
        for x in range(width):
            rows += bytes(((d[0] + 8 * x) % 256, (d[1] + 8 * y) % 256, d[2]))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            _png_chunk(b"IHDR", header),
            _png_chunk(b"IDAT", zlib.compress(bytes(rows), 9)),
            _png_chunk(b"IEND", b""),
        )
    )


@functools.lru_cache(maxsize=256)
def gif(name: str) -> bytes:
    """A 1x1 GIF89a whose single colour comes from ``name``."""
    d = _digest(name)
    return b"".join(
        (
            b"GIF89a\x01\x00\x01\x00\x80\x00\x00",  # 1x1, global table of 2 colours
            d[:3],
            b"\x00\x00\x00",
            b",\x00\x00\x00\x00\x01\x00\x01\x00\x00",  # image descriptor
            b"\x02\x02D\x01\x00",  # LZW: clear, index 0, end
            b";",
        )
    )


def _huffman_codes(bits: list[int], values: list[int]) -> dict[int, tuple[int, int]]:
    """Canonical JPEG Huffman codes: symbol -> (code, length)."""
    codes: dict[int, tuple[int, int]] = {}
    code, k = 0, 0
    for length, count in enumerate(bits, start=1):
        for _ in range(count):
            codes[values[k]] = (code, length)
            code, k = code + 1, k + 1
        code <<= 1
    return codes


# The standard luminance DC table (ITU T.81 K.3) and an AC table holding only EOB.
_DC_BITS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]
_DC_VALUES = list(range(12))
_AC_BITS = [1] + [0] * 15
_AC_VALUES = [0]


def _jpeg_scan(levels: list[int]) -> bytes:
    """Entropy-code flat 8x8 blocks: each block is its DC value and an EOB."""
    dc = _huffman_codes(_DC_BITS, _DC_VALUES)
    eob = _huffman_codes(_AC_BITS, _AC_VALUES)[0]
    bits: list[tuple[int, int]] = []
    previous = 0
    for level in levels:
        diff = level - previous
        previous = level
        category = abs(diff).bit_length()
        bits.append(dc[category])
        if category:
            bits.append((diff if diff >= 0 else diff + (1 << category) - 1, category))
        bits.append(eob)
    stream = "".join(format(value, f"0{length}b") for value, length in bits if length)
    stream += "1" * (-len(stream) % 8)
    raw = int(stream, 2).to_bytes(len(stream) // 8, "big") if stream else b""
    return raw.replace(b"\xff", b"\xff\x00")


def _segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">HH", marker, len(payload) + 2) + payload


@functools.lru_cache(maxsize=256)
def jpeg(name: str, blocks_x: int = 4, blocks_y: int = 3) -> bytes:
    """A baseline greyscale JPEG of flat 8x8 blocks whose shades come from ``name``."""
    d = _digest(name)
    levels = [(d[i % len(d)] % 200) - 100 for i in range(blocks_x * blocks_y)]
    dht = bytes([0x00, *_DC_BITS, *_DC_VALUES]) + bytes([0x10, *_AC_BITS, *_AC_VALUES])
    sof = struct.pack(">BHHB", 8, 8 * blocks_y, 8 * blocks_x, 1) + b"\x01\x11\x00"
    return b"".join(
        (
            b"\xff\xd8",
            _segment(0xFFE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"),
            _segment(0xFFFE, f"archivist demo: {name}".encode()),
            _segment(0xFFDB, b"\x00" + bytes([8] * 64)),  # a DC step of 8 keeps levels exact
            _segment(0xFFC0, sof),
            _segment(0xFFC4, dht),
            _segment(0xFFDA, b"\x01\x01\x00\x00\x3f\x00"),
            _jpeg_scan(levels),
            b"\xff\xd9",
        )
    )


@functools.lru_cache(maxsize=8)
def _filler_block(seed: int) -> bytes:
    tag = hashlib.sha256(f"bao-cao-2012:{seed}".encode()).hexdigest()[:24]
    lines = (f"% Bao cao tong hop nam 2012 - dong {i:06d} - {tag}\n" for i in range(1024))
    return "".join(line.ljust(63)[:63] + "\n" for line in lines).encode()


def _pdf_prefix() -> bytes:
    return (
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
        b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        b"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n"
        b"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>\n"
        b"endobj\n"
    )


def _pdf_parts(size: int) -> tuple[bytes, int, bytes]:
    """Head (up to the stream data), stream length and tail, adding up to ``size`` bytes.

    Numbers are zero-padded to 10 digits, so head and tail lengths do not depend on size.
    """
    prefix = _pdf_prefix()
    offsets = [15, prefix.index(b"2 0 obj"), prefix.index(b"3 0 obj"), len(prefix)]
    table = "".join(f"{o:010d} 00000 n \n" for o in offsets)

    def build(length: int) -> tuple[bytes, bytes]:
        head = prefix + f"4 0 obj\n<< /Length {length:010d} >>\nstream\n".encode()
        xref_at = len(head) + length + len(b"\nendstream\nendobj\n")
        tail = (
            f"\nendstream\nendobj\nxref\n0 5\n0000000000 65535 f \n{table}"
            f"trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n{xref_at:010d}\n%%EOF\n"
        ).encode()
        return head, tail

    head, tail = build(0)
    length = size - len(head) - len(tail)
    if length < 0:
        raise ValueError(f"large_bytes must be at least {len(head) + len(tail)}, got {size}")
    head, tail = build(length)
    return head, length, tail


def pdf_chunks(size: int, seed: int) -> Iterator[bytes]:
    """Stream a ``size``-byte PDF whose content stream is deterministic comment lines."""
    head, length, tail = _pdf_parts(size)
    block = _filler_block(seed)
    yield head
    full, rest = divmod(length, len(block))
    for _ in range(full):
        yield block
    if rest:
        yield block[:rest]
    yield tail
