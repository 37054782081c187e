"""``archivist evidence URL``: one signed WACZ holding everything the archive has of an
article, for a third party to check without trusting this machine.

The bundle holds, under ``archive/``, one WARC per collection file the records come
from, named as that file and holding its records byte for byte as they lie there (found
and chosen by ``evidence_records.py``): every capture of the article with its request,
the removal's 404/410 or redirect, its page requisites, the text and fields extracted
from it, the copies that republished it, and each file's ``warcinfo``. A last WARC,
``evidence-summary.warc.gz``, holds the summary page as a ``resource`` record at an
``.invalid`` address (a document made here, not a capture) so that ReplayWeb.page lists
and shows it beside the replay. ``evidence/`` holds the summary page, ``article.json``
(versions, diffs, events, copies) and ``records.json`` (each record's place in the
collection, its place in the bundle and its sha256).

The ``wacz`` library indexes and packages; ``bundle.seal`` adds the evidence files and
signs. The package's pages are the captures, oldest first, the summary page first.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archive.warc.reader import read_record_at, read_warcinfo
from archive.warc.writer import resource_member
from crawler.errors import EvidenceError
from crawler.research.bundle import seal
from crawler.research.evidence_page import article_json, summary_html
from crawler.research.evidence_records import BundleRecord, find_records

if TYPE_CHECKING:
    from archive.store import Store
    from crawler.research.signing import Signer

__all__ = ["EvidenceReport", "summary_url", "url_key", "write_evidence"]

SUMMARY_WARC = "evidence-summary.warc.gz"
_WACZ_TIMEOUT = 3600  # seconds; indexing a bundle's records takes well under one


@dataclass(frozen=True)
class EvidenceReport:
    path: Path
    records: int
    captures: int
    versions: int
    signer: str | None
    timestamped: bool


def url_key(url: str) -> str:
    """A short name for an article URL, in paths: the first 16 hex digits of its sha1."""
    return hashlib.sha1(url.encode("utf-8")).hexdigest()[:16]  # noqa: S324 - a name only


def summary_url(url: str) -> str:
    """Where the summary page sits in the bundle's WARC: a reserved ``.invalid`` host, so
    it is never taken for a capture of the web."""
    return f"https://archivist-evidence.invalid/{url_key(url)}/summary.html"


def _software() -> str:
    return f"archivist {version('archivist')}"


def _copy_records(
    folders: dict[str, Path], records: list[BundleRecord], archive: Path
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Copy each record's bytes into ``archive/<file name>``; their provenance, and each
    capture's WARC-Date."""
    placed: list[dict[str, Any]] = []
    dates: dict[str, str] = {}
    names = {(r.collection, r.filename) for r in records}
    clash = len({name for _, name in names}) < len(names)
    for r in records:
        source = folders[r.collection] / r.folder / r.filename
        stored = read_record_at(source, r.offset, r.length)
        name = f"{r.collection}-{r.filename}" if clash else r.filename
        target = archive / name
        with target.open("ab") as out:
            at = out.tell()
            out.write(stored.stored)
        dates[r.record_id] = dict(stored.warc_headers).get("WARC-Date", "")
        placed.append(
            {
                "role": r.role,
                "type": r.rec_type,
                "url": r.url,
                "record_id": r.record_id,
                "sha256": hashlib.sha256(stored.stored).hexdigest(),
                "bundle": {"file": f"archive/{name}", "offset": at, "length": r.length},
                "collection": {
                    "name": r.collection,
                    "file": f"{r.folder}/{r.filename}",
                    "offset": r.offset,
                    "length": r.length,
                },
            }
        )
    return placed, dates


def _pages(
    url: str, records: list[BundleRecord], dates: dict[str, str], summary_ts: str, title: str
) -> bytes:
    lines = [{"format": "json-pages-1.0", "id": "pages", "title": f"Evidence: {title}"}]
    lines.append({"url": summary_url(url), "ts": summary_ts, "title": f"Evidence summary: {title}"})
    seen = sorted(
        (dates[r.record_id], r)
        for r in records
        if r.role in {"capture", "copy"} and r.rec_type in {"response", "revisit"}
    )
    for when, r in seen:
        what = "copy" if r.role == "copy" else "capture"
        status = "revisit" if r.rec_type == "revisit" else f"HTTP {r.status}"
        lines.append({"url": r.url, "ts": when, "title": f"{what} at {when} ({status}): {r.url}"})
    return b"".join(json.dumps(line, ensure_ascii=False).encode() + b"\n" for line in lines)


def _package(tmp: Path, warcs: list[Path], pages: bytes, title: str) -> Path:
    """Index and package ``warcs`` with the ``wacz`` library, in a child process: it
    prints its progress and leaves its files open for the collector to close."""
    pages_path, partial = tmp / "pages.jsonl", tmp / "partial.wacz"
    pages_path.write_bytes(pages)
    args = ["create", "-o", str(partial), "-p", str(pages_path), "-c", "--title", title]
    done = subprocess.run(  # noqa: S603 - this interpreter, the wacz package, our own files
        [sys.executable, "-m", "wacz", *args, *(str(p) for p in warcs)],
        capture_output=True,
        text=True,
        timeout=_WACZ_TIMEOUT,
        check=False,
    )
    if done.returncode != 0 or not partial.is_file():
        said = (done.stderr or done.stdout).strip().splitlines()
        raise EvidenceError(
            f"the wacz library failed (exit {done.returncode}): {said[-1] if said else ''}"
        )
    return partial


def write_evidence(
    store: Store, folders: list[Path], url: str, output: Path, signer: Signer | None
) -> EvidenceReport:
    """Write the evidence bundle of ``url`` to ``output``; see the module's docstring."""
    versions = store.versions(url)
    copies = store.copies(url)
    records = find_records(folders, url, [c.url for c in copies])
    captures = [r for r in records if r.role == "capture"]
    if not captures:
        raise EvidenceError(f"no capture of {url} (archivist captures URL lists them)")
    events = [e for e in store.events() if e.url == url]
    now = datetime.now(UTC)
    made = {
        "at": now.isoformat().replace("+00:00", "Z"),
        "software": _software(),
        "signer": signer.identity if signer is not None else "",
    }
    facts = article_json(url, versions, events, copies, made)
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="archivist-evidence-") as tmp:
        folders_by_name = {f.name: f for f in folders}
        digest = _build(Path(tmp), folders_by_name, records, facts, now, output, signer=signer)
    signed = digest.get("signedData") or {}
    return EvidenceReport(
        output,
        len(records),
        len(captures),
        len(versions),
        signed.get("domain"),
        bool(signed.get("timeSignature")),
    )


def _build(  # noqa: PLR0917 - the bundle's parts, in the order they are made
    tmp: Path,
    folders: dict[str, Path],
    records: list[BundleRecord],
    facts: dict[str, Any],
    now: datetime,
    output: Path,
    *,
    signer: Signer | None,
) -> dict[str, Any]:
    """Copy the records, write the summary, package and seal into ``output``; returns the
    ``datapackage-digest.json`` written."""
    url, versions = facts["url"], facts["versions"]
    title = versions[-1]["article"]["title"] if versions else url
    infos = {
        r.filename: read_warcinfo(folders[r.collection] / r.folder / r.filename)
        for r in records
        if r.role == "warcinfo"
    }
    archive = tmp / "archive"
    archive.mkdir()
    placed, dates = _copy_records(folders, records, archive)
    page = summary_html(facts, records, infos, dates)
    (archive / SUMMARY_WARC).write_bytes(
        resource_member(summary_url(url), "text/html; charset=utf-8", page, now)
    )
    pages = _pages(url, records, dates, facts["made"]["at"], title)
    partial = _package(tmp, sorted(archive.iterdir()), pages, f"Evidence: {title}")
    extra = {
        "evidence/summary.html": page,
        "evidence/article.json": _json(facts),
        "evidence/records.json": _json({"url": url, "records": placed}),
    }
    sealed = output.with_name(f".{output.name}.partial")
    try:
        digest = seal(partial, sealed, extra, signer, _software())
        sealed.replace(output)
    finally:
        sealed.unlink(missing_ok=True)
    return digest


def _json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8")
