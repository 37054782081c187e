"""Reading WARC files, whoever wrote them: the responses, with where each record lives.

``iter_responses(path)`` yields every ``response`` record of a WARC (gzipped or not)
as a ``StoredResponse`` with its payload as captured (still content-encoded, chunk
framing removed: a record that keeps the wire's ``Transfer-Encoding: chunked`` is
de-chunked here, as warcio's ``content_stream`` does, without decoding the content) and a
``RecordRef``; ``warcinfo`` fields of the file come along, so a reader knows which
source and run wrote it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import ChunkedDataReader

from archive.warc.records import RecordRef

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

__all__ = [
    "RecordSpan",
    "StoredRecord",
    "StoredResponse",
    "iter_responses",
    "read_record_at",
    "read_warcinfo",
    "record_spans",
    "referred_records",
]


@dataclass(frozen=True, slots=True)
class StoredResponse:
    url: str
    date: datetime
    status: int
    headers: tuple[tuple[str, str], ...]
    payload: bytes
    ref: RecordRef
    info: dict[str, str] = field(default_factory=dict)  # the file's warcinfo fields
    rec_type: str = "response"
    refers_to: tuple[str, str, datetime] | None = None
    """A revisit's original: record id, target URI and date."""
    source_uri: str | None = None
    """``WARC-Source-URI``: where another archive served this capture (a backfill)."""

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers if k.lower() == lowered), None)


def _parse_date(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(UTC)


def _info(payload: bytes) -> dict[str, str]:
    fields = {}
    for line in payload.decode("utf-8", "replace").splitlines():
        name, sep, value = line.partition(":")
        if sep:
            fields[name.strip()] = value.strip()
    return fields


def _payload(record: Any) -> bytes:
    """The entity of an HTTP record: its bytes after the headers, de-chunked if the
    headers say ``Transfer-Encoding: chunked``, content coding (gzip) kept."""
    coding = (record.http_headers.get_header("Transfer-Encoding") or "").lower()
    if "chunked" in coding:
        return bytes(ChunkedDataReader(record.raw_stream, decomp_type=None).read())
    return bytes(record.raw_stream.read())


def read_warcinfo(path: Path) -> dict[str, str]:
    """The fields of a WARC file's first record when it is a ``warcinfo``; else {}."""
    with path.open("rb") as fh:
        for record in ArchiveIterator(fh):
            if record.rec_type == "warcinfo":
                return _info(record.content_stream().read())
            return {}
    return {}


def referred_records(path: Path, rec_type: str) -> set[str]:
    """The ``WARC-Refers-To`` ids of a file's records of one type (derived records name
    the response they were made from)."""
    found: set[str] = set()
    with path.open("rb") as fh:
        for record in ArchiveIterator(fh):
            if record.rec_type == rec_type:
                found.add(record.rec_headers.get_header("WARC-Refers-To") or "")
    return found - {""}


def iter_responses(path: Path, *, revisits: bool = False) -> Iterator[StoredResponse]:
    """Every response record of one WARC file, in file order (and revisits, if asked)."""
    info: dict[str, str] = {}
    with path.open("rb") as fh:
        records = ArchiveIterator(fh)
        for record in records:
            if record.rec_type == "warcinfo":
                info = _info(record.content_stream().read())
                continue
            kinds = ("response", "revisit") if revisits else ("response",)
            if record.rec_type not in kinds or record.http_headers is None:
                continue
            payload = _payload(record)
            records.read_to_end(record)
            headers = record.rec_headers
            ref = RecordRef(
                path.name,
                records.get_record_offset(),
                records.get_record_length(),
                headers.get_header("WARC-Record-ID"),
                headers.get_header("WARC-Payload-Digest") or "",
            )
            refers_to = None
            if record.rec_type == "revisit":
                refers_to = (
                    headers.get_header("WARC-Refers-To") or "",
                    headers.get_header("WARC-Refers-To-Target-URI") or "",
                    _parse_date(
                        headers.get_header("WARC-Refers-To-Date") or headers.get_header("WARC-Date")
                    ),
                )
            yield StoredResponse(
                rec_type=record.rec_type,
                refers_to=refers_to,
                url=headers.get_header("WARC-Target-URI"),
                date=_parse_date(headers.get_header("WARC-Date")),
                status=int(record.http_headers.get_statuscode() or 0),
                headers=tuple(record.http_headers.headers),
                payload=payload,
                ref=ref,
                info=dict(info),
                source_uri=headers.get_header("WARC-Source-URI"),
            )


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """One record read back from where an index says it is."""

    rec_type: str
    warc_headers: tuple[tuple[str, str], ...]
    status: int | None
    http_headers: tuple[tuple[str, str], ...]
    payload: bytes  # the HTTP entity body as captured (de-chunked, still content-encoded)
    stored: bytes  # the record's bytes exactly as they lie in the file

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.http_headers if k.lower() == lowered), None)


def read_record_at(path: Path, offset: int, length: int) -> StoredRecord:
    """The record of ``path`` that starts at ``offset`` and is ``length`` bytes long."""
    with path.open("rb") as fh:
        fh.seek(offset)
        stored = fh.read(length)
    if len(stored) != length:
        raise ValueError(f"{path.name} ends before offset {offset} + length {length}")
    record = next(iter(ArchiveIterator(io.BytesIO(stored))), None)
    if record is None:
        raise ValueError(f"no WARC record at {path.name} offset {offset}")
    http = record.http_headers
    payload = _payload(record) if http is not None else record.content_stream().read()
    return StoredRecord(
        rec_type=record.rec_type,
        warc_headers=tuple(record.rec_headers.headers),
        status=int(http.get_statuscode() or 0)
        if http is not None and record.rec_type != "request"
        else None,
        http_headers=tuple(http.headers) if http is not None else (),
        payload=payload,
        stored=stored,
    )


@dataclass(frozen=True, slots=True)
class RecordSpan:
    """Where one record lies in its file, and the headers that link it to others."""

    offset: int
    length: int
    rec_type: str
    record_id: str
    target_uri: str
    concurrent_to: str  # a request's response (WARC-Concurrent-To), else ""
    refers_to: str  # a revisit's or a derived record's original (WARC-Refers-To), else ""


def record_spans(path: Path, offset: int = 0) -> Iterator[RecordSpan]:
    """The records of ``path`` from the one at ``offset`` on, lazily, with where each lies.

    Nothing is decoded but headers: a caller copying records takes ``path``'s bytes from
    ``offset`` to ``offset + length`` as they lie."""
    with path.open("rb") as fh:
        fh.seek(offset)
        records = ArchiveIterator(fh)
        for record in records:
            records.read_to_end(record)
            headers = record.rec_headers
            yield RecordSpan(
                offset=records.get_record_offset(),  # warcio counts from the file start
                length=records.get_record_length(),
                rec_type=record.rec_type,
                record_id=headers.get_header("WARC-Record-ID") or "",
                target_uri=headers.get_header("WARC-Target-URI") or "",
                concurrent_to=headers.get_header("WARC-Concurrent-To") or "",
                refers_to=headers.get_header("WARC-Refers-To") or "",
            )
