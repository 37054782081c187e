"""Typed values that cross the edge between the crawler and the archive.

``HttpExchange`` is one request and the response it got, as the crawler saw them;
``RecordRef`` points at a record inside a WARC file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import BinaryIO

__all__ = ["Header", "HttpExchange", "Original", "RecordRef", "Wire"]

Header = tuple[bytes, bytes]
"""One header line as (name, value) bytes; repeated names are kept as separate pairs."""


@dataclass(frozen=True, slots=True)
class Wire:
    """An exchange's bytes exactly as they crossed the connection (TLS decrypted).

    ``request``: the request line, header section and body as written. ``response``:
    a seekable file holding the status line, header section and body as read, chunk
    framing included; read from its start, it is the response record's HTTP block.
    """

    request: bytes
    response: BinaryIO


@dataclass(frozen=True, slots=True)
class HttpExchange:
    """One HTTP request and its response, with the body as transferred.

    ``response_body`` is still content-encoded (gzip, br...) but no longer
    transfer-encoded: the HTTP client has taken the chunk framing off.
    ``length_known`` says whether the server sent a ``Content-Length`` for it.
    ``wire``, where the client kept them, are the bytes as sent and received: the
    records then hold those, and the parsed fields serve only to digest and index.
    """

    url: str
    method: str
    request_headers: tuple[Header, ...]
    status: int
    response_headers: tuple[Header, ...]
    response_body: bytes
    request_body: bytes = b""
    protocol: str = "HTTP/1.1"
    reason: str = ""
    ip_address: str | None = None
    length_known: bool = True
    truncated: str | None = None
    """Why the body is incomplete, as WARC-Truncated says it: length, time, disconnect."""
    date: datetime = field(default_factory=lambda: datetime.now(UTC))
    wire: Wire | None = None

    def __post_init__(self) -> None:
        if self.date.tzinfo is None:
            raise ValueError(f"HttpExchange.date must be timezone-aware, got {self.date!r}")
        if not 100 <= self.status <= 999:
            raise ValueError(f"HttpExchange.status must be a 3-digit code, got {self.status}")


@dataclass(frozen=True, slots=True)
class RecordRef:
    """Where a record lives: file name (no folder), byte offset, length, record id.

    ``payload_digest`` is the record's ``WARC-Payload-Digest`` where it has one.
    """

    filename: str
    offset: int
    length: int
    record_id: str
    payload_digest: str = ""


@dataclass(frozen=True, slots=True)
class Original:
    """The earlier capture a ``revisit`` record stands for (what WARC-Refers-To-* name)."""

    record_id: str
    url: str
    date: datetime
    payload_digest: str
