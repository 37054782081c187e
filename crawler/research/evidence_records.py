"""Which WARC records an evidence bundle holds, found from the indexes, and their bytes.

For an article URL: every capture of it in every collection (responses, revisits, the
404/410 or redirect that showed a removal), each with the ``request`` record written
beside it; the page requisites its captured pages name (images, style sheets, scripts)
as captured; the ``conversion`` and ``metadata`` records extracted from its responses
(the ``derived/`` WARCs); the captures of the copies that republished it; and the
``warcinfo`` record of every file any of these come from (which crawler, which run).

Records are found by the CDXJ indexes' offset and length and copied as they lie in the
collection's files: never re-serialised, so their digests are the collection's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urldefrag, urljoin

from archive.text.extract import decode_content
from archive.warc.cdxj import lookup
from archive.warc.reader import read_record_at, record_spans
from crawler.errors import EvidenceError

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

    from archive.warc.cdxj import IndexEntry

__all__ = ["BundleRecord", "find_records", "requisite_urls"]

_FOLLOWERS = 4  # records written after a capture that can belong to it (its request)
_REQUISITE = re.compile(
    rb"""<(?:img|script|source|iframe)\b[^>]*?\bsrc\s*=\s*["']?([^"'\s>]+)"""
    rb"""|<link\b[^>]*?\bhref\s*=\s*["']?([^"'\s>]+)""",
    re.IGNORECASE,
)
_LINK_REL = re.compile(rb"""\brel\s*=\s*["']?([^"'>]+)""", re.IGNORECASE)
_REQUISITE_RELS = {"stylesheet", "icon", "shortcut", "preload", "apple-touch-icon"}


@dataclass(frozen=True, order=True)
class BundleRecord:
    """One record to copy into the bundle: where it lies in the collection, and why."""

    collection: str
    filename: str  # in the collection's archive/ or derived/ folder
    offset: int
    length: int
    folder: str  # "archive" or "derived"
    rec_type: str
    url: str
    record_id: str
    role: str  # warcinfo | capture | request | requisite | derived | copy
    status: str = ""  # a capture's HTTP status, as the index has it


def _captures(folders: Iterable[Path], url: str, role: str) -> list[BundleRecord]:
    """Each capture of ``url`` in the indexes of ``folders``, with its request."""
    found: list[BundleRecord] = []
    for folder in folders:
        for entry in lookup(folder / "indexes", url):
            found.extend(_with_request(folder, entry, role))
    return found


def _with_request(folder: Path, entry: IndexEntry, role: str) -> list[BundleRecord]:
    path = folder / "archive" / entry.filename
    spans = record_spans(path, entry.offset)
    first = next(spans, None)
    if first is None or first.offset != entry.offset or first.length != entry.length:
        raise EvidenceError(
            f"{path} has no record of {entry.length} bytes at offset {entry.offset}, where "
            f"the index puts {entry.url}: archivist index rebuilds the index"
        )
    records = [
        BundleRecord(
            folder.name,
            entry.filename,
            first.offset,
            first.length,
            "archive",
            first.rec_type,
            first.target_uri,
            first.record_id,
            role,
            entry.status,
        )
    ]
    for _, span in zip(range(_FOLLOWERS), spans, strict=False):
        if span.rec_type == "request" and span.concurrent_to == first.record_id:
            records.append(
                BundleRecord(
                    folder.name,
                    entry.filename,
                    span.offset,
                    span.length,
                    "archive",
                    span.rec_type,
                    span.target_uri,
                    span.record_id,
                    "request",
                )
            )
            break
    return records


def requisite_urls(html: bytes, base: str) -> list[str]:
    """The images, scripts, frames and style sheets ``html`` names, as absolute URLs."""
    found: list[str] = []
    for match in _REQUISITE.finditer(html):
        raw = match.group(1) or match.group(2)
        if match.group(2) is not None:  # a <link>: only style sheets and icons
            rel = _LINK_REL.search(match.group(0))
            words = set(rel.group(1).decode("ascii", "replace").lower().split()) if rel else set()
            if not words & _REQUISITE_RELS:
                continue
        text = raw.decode("utf-8", "replace")
        absolute = urldefrag(urljoin(base, text.replace("&amp;", "&")))[0]
        if absolute.startswith(("http://", "https://")) and absolute not in found:
            found.append(absolute)
    return found


def _requisites(folders: list[Path], pages: list[BundleRecord]) -> list[BundleRecord]:
    urls: list[str] = []
    for page in pages:
        if page.rec_type != "response":
            continue
        folder = next(f for f in folders if f.name == page.collection)
        stored = read_record_at(folder / "archive" / page.filename, page.offset, page.length)
        if stored.status != 200 or "html" not in (stored.header("Content-Type") or ""):
            continue
        body = decode_content(stored.payload, stored.header("Content-Encoding"))
        urls.extend(u for u in requisite_urls(body, page.url) if u not in urls)
    found: list[BundleRecord] = []
    for url in urls:
        found.extend(_captures(folders, url, "requisite"))
    return found


def _derived(folders: list[Path], responses: set[str]) -> list[BundleRecord]:
    """The conversion and metadata records made from ``responses`` (by record id)."""
    found: list[BundleRecord] = []
    for folder in folders:
        for path in sorted((folder / "derived").glob("*.warc.gz")):
            found.extend(
                BundleRecord(
                    folder.name,
                    path.name,
                    span.offset,
                    span.length,
                    "derived",
                    span.rec_type,
                    span.target_uri,
                    span.record_id,
                    "derived",
                )
                for span in record_spans(path)
                if span.refers_to in responses
            )
    return found


def _warcinfos(folders: list[Path], records: list[BundleRecord]) -> list[BundleRecord]:
    found: list[BundleRecord] = []
    for collection, folder_name, filename in sorted(
        {(r.collection, r.folder, r.filename) for r in records}
    ):
        folder = next(f for f in folders if f.name == collection)
        first = next(record_spans(folder / folder_name / filename), None)
        if first is not None and first.rec_type == "warcinfo":
            found.append(
                BundleRecord(
                    collection,
                    filename,
                    first.offset,
                    first.length,
                    folder_name,
                    first.rec_type,
                    "",
                    first.record_id,
                    "warcinfo",
                )
            )
    return found


def find_records(folders: list[Path], url: str, copies: list[str]) -> list[BundleRecord]:
    """Every record an evidence bundle of ``url`` holds, once each, in file order."""
    pages = _captures(folders, url, "capture")
    copied = [r for copy in copies for r in _captures(folders, copy, "copy")]
    requisites = _requisites(folders, pages + copied)
    responses = {r.record_id for r in pages + copied if r.rec_type in {"response", "revisit"}}
    records = pages + copied + requisites + _derived(folders, responses)
    records += _warcinfos(folders, records)
    unique = {(r.collection, r.folder, r.filename, r.offset): r for r in records}
    return sorted(unique.values(), key=lambda r: (r.collection, r.folder, r.filename, r.offset))
