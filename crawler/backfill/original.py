"""The original response inside another archive's answer, and the WARC fields that say
where it came from.

An archive serving a capture in ``id_`` mode sends the original status and payload, but
not quite the original headers: the Wayback Machine prefixes every original header with
``X-Archive-Orig-``; pywb prefixes the ones that would mislead a browser (``Date``,
``ETag``, ``Last-Modified``, ``Server``, ``Cache-Control``...) and passes the rest
through (``Content-Type``, ``Content-Encoding``...); both add their own (``Memento-Datetime``,
memento ``Link``s, their own ``Date`` and ``Server``). So:

- ``X-Archive-Orig-Name`` becomes ``Name`` again;
- the archive's own headers are not the page's: they are kept in the record's WARC
  fields (``Archivist-Archive-Header: Name: value``), nothing is lost;
- ``Content-Encoding`` is what the body holds as it came (an archive may decode it); the
  original's, if the archive decoded it, is told in ``Archivist-Archive-Decoded``;
- ``Content-Length`` is the body's length; ``Transfer-Encoding`` and ``Connection`` go
  (the body is stored de-chunked, as the crawl stores it).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from archive.warc._record import sha1_digest
from archive.warc.records import HttpExchange

if TYPE_CHECKING:
    from crawler.backfill.cdx import CdxCapture
    from crawler.backfill.client import ArchiveResponse

__all__ = ["PREFIX", "digest_matches", "original_exchange", "provenance"]

PREFIX = "x-archive-orig-"
_FRAMING = {"content-length", "transfer-encoding", "connection", "keep-alive"}
_ARCHIVE_OWN = {"date", "server", "memento-datetime", "content-location", "set-cookie", "vary"}
"""Unprefixed headers that are the archive's answer's, not the capture's (pywb prefixes
the capture's ``Date``, ``Server``, ``Vary``; so do the others)."""
_MEMENTO_LINK = re.compile(r'rel="?[^"]*\b(?:original|memento|timegate|timemap)\b')


def _is_archive_own(name: str, value: str) -> bool:
    lowered = name.lower()
    if lowered in _ARCHIVE_OWN or lowered in _FRAMING:
        return True
    if lowered == "link":
        return bool(_MEMENTO_LINK.search(value))
    return lowered.startswith(("x-archive-", "x-app-server", "server-timing", "x-ts", "x-tr"))


def _split(response: ArchiveResponse) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(the capture's headers, the archive's own)."""
    page: list[tuple[str, str]] = []
    own: list[tuple[str, str]] = []
    for name, value in response.headers:
        lowered = name.lower()
        if lowered.startswith(PREFIX):
            original = name[len(PREFIX) :]
            if original.lower() in _FRAMING or original.lower() == "content-encoding":
                own.append((name, value))
            else:
                page.append((original, value))
        elif lowered == "content-encoding":
            page.append((name, value))
        elif _is_archive_own(name, value):
            own.append((name, value))
        else:
            page.append((name, value))
    return page, own


def original_exchange(capture: CdxCapture, response: ArchiveResponse) -> HttpExchange:
    """The capture as its first archive saw it: URL, time, status, headers, payload."""
    page, _ = _split(response)
    headers = [(k.encode("latin-1", "replace"), v.encode("latin-1", "replace")) for k, v in page]
    headers.append((b"Content-Length", str(len(response.body)).encode()))
    return HttpExchange(
        url=capture.url,
        method="GET",
        request_headers=(),
        status=response.status,
        reason=response.reason,
        response_headers=tuple(headers),
        response_body=response.body,
        truncated="length" if response.truncated else None,
        date=capture.date,
    )


def provenance(
    archive: str, capture: CdxCapture, response: ArchiveResponse, now: datetime | None = None
) -> list[tuple[str, str]]:
    """The WARC fields of a backfilled response: where it was served from and when.

    ``WARC-Source-URI`` and ``WARC-Creation-Date`` are what pywb writes when it records
    from a remote archive (``pywb/warcserver/resource/responseloader.py``)."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    fields = [
        ("WARC-Source-URI", response.url),
        ("WARC-Creation-Date", moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")),
        ("Archivist-Backfill-Archive", archive),
        ("Archivist-Archive-Digest", capture.digest),
    ]
    original_coding = response.header(PREFIX + "Content-Encoding")
    if original_coding and not response.header("Content-Encoding"):
        fields.append(("Archivist-Archive-Decoded", original_coding))
    _, own = _split(response)
    fields += [("Archivist-Archive-Header", f"{name}: {value}") for name, value in own]
    return fields


def digest_matches(capture: CdxCapture, response: ArchiveResponse) -> bool:
    """Whether the payload is the one the index names (its ``sha1:`` base32 digest)."""
    want = capture.digest.removeprefix("sha1:").upper()
    return sha1_digest([response.body]).removeprefix("sha1:") == want
