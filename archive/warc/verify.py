"""Verify WARC and ARC files, whoever wrote them, and a collection's CDXJ index.

``verify_paths(paths, indexes)`` streams each file once: gzip members are inflated one
by one (``_verify_stream``), each record's block is hashed in chunks, and every
problem becomes a :class:`Finding` naming file, offset and fault. A bad file never
raises: any exception becomes a fault and the next file is read.
"""

from __future__ import annotations

import logging
import os
import re
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from archive.warc._digest import Hasher as _Hasher
from archive.warc._report import Finding, Report, Seen
from archive.warc._verify_block import Block, check_digests, is_http, read_block
from archive.warc._verify_index import check_indexes, collection_files
from archive.warc._verify_stream import MemberStream, StreamFault

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

logger = logging.getLogger(__name__)

__all__ = ["Finding", "Report", "collection_files", "default_jobs", "verify_paths"]

MANDATORY = ("WARC-Record-ID", "WARC-Date", "WARC-Type", "Content-Length")
INDEXED_TYPES = {"response", "revisit", "resource"}
DATE_FORMATS = (
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%dT%H:%M:%S.%f%z",
    "%Y-%m-%dT%H:%M%z",
    "%Y-%m-%d%z",
    "%Y-%m%z",
    "%Y%z",
)


_ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?Z")


def _parse_date(value: str) -> datetime | None:
    text = value.strip()
    if _ISO_UTC.fullmatch(text):  # what nearly every writer writes: the quick way
        return datetime.fromisoformat(text)
    text = text.replace("Z", "+0000")
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


SHARED_MEMBER = "gzip member holds several records: an index offset cannot address them"
MAX_HEADER_BYTES = 1 << 20
"""A record's header section beyond this is no header (real ones are under a few kB):
reading one that never ends took 1.5 GB from a 1 MB file."""


def _read_headers(stream: MemberStream) -> tuple[list[bytes], bool | None]:
    """The header lines up to the blank line; ended: True, False (the file ended first)
    or None (the section passed ``MAX_HEADER_BYTES``)."""
    lines: list[bytes] = []
    size = 0
    while True:
        line = stream.readline()
        if not line:
            return lines, False
        if not line.rstrip(b"\r\n"):
            return lines, True
        size += len(line)
        if size > MAX_HEADER_BYTES:
            return lines, None
        lines.append(line)


def _parse_fields(rep: Report, where: tuple[str, int], lines: list[bytes]) -> dict[str, str]:
    fields: dict[str, str] = {}
    last = ""
    if any(raw.endswith(b"\r\r\n") for raw in lines):
        rep.add(*where, "header lines end in CR CR LF", fault=False)
    for raw in lines:
        if not raw.endswith(b"\r\n"):
            rep.add(*where, f"header line not ended by CRLF: {raw[:60]!r}", fault=False)
        text = raw.decode("utf-8", "replace").rstrip("\r\n")
        if text[:1] in (" ", "\t") and last:
            fields[last] += " " + text.strip()
            continue
        name, sep, value = text.partition(":")
        if not sep or not name or name != name.strip():
            rep.add(*where, f"bad header line: {text[:80]!r}")
            continue
        last = name.lower()
        fields.setdefault(last, value.strip())
    return fields


def _check_fields(rep: Report, where: tuple[str, int], f: dict[str, str]) -> None:
    for name in MANDATORY:
        if name.lower() not in f:
            rep.add(*where, f"missing mandatory field {name}")
    if "warc-date" in f:
        when = _parse_date(f["warc-date"])
        if when is None:
            rep.add(*where, f"WARC-Date is not W3C-ISO8601: {f['warc-date']!r}")
        elif when > datetime.now(UTC) + timedelta(days=1):
            rep.add(*where, f"WARC-Date in the future: {f['warc-date']}")


def _warc_record(rep: Report, path: str, stream: MemberStream, offset: int, first: bytes) -> bool:
    """Check one WARC record whose version line was ``first``; False to stop the file."""
    where = (path, offset)
    version = first.rstrip(b"\r\n").decode("latin-1")
    if version not in ("WARC/1.0", "WARC/1.1", "WARC/0.17", "WARC/0.18"):
        rep.add(*where, f"unusual version line {version!r}", fault=False)
    lines, ended = _read_headers(stream)
    if ended is None:
        rep.add(*where, f"record headers go on past {MAX_HEADER_BYTES:,} bytes: not a record")
        return False
    if not ended:
        rep.add(*where, "record headers truncated")
        return False
    f = _parse_fields(rep, where, lines)
    _check_fields(rep, where, f)
    try:
        length = int(f.get("content-length", ""))
    except ValueError:
        rep.add(*where, f"bad Content-Length {f.get('content-length')!r}")
        return False
    if length < 0:
        rep.add(*where, f"negative Content-Length {length}")
        return False
    blk = Block(
        _Hasher(f["warc-block-digest"]) if "warc-block-digest" in f else None,
        _Hasher(f["warc-payload-digest"]) if "warc-payload-digest" in f else None,
        None if "warc-payload-digest" in f else _Hasher("sha1:"),
        keep_head=f.get("warc-type") == "warcinfo",
    )
    blk.header = first + b"".join(lines)
    if not is_http(f):
        blk.in_payload = True
    got = read_block(stream, length, blk)
    if got < length:
        rep.add(*where, f"block truncated: Content-Length {length}, only {got} bytes")
        return False
    tail = stream.take_newlines()
    if tail != b"\r\n\r\n":  # readers skip what is there: the next record tells
        rep.add(*where, f"record followed by {tail!r}, not two CRLFs", fault=False)
    check_digests(rep, where, f, blk)
    _remember(rep, where, f, blk, stream)
    return True


def _remember(
    rep: Report,
    where: tuple[str, int],
    f: dict[str, str],
    blk: Block,
    stream: MemberStream,
) -> None:
    rid = f.get("warc-record-id", "")
    rtype = f.get("warc-type", "")
    end = stream.end_offset()
    length = end - where[1] if end is not None else -1
    if "warc-payload-digest" in f:
        digest = f["warc-payload-digest"]
    else:
        digest = "sha1:" + (blk.payload_sha1.b32() if blk.payload_sha1 is not None else "")
    ours = rtype == "warcinfo" and b"archivist" in blk.keep.lower()
    seen = Seen(where[0], where[1], rtype, length, digest, ours, blk.fingerprint())
    rep.records += 1
    if rtype in INDEXED_TYPES:
        rep.by_offset[(Path(where[0]).name, where[1])] = seen
    if rid:
        _note_id(rep, rid, seen)
    for name in ("warc-concurrent-to", "warc-refers-to", "warc-warcinfo-id"):
        if name in f:
            for target in f[name].split():
                rep.links.append((where[0], where[1], name, target, rtype))
    if "warc-warcinfo-id" in f:
        rep.links.append((where[0], where[1], "ours?", f["warc-warcinfo-id"], rtype))


def _note_id(rep: Report, rid: str, seen: Seen) -> None:
    """Keep a record's ID; a second record with it is a warning if it repeats the first
    byte for byte (a writer that wrote its warcinfo again), else a fault."""
    first = rep.seen.get(rid)
    if first is None:
        rep.seen[rid] = seen
        return
    at = f"(first at {first.path} @ {first.offset})"
    if first.fingerprint == seen.fingerprint:
        rep.add(seen.path, seen.offset, f"record {rid} repeated byte for byte {at}", fault=False)
    else:
        rep.add(
            seen.path, seen.offset, f"duplicate WARC-Record-ID {rid} on a different record {at}"
        )


def _arc_record(rep: Report, path: str, stream: MemberStream, offset: int, first: bytes) -> bool:
    where = (path, offset)
    parts = first.split()
    try:
        length = int(parts[-1])
    except (ValueError, IndexError):
        rep.add(*where, f"neither a WARC nor an ARC record header: {first[:60]!r}")
        return False
    url = parts[0] if parts else b""
    if length < 0:
        rep.add(*where, f"ARC record length {length} is negative")
        return False
    if len(parts) > 5 and len(parts) != 10:  # as ARC readers do: URL, IP, date, mime, length
        url = b" ".join(parts[:-4])
        rep.add(*where, f"ARC URL holds spaces, read as {url[:200]!r}", fault=False)
    elif len(parts) != 5 and len(parts) != 10:
        rep.add(*where, f"ARC header has {len(parts)} fields (want 5 or 10)", fault=False)
    blk = Block(None, None, None, in_payload=True)
    got = read_block(stream, length, blk)
    if got < length:
        rep.add(*where, f"ARC record truncated: length {length}, only {got} bytes")
        return False
    rep.records += 1
    end = stream.end_offset()
    if url.startswith(b"http"):
        seen = Seen(path, offset, "response", end - offset if end else -1, "", False)
        rep.by_offset[(Path(path).name, offset)] = seen
    return True


def _next_line(stream: MemberStream) -> bytes:
    """The next non-blank line (ARC and some writers put newlines between records)."""
    while True:
        line = stream.readline()
        if not line or line.strip():
            return line


def _check_file(rep: Report, path: Path) -> None:
    name = str(path)
    offset = 0
    shared = -1  # the gzip member last found holding several records
    kind: bool | None = None  # a WARC file (True) or an ARC file, once its first record is read
    try:
        with path.open("rb") as fh:
            stream = MemberStream(fh)
            if stream.peek_eof():
                rep.add(name, 0, "empty file")
                return
            while True:
                while stream.take_newlines():  # blank lines between records
                    pass
                if stream.peek_eof():
                    break
                offset = stream.position()
                if not stream.at_member_start() and offset != shared:
                    shared = offset  # one fault a member: no index offset reaches its records
                    rep.add(name, offset, SHARED_MEMBER)
                line = _next_line(stream)
                if not line:
                    break
                warc = line.startswith(b"WARC/")
                kind = warc if kind is None else kind
                if warc != kind:  # a wrong length lands in the middle of a block
                    rep.add(name, offset, f"not a {'WARC' if kind else 'ARC'} record header")
                    return
                read = _warc_record if warc else _arc_record
                if not read(rep, name, stream, offset, line):
                    return
    except StreamFault as exc:
        rep.add(name, exc.offset, str(exc))
    except Exception as exc:  # a bad file must never stop the run
        logger.debug("verify %s failed", name, exc_info=True)
        rep.add(name, offset, f"unreadable: {type(exc).__name__}: {exc}")


def _check_links(rep: Report) -> None:
    ours = {rid for rid, s in rep.seen.items() if s.ours}
    owner = {(p, o): t for p, o, kind, t, _ in rep.links if kind == "ours?"}
    for path, offset, kind, target, rtype in rep.links:
        if kind == "ours?" or target in rep.seen:
            continue
        same_file_pair = kind == "warc-concurrent-to" and rtype in ("request", "response")
        if same_file_pair and owner.get((path, offset)) in ours:
            rep.add(path, offset, f"{kind} {target} points at no record in this file")
        else:
            rep.add(path, offset, f"{kind} {target} not found in the files checked", False)


def _verify_one(path: Path) -> Report:
    rep = Report(files=1)
    _check_file(rep, path)
    return rep


def _merge(into: Report, part: Report) -> None:
    """Fold one file's report in: its IDs are checked against every earlier file's."""
    into.files += part.files
    into.records += part.records
    into.findings += part.findings
    into.by_offset.update(part.by_offset)
    into.links += part.links
    for rid, seen in part.seen.items():
        _note_id(into, rid, seen)


def _file_reports(files: list[Path], jobs: int) -> Iterator[Report]:
    """Each file's report, in the order given; files read side by side on ``jobs`` cores."""
    if jobs <= 1 or len(files) <= 1:
        yield from map(_verify_one, files)
        return
    with ProcessPoolExecutor(min(jobs, len(files))) as pool:
        yield from pool.map(_verify_one, files)


def default_jobs() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def verify_paths(paths: Iterable[Path], indexes: Iterable[Path] = (), jobs: int = 1) -> Report:
    """Check every file (``jobs`` at a time, each in its own process), then links across
    them, then the indexes against them."""
    rep = Report()
    files = list(paths)
    for part in _file_reports(files, jobs):
        _merge(rep, part)
    _check_links(rep)
    index_list = list(indexes)
    if index_list:
        check_indexes(rep, index_list, files)
    return rep
