"""A chunked HTTP body's transfer coding removed as it streams past (RFC 9112, 7.1).

Records that keep the bytes as they crossed the wire hold chunk framing; the WARC 1.1
payload (6.3.2) is the entity without it, so a payload digest is checked over what
this passes on. Broken framing stops it (``ok`` False): the digest is then not
matched this way.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

_HEX = re.compile(rb"[0-9A-Fa-f]{1,16}")
_CHUNKED = re.compile(rb"(?im)^transfer-encoding:[^\r\n]*\bchunked\b")
MAX_LINE = 8192
"""A chunk-size or trailer line beyond this is no framing."""


def is_chunked(http_head: bytes) -> bool:
    """Whether an HTTP message head says its body is chunked."""
    return _CHUNKED.search(http_head) is not None


class Dechunker:
    """Feed a chunked body in pieces of any size; ``sink`` gets the entity's bytes."""

    def __init__(self, sink: Callable[[bytes | memoryview], None]) -> None:
        self._sink = sink
        self._line = b""
        self._left = 0
        self._state = "size"  # size, data, crlf (after a chunk's data), trailer, done
        self.ok = True

    @property
    def done(self) -> bool:
        """The last chunk and the trailer's blank line were read, framing unbroken."""
        return self.ok and self._state == "done"

    def feed(self, data: bytes) -> None:
        view = memoryview(data)
        i, n = 0, len(data)
        while i < n and self.ok and self._state != "done":
            if self._state == "data":
                take = min(self._left, n - i)
                self._sink(view[i : i + take])
                self._left -= take
                i += take
                if not self._left:
                    self._state = "crlf"
                continue
            end = data.find(b"\n", i)
            if end < 0:
                self._line += data[i:]
                self.ok = len(self._line) <= MAX_LINE
                return
            line = (self._line + data[i:end]).rstrip(b"\r")
            self._line, i = b"", end + 1
            self._framing(line)

    def _framing(self, line: bytes) -> None:
        if self._state == "crlf":
            self.ok = not line
            self._state = "size"
        elif self._state == "size":
            size = line.split(b";", 1)[0].strip()
            if not _HEX.fullmatch(size):
                self.ok = False
                return
            self._left = int(size, 16)
            self._state = "data" if self._left else "trailer"
        elif not line:  # the trailer section ends at a blank line
            self._state = "done"
        else:
            self.ok = len(line) <= MAX_LINE
