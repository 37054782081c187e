"""A WARC file's CDXJ index, made as its records are written.

The writer knows where each record lies as it appends it, so a closed file is indexed
without being read back (reading back cost a crawl 7% of its CPU: every byte inflated
and parsed again). The lines are the ones cdxj-indexer makes from the file (pywb's
format: SURT key, 14-digit timestamp, then url, mime, status, digest, length, offset,
filename), built with the same parsers (warcio's HTTP head parser and timestamp, the
``surt`` key); tests compare both on whole crawls. A record this cannot index as
cdxj-indexer would (no payload digest, an HTTP head it cannot find) makes the file
``unindexable`` here, and it is indexed by reading it back (``cdxj.index_file``).

Lines go to a hidden ``.<file>.cdxj.open`` beside the index as they come (a crawl
keeps no index in memory) and are sorted into ``<file>.cdxj`` when the file closes.
"""

from __future__ import annotations

import io
import json
import os
import re
from typing import TYPE_CHECKING, TextIO

from warcio.statusandheaders import StatusAndHeadersParser
from warcio.timeutils import iso_date_to_timestamp

from archive.warc._record import FileBlock
from archive.warc.cdxj import part_path, url_key, write_sorted

if TYPE_CHECKING:
    from pathlib import Path

    from archive.warc._record import WarcRecord

__all__ = ["IndexLines", "Unindexable", "line_of"]

_INDEXED = frozenset({"response", "revisit", "resource", "metadata"})  # cdxj-indexer's
_HTTP = frozenset({"response", "revisit"})
_HTTP_PARSER = StatusAndHeadersParser(["HTTP/1.0", "HTTP/1.1"], verify=False)
_SPACE = re.compile(r"[;\s]")
_HEAD_END = re.compile(rb"\r?\n\r?\n")
_MAX_HEAD = 512 * 1024  # past this, read the file back rather than hunt for the head


class Unindexable(Exception):
    """A record this module cannot index exactly as cdxj-indexer would."""


def _field(record: WarcRecord, name: str) -> str | None:
    lowered = name.lower()
    return next((v for k, v in record.fields if k.lower() == lowered), None)


def _http_head(record: WarcRecord) -> bytes:
    """The HTTP status line and header section at the start of the record's block."""
    seen = bytearray()
    for piece in record.block:
        seen += piece[: _MAX_HEAD - len(seen)]
        if end := _HEAD_END.search(seen):
            return bytes(seen[: end.end()])
        if len(seen) >= _MAX_HEAD:
            break
    raise Unindexable("no end of the HTTP header section")


def _block_size(record: WarcRecord) -> int:
    if isinstance(record.block, FileBlock):
        return record.block.fh.seek(0, os.SEEK_END)
    return sum(len(piece) for piece in record.block)


def line_of(record: WarcRecord, filename: str, offset: int, length: int) -> str | None:
    """The record's CDXJ line (newline included), or None for a record not indexed."""
    kind = _field(record, "WARC-Type") or ""
    if kind not in _INDEXED:
        return None
    content_type = _field(record, "Content-Type")
    if kind in {"resource", "metadata"} and content_type == "application/warc-fields":
        return None
    url = _field(record, "WARC-Target-URI") or ""
    if url.startswith("<") and url.endswith(">"):  # as warcio reads a target back
        url = url[1:-1]
    url = url.replace(" ", "%20")
    date = _field(record, "WARC-Date")
    digest = _field(record, "WARC-Payload-Digest")
    if not url or not date or not digest:
        raise Unindexable(f"{kind} record without a target, date or payload digest")
    mime: str | None
    status: str | None = None
    size = _block_size(record)
    if kind in _HTTP and size and url.startswith(("http:", "https:")):
        try:
            headers = _HTTP_PARSER.parse(io.BytesIO(_http_head(record)))
        except Exception as exc:  # whatever warcio would make of it: read the file back
            raise Unindexable(f"HTTP head unreadable: {exc}") from exc
        status = headers.get_statuscode()
        mime = headers.get_header("content-type")
    elif kind in _HTTP:
        mime = None
    else:
        mime = content_type
    if kind == "revisit":
        mime = "warc/revisit"
    elif mime:
        mime = _SPACE.split(mime, 1)[0].strip()
    fields = {"url": url, "mime": mime, "status": status, "digest": digest}
    fields |= {"length": str(length), "offset": str(offset), "filename": filename}
    data = json.dumps({k: v for k, v in fields.items() if v is not None})
    return f"{url_key(url)} {iso_date_to_timestamp(date)} {data}\n"


class IndexLines:
    """The index of one WARC file, gathered as it is written, sorted when it closes."""

    def __init__(self, index_dir: Path, warc_name: str) -> None:
        index_dir.mkdir(parents=True, exist_ok=True)
        self.index_dir = index_dir
        self.warc_name = warc_name
        self.part = part_path(index_dir, warc_name)
        self._out: TextIO | None = self.part.open("w", encoding="utf-8")

    @property
    def usable(self) -> bool:
        """False once a record could not be indexed here: read the file back instead."""
        return self._out is not None

    def add(self, records: list[tuple[WarcRecord, int, int]]) -> None:
        """Index ``(record, offset, length)`` as written; on a record it cannot index,
        give up on the file (its lines so far are dropped)."""
        if self._out is None:
            return
        try:
            lines = [line_of(r, self.warc_name, offset, length) for r, offset, length in records]
        except Unindexable:
            self.discard()
            return
        self._out.writelines(line for line in lines if line is not None)

    def finish(self) -> Path | None:
        """Sort the lines into ``<file>.cdxj`` (atomically); None if unusable."""
        if self._out is None:
            return None
        self._out.close()
        self._out = None
        final = self.index_dir / f"{self.warc_name}.cdxj"
        try:
            with self.part.open(encoding="utf-8") as fh:
                write_sorted(sorted(fh), final)  # as cdxj-indexer: repeats written once
        finally:
            self.part.unlink(missing_ok=True)
        return final

    def discard(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None
        self.part.unlink(missing_ok=True)
