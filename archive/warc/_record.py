"""Serialise WARC/1.1 records to bytes: headers, blocks, digests, gzip members.

warcio is the reference reader and checker of what this writes (see the tests), but
its writer is not used on the hot path: it compresses at zlib level 9, digests the
block twice and spools every payload through a temporary file. One record here is
built in memory once, digested once and compressed once.
"""

from __future__ import annotations

import base64
import hashlib
import re
import uuid
import zlib
from datetime import UTC, datetime
from http import HTTPStatus
from typing import TYPE_CHECKING, BinaryIO
from urllib.parse import urlsplit

from archive.errors import RecordError

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence

    from archive.warc.records import Header, HttpExchange, Original

__all__ = [
    "WarcRecord",
    "gzip_member",
    "make_record_id",
    "request_record",
    "response_record",
    "revisit_record",
    "sha1_digest",
    "warc_date",
    "warcinfo_record",
]

CRLF = b"\r\n"
FRAMING_NOTE = b"X-Archivist-Framing"
"""Added to stored HTTP headers when the server sent no Content-Length (see README)."""
PIECE = 1 << 20
"""Bytes read at a time from a block kept in a file."""


class FileBlock:
    """A block kept in a seekable file, read in pieces from its start at each pass:
    a large response is never held whole beside the body the crawler already has."""

    __slots__ = ("fh",)

    def __init__(self, fh: BinaryIO) -> None:
        self.fh = fh

    def __iter__(self) -> Iterator[bytes]:
        self.fh.seek(0)
        while piece := self.fh.read(PIECE):
            yield piece


_HEAD_END = re.compile(rb"\r?\n\r?\n")


def wire_head(fh: BinaryIO) -> bytes:
    """The status line and header section at the start of ``fh``, blank line included."""
    fh.seek(0)
    seen = b""
    while piece := fh.read(64 * 1024):
        seen += piece
        if end := _HEAD_END.search(seen):
            return seen[: end.end()]
    return seen


class WarcRecord:
    """One WARC record as header fields and a block, ready to serialise.

    ``block`` is read once for its length and digest and once more to be written, so it
    is a sequence of pieces or a ``FileBlock``, never a one-pass iterator.
    """

    __slots__ = ("block", "fields", "payload_digest", "record_id")

    def __init__(self, fields: list[tuple[str, str]], block: Sequence[bytes] | FileBlock) -> None:
        self.fields = fields
        self.block = block
        self.record_id = next(v for k, v in fields if k == "WARC-Record-ID")
        self.payload_digest = next((v for k, v in fields if k == "WARC-Payload-Digest"), "")

    def parts(self, version: str = "1.1") -> Iterator[bytes]:
        """The record's bytes in pieces: its header section, the block's parts, the end."""
        length = sum(len(part) for part in self.block)
        head = [f"WARC/{version}"]
        head.extend(f"{name}: {value}" for name, value in self.fields)
        head.append(f"WARC-Block-Digest: {sha1_digest(self.block)}")
        head.append(f"Content-Length: {length}")
        yield ("\r\n".join(head) + "\r\n\r\n").encode()
        yield from self.block
        yield CRLF + CRLF

    def to_bytes(self, version: str = "1.1") -> bytes:
        return b"".join(self.parts(version))


def make_record_id() -> str:
    return f"<urn:uuid:{uuid.uuid4()}>"


def warc_date(moment: datetime, version: str = "1.1") -> str:
    """ISO 8601 in UTC; WARC/1.1 allows (and we keep) microseconds."""
    utc = moment.astimezone(UTC)
    if version == "1.0":
        return utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def sha1_digest(parts: Iterable[bytes]) -> str:
    hasher = hashlib.sha1()  # noqa: S324 - WARC digests are SHA-1 by convention
    for part in parts:
        hasher.update(part)
    return "sha1:" + base64.b32encode(hasher.digest()).decode("ascii")


def gzip_member(parts: Iterable[bytes], level: int) -> bytes:
    """One whole gzip member: WARC files are gzipped record by record. Compressed piece
    by piece, so a large body is never copied whole beside itself."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    return b"".join([*(compressor.compress(part) for part in parts), compressor.flush()])


def _header_lines(headers: Iterable[Header]) -> list[bytes]:
    lines = []
    for name, value in headers:
        if b"\r" in name + value or b"\n" in name + value:
            raise ValueError(f"header {name!r} contains a line break")
        lines.append(name + b": " + value + CRLF)
    return lines


def response_head(exchange: HttpExchange) -> bytes:
    """Status line and headers as stored: see the README on what is byte-exact."""
    reason = exchange.reason or _standard_reason(exchange.status)
    status_line = f"{exchange.protocol} {exchange.status} {reason}".rstrip().encode("latin-1")
    headers = list(exchange.response_headers)
    if not exchange.length_known:
        headers.append((b"Content-Length", str(len(exchange.response_body)).encode()))
        headers.append((FRAMING_NOTE, b"no Content-Length sent; length added on capture"))
    return b"".join([status_line, CRLF, *_header_lines(headers), CRLF])


def _standard_reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def request_head(exchange: HttpExchange) -> bytes:
    parts = urlsplit(exchange.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    line = f"{exchange.method} {target} HTTP/1.1".encode()
    names = {name.lower() for name, _ in exchange.request_headers}
    headers = list(exchange.request_headers)
    if b"host" not in names:
        headers.insert(0, (b"Host", parts.netloc.encode("idna")))
    if exchange.request_body and b"content-length" not in names:
        headers.append((b"Content-Length", str(len(exchange.request_body)).encode()))
    return b"".join([line, CRLF, *_header_lines(headers), CRLF])


def _common_fields(
    kind: str, record_id: str, exchange: HttpExchange, warcinfo_id: str, version: str
) -> list[tuple[str, str]]:
    fields = [
        ("WARC-Type", kind),
        ("WARC-Record-ID", record_id),
        ("WARC-Date", warc_date(exchange.date, version)),
        ("WARC-Target-URI", exchange.url),
    ]
    if warcinfo_id:
        fields.append(("WARC-Warcinfo-ID", warcinfo_id))
    return fields


def _response_start(
    kind: str, exchange: HttpExchange, warcinfo_id: str, version: str
) -> tuple[bytes, list[tuple[str, str]]]:
    """The HTTP head and first WARC fields of a response or revisit record (a response
    from the wire needs no head: its block is the wire's bytes)."""
    try:
        if exchange.wire is None:
            head = response_head(exchange)
        else:
            head = wire_head(exchange.wire.response) if kind == "revisit" else b""
    except (ValueError, UnicodeEncodeError) as exc:
        raise RecordError(exchange.url, str(exc)) from exc
    fields = _common_fields(kind, make_record_id(), exchange, warcinfo_id, version)
    if exchange.ip_address:
        fields.append(("WARC-IP-Address", exchange.ip_address))
    return head, fields


def response_record(
    exchange: HttpExchange,
    warcinfo_id: str,
    version: str,
    payload_digest: str | None = None,
    extra_fields: Sequence[tuple[str, str]] = (),
) -> WarcRecord:
    """A ``response``; ``payload_digest``, if the caller hashed the body already;
    ``extra_fields``: more WARC header fields (a backfilled capture's provenance)."""
    head, fields = _response_start("response", exchange, warcinfo_id, version)
    fields.append(("Content-Type", "application/http; msgtype=response"))
    # The payload is the entity as sent, transfer coding removed and content coding
    # kept (WARC 1.1, 6.3.2): the body the client de-chunked, whatever the block holds.
    digest = payload_digest or sha1_digest([exchange.response_body])
    fields.append(("WARC-Payload-Digest", digest))
    if exchange.truncated:
        fields.append(("WARC-Truncated", exchange.truncated))
    for name, value in extra_fields:
        if "\r" in name + value or "\n" in name + value:
            raise RecordError(exchange.url, f"WARC field {name!r} contains a line break")
        fields.append((name, value))
    if exchange.wire is not None:
        return WarcRecord(fields, FileBlock(exchange.wire.response))
    return WarcRecord(fields, [head, exchange.response_body])


REVISIT_PROFILES = {
    ("1.1", False): "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest",
    ("1.1", True): "http://netpreserve.org/warc/1.1/revisit/server-not-modified",
    ("1.0", False): "http://netpreserve.org/warc/1.0/revisit/identical-payload-digest",
    ("1.0", True): "http://netpreserve.org/warc/1.0/revisit/server-not-modified",
}


def revisit_record(
    exchange: HttpExchange,
    original: Original,
    warcinfo_id: str,
    version: str,
    *,
    not_modified: bool,
    extra_fields: Sequence[tuple[str, str]] = (),
) -> WarcRecord:
    """A ``revisit``: the response's headers only, pointing at the capture it repeats.

    ``not_modified``: the server answered 304 to a conditional request (the
    server-not-modified profile); otherwise the payload was byte-identical to
    ``original``'s (identical-payload-digest). Either way the payload digest is the
    original's, and WARC-Refers-To-Target-URI and -Date let replay tools find it.
    """
    head, fields = _response_start("revisit", exchange, warcinfo_id, version)
    fields += [
        ("WARC-Profile", REVISIT_PROFILES[version, not_modified]),
        ("WARC-Refers-To", original.record_id),
        ("WARC-Refers-To-Target-URI", original.url),
        ("WARC-Refers-To-Date", warc_date(original.date, version)),
        ("Content-Type", "application/http; msgtype=response"),
        ("WARC-Payload-Digest", original.payload_digest),
        *extra_fields,
    ]
    return WarcRecord(fields, [head])


def request_record(
    exchange: HttpExchange, concurrent_to: str, warcinfo_id: str, version: str
) -> WarcRecord:
    if exchange.wire is not None:
        block = [exchange.wire.request]
    else:
        try:
            block = [request_head(exchange), exchange.request_body]
        except (ValueError, UnicodeError) as exc:
            raise RecordError(exchange.url, str(exc)) from exc
    fields = _common_fields("request", make_record_id(), exchange, warcinfo_id, version)
    fields.append(("WARC-Concurrent-To", concurrent_to))
    fields.append(("Content-Type", "application/http; msgtype=request"))
    fields.append(("WARC-Payload-Digest", sha1_digest([exchange.request_body])))
    return WarcRecord(fields, block)


def warcinfo_record(
    filename: str, info: Iterable[tuple[str, str]], moment: datetime, version: str
) -> WarcRecord:
    body = "".join(f"{name}: {value}\r\n" for name, value in info).encode("utf-8")
    fields = [
        ("WARC-Type", "warcinfo"),
        ("WARC-Record-ID", make_record_id()),
        ("WARC-Date", warc_date(moment, version)),
        ("WARC-Filename", filename),
        ("Content-Type", "application/warc-fields"),
    ]
    return WarcRecord(fields, [body])


def derived_records(
    uri: str,
    refers_to: str,
    moment: datetime,
    text: str,
    fields_json: str,
    *,
    warcinfo_id: str,
    version: str,
) -> tuple[WarcRecord, WarcRecord]:
    """A ``conversion`` record (the extracted text) and a ``metadata`` record (the fields).

    Both point at the response they were made from with ``WARC-Refers-To``.
    """
    made = []
    for kind, content_type, payload in (
        ("conversion", "text/plain; charset=utf-8", text.encode("utf-8")),
        ("metadata", "application/json", fields_json.encode("utf-8")),
    ):
        fields = [
            ("WARC-Type", kind),
            ("WARC-Record-ID", make_record_id()),
            ("WARC-Date", warc_date(moment, version)),
            ("WARC-Target-URI", uri),
            ("WARC-Refers-To", refers_to),
        ]
        if warcinfo_id:
            fields.append(("WARC-Warcinfo-ID", warcinfo_id))
        fields.append(("Content-Type", content_type))
        if kind == "conversion":
            fields.append(("WARC-Payload-Digest", sha1_digest([payload])))
        made.append(WarcRecord(fields, [payload]))
    return made[0], made[1]
