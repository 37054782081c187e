"""Finish the ``.open`` WARC files that a crashed writer left behind.

A writer killed outright (SIGKILL, power loss) cannot rename its file, and may have
died in the middle of a record. ``recover_open_file`` keeps every whole record, cuts
the file after the last one and renames it, so the result passes ``warcio check``;
``recover_abandoned`` does that for every ``.open`` file in a folder whose writer (by
the host and pid in its name) is no longer running on this machine.
"""

from __future__ import annotations

import logging
import os
import re
import zlib
from pathlib import Path

__all__ = ["recover_abandoned", "recover_open_file", "whole_records_end"]

logger = logging.getLogger(__name__)

_CHUNK = 1 << 20
_LENGTH = re.compile(rb"\r\nContent-Length:\s*(\d+)\r\n", re.IGNORECASE)


def _record_complete(data: bytes) -> bool:
    """True when ``data`` is one whole WARC record: headers, block, CRLF CRLF."""
    head_end = data.find(b"\r\n\r\n")
    if not data.startswith(b"WARC/") or head_end < 0:
        return False
    match = _LENGTH.search(data, 0, head_end + 2)
    if match is None:
        return False
    return len(data) == head_end + 4 + int(match[1]) + 4


def whole_records_end(path: Path) -> int:
    """Byte offset just after the last whole gzip-member record of a ``.warc.gz`` file."""
    good = offset = 0
    with path.open("rb") as fh:
        data = fh.read(_CHUNK)
        while data:
            inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
            parts: list[bytes] = []
            try:
                while not inflater.eof and data:
                    parts.append(inflater.decompress(data))
                    data = inflater.unused_data or (b"" if inflater.eof else fh.read(_CHUNK))
            except zlib.error:
                break
            if not inflater.eof or not _record_complete(b"".join(parts)):
                break
            offset = fh.tell() - len(data)
            good = offset
            if not data:
                data = fh.read(_CHUNK)
    return good


def recover_open_file(path: Path) -> Path | None:
    """Cut ``path`` after its last whole record and drop ``.open``; None if nothing was whole."""
    if not path.name.endswith(".warc.gz.open"):
        raise ValueError(f"{path} is not a .warc.gz.open file")
    end = whole_records_end(path)
    if end == 0:
        path.unlink()
        logger.warning("Removed %s: it held no whole record", path)
        return None
    with path.open("r+b") as fh:
        fh.truncate(end)
        fh.flush()
        os.fsync(fh.fileno())
    final = path.with_name(path.name.removesuffix(".open"))
    path.replace(final)
    logger.warning("Recovered %s: kept %d bytes of whole records", final, end)
    return final


def _writer_alive(name: str, host: str) -> bool:
    """Whether the writer named in ``<prefix>-<ts>-<serial>-<host>-<pid>`` may still run."""
    rest, _, pid = name.removesuffix(".warc.gz.open").rpartition("-")
    if not rest.endswith(f"-{host}") or not pid.isdigit():
        return True  # not ours to judge: another host's or another tool's file
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not _zombie(int(pid))


def _zombie(pid: int) -> bool:
    """Whether ``pid`` has ended and waits to be reaped (Linux: its state is Z).

    A crawl killed after its parent is a zombie until init reaps it; it writes nothing
    more, so its file is recovered at once rather than by whoever looks next."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[:1] == ["Z"]


def recover_abandoned(directory: Path, host: str) -> list[Path]:
    """Recover the ``.open`` files in ``directory`` left by dead writers of this host."""
    recovered = []
    for path in sorted(directory.glob("*.warc.gz.open")):
        if not _writer_alive(path.name, host):
            final = recover_open_file(path)
            if final is not None:
                recovered.append(final)
    return recovered
