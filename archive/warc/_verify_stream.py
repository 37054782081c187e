"""A decompressed byte stream over a WARC/ARC file that knows its gzip members.

Each gzip member is inflated with its own ``zlib.decompressobj`` so the verifier sees
where members start (compressed offsets), how many records share one, and any CRC
error or truncation, which a library reader would hide or turn into a crash.
"""

from __future__ import annotations

import zlib
from typing import BinaryIO

CHUNK = 1 << 20
FEED = 1 << 16
_NEWLINES = (10, 13)
GZIP_MAGIC = b"\x1f\x8b"


class StreamFault(Exception):
    """The compressed stream is corrupt or truncated at ``offset``."""

    def __init__(self, offset: int, message: str) -> None:
        super().__init__(message)
        self.offset = offset


class MemberStream:
    """Inflate gzip members one after another; plain files pass through.

    Bytes are never copied twice: the compressed input is fed to zlib in slices of a
    memoryview (``FEED`` bytes, so ``unused_data`` at a member's end stays small), and
    the plain bytes sit in a ``bytearray`` consumed from the front (``del buf[:n]``
    moves a start pointer in CPython, it does not shift the rest).
    """

    def __init__(self, fh: BinaryIO) -> None:
        self._fh = fh
        self._raw = fh.read(CHUNK)
        self._ri = 0  # index in self._raw of the first byte not yet inflated
        self.gzipped = self._raw.startswith(GZIP_MAGIC)
        self._raw_pos = 0  # file offset of self._raw[self._ri]
        self._buf = bytearray()
        self._dec: zlib._Decompress | None = None
        self.member_start = 0  # compressed offset of the member being read
        self.members = 0
        self.member_plain_start = 0  # plain offset where the current member began
        self.plain_pos = 0  # offset in the plain stream of self._buf[0]

    def position(self) -> int:
        """Offset a record starting now would have (compressed for gzip files)."""
        if not self.gzipped:
            return self.plain_pos
        if not self._buf and self._dec is None:
            return self._raw_pos
        return self.member_start

    def at_member_start(self) -> bool:
        return not self.gzipped or self.plain_pos == self.member_plain_start

    def _avail(self) -> int:
        return len(self._raw) - self._ri

    def _more_raw(self) -> bool:
        data = self._fh.read(CHUNK)
        if not data:
            return False
        self._raw = self._raw[self._ri :] + data
        self._ri = 0
        return True

    def _fill(self) -> bool:
        """Add decompressed bytes to the buffer; False at end of file."""
        if not self.gzipped:
            if self._avail():
                self._buf += memoryview(self._raw)[self._ri :]
                self._raw, self._ri = b"", 0
                return True
            data = self._fh.read(CHUNK)
            self._buf += data
            return bool(data)
        return self._inflate()

    def _inflate(self) -> bool:
        if self._dec is None:
            if not self._avail() and not self._more_raw():
                return False
            if self._avail() < 2 and not self._more_raw():
                raise StreamFault(self._raw_pos, "trailing garbage after last gzip member")
            if self._raw[self._ri : self._ri + 2] != GZIP_MAGIC:
                raise StreamFault(self._raw_pos, "not a gzip member (bad magic)")
            self._dec = zlib.decompressobj(zlib.MAX_WBITS | 16)
            self.member_start = self._raw_pos
            self.member_plain_start = self.plain_pos + len(self._buf)
            self.members += 1
        dec = self._dec
        if self._avail() < FEED:
            self._more_raw()
        if not self._avail():
            raise StreamFault(self.member_start, "truncated gzip member")
        feed = memoryview(self._raw)[self._ri : self._ri + FEED]
        try:
            out = dec.decompress(feed, CHUNK)
        except zlib.error as exc:
            raise StreamFault(self.member_start, f"corrupt gzip member: {exc}") from exc
        if dec.eof:
            consumed = len(feed) - len(dec.unused_data)
            self._dec = None
        else:
            consumed = len(feed) - len(dec.unconsumed_tail)
        self._ri += consumed
        self._raw_pos += consumed
        self._buf += out
        return True

    def read(self, size: int) -> bytes:
        while len(self._buf) < size:
            if not self._fill():
                break
        data = bytes(self._buf[:size])
        del self._buf[:size]
        self.plain_pos += len(data)
        return data

    def readline(self, limit: int = 65536) -> bytes:
        while (end := self._buf.find(b"\n", 0, limit)) < 0 and len(self._buf) < limit:
            if not self._fill():
                break
        cut = min(len(self._buf), limit) if end < 0 else end + 1
        data = bytes(self._buf[:cut])
        del self._buf[:cut]
        self.plain_pos += cut
        return data

    def take_newlines(self, limit: int = 64) -> bytes:
        """Up to ``limit`` CR and LF bytes from here, none past the current gzip member
        (the next record's member stays unread, so its offset is still known)."""
        out = b""
        while len(out) < limit:
            if not self._buf and ((self.gzipped and self._dec is None) or not self._fill()):
                break
            buf, n, most = self._buf, 0, min(len(self._buf), limit - len(out))
            while n < most and buf[n] in _NEWLINES:
                n += 1
            out += bytes(buf[:n])
            del buf[:n]
            self.plain_pos += n
            if buf:
                break
        return out

    def buffered_empty(self) -> bool:
        return not self._buf

    def peek_eof(self) -> bool:
        if self._buf:
            return False
        return not self._fill()

    def end_offset(self) -> int | None:
        """Offset just past the record read last, if it ended its gzip member."""
        if not self.gzipped:
            return self.plain_pos
        while self._dec is not None and not self._buf:
            if not self._fill():
                break
        if self._dec is None and not self._buf:
            return self._raw_pos
        return None
