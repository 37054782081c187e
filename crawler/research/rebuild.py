"""``archivist extract``: rebuild every article record from the WARC files alone.

A lost database or a better extractor costs nothing: the raw captures are the source
of truth. Files are read oldest first (their names start with the UTC time), so the
versions of an article come back in the order they were captured. Extraction runs
in a process pool over both cores.
"""

from __future__ import annotations

import itertools
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import lxml.html
from lxml.etree import ParserError

from archive.text.extract import decode_content, extract
from archive.warc.reader import StoredResponse, iter_responses
from archive.warc.records import Original
from crawler.sites.articles import ArticleRule
from crawler.sources.schema import SourceError, find_source, load_source

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from archive.store import CaptureLog, Store
    from archive.text.article import Article

__all__ = [
    "RebuildReport",
    "extract_into",
    "index_capture",
    "is_article",
    "rebuild",
    "rule_for",
]

_BATCH = 64


@dataclass
class RebuildReport:
    files: int = 0
    pages: int = 0
    articles: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


def rule_for(source_name: str, sources_dir: Path, cache: dict[str, ArticleRule]) -> ArticleRule:
    if source_name not in cache:
        try:
            source = load_source(find_source(source_name, sources_dir))
            cache[source_name] = ArticleRule(source.family, source.article_patterns)
        except SourceError:
            cache[source_name] = ArticleRule("news")  # the source file is gone: page signals only
    return cache[source_name]


def is_article(response: StoredResponse, rule: ArticleRule) -> bool:
    if response.status != 200 or "html" not in (response.header("Content-Type") or ""):
        return False
    body = decode_content(response.payload, response.header("Content-Encoding"))
    try:
        return rule.matches(response.url, lxml.html.document_fromstring(body))
    except (ParserError, ValueError):
        return False


def _job(response: StoredResponse) -> tuple[StoredResponse, Article | None, str]:
    try:
        article = extract(
            response.payload, response.url, dict(response.headers), captured_at=response.date
        )
    except Exception as exc:  # noqa: BLE001 - one bad page must not stop a rebuild
        return response, None, f"{response.url}: {exc!r}"
    return response, article, ""


def _candidates(
    home: Path,
    collection: str | None,
    sources_dir: Path,
    report: RebuildReport,
    store: Store,
) -> Iterator[tuple[str, StoredResponse]]:
    rules: dict[str, ArticleRule] = {}
    folders = (
        [home / "collections" / collection]
        if collection
        else sorted((home / "collections").glob("*"))
    )
    warcs = sorted(
        (w for folder in folders for w in folder.glob("archive/*.warc*")),
        key=lambda p: p.name.split("-")[-4:],
    )
    logs: dict[str, CaptureLog] = {}
    try:
        for warc in warcs:
            if warc.name.endswith(".open"):
                continue
            report.files += 1
            name = warc.parent.parent.name
            log = logs.get(name) or logs.setdefault(name, store.capture_log(name))
            for response in iter_responses(warc, revisits=True):
                index_capture(log, response)
                if response.rec_type != "response":
                    continue
                report.pages += 1
                rule = rule_for(response.info.get("archivist-source", ""), sources_dir, rules)
                if is_article(response, rule):
                    yield name, response
    finally:
        for log in logs.values():
            log.close()


def index_capture(log: CaptureLog, response: StoredResponse) -> None:
    """Put a capture back in the digest index, with its validators, as the crawl did."""
    original = None
    if response.refers_to is not None:
        record_id, uri, date = response.refers_to
        original = Original(record_id, uri, date, response.ref.payload_digest)
    log.add(
        response.url,
        response.date,
        response.status,
        response.header("Content-Type") or "",
        response.ref,
        original,
        response.header("ETag"),
        response.header("Last-Modified"),
        response.source_uri,
    )


def rebuild(
    store: Store, home: Path, sources_dir: Path, collection: str | None = None
) -> RebuildReport:
    """Clear the article records and extract them again from the collections' WARCs.

    Pages go to the pool in batches, so memory holds one batch of payloads, not the
    whole archive.
    """
    report = RebuildReport()
    store.clear_articles()
    extract_into(store, _candidates(home, collection, sources_dir, report, store), report)
    return report


def extract_into(
    store: Store, pages: Iterator[tuple[str, StoredResponse]], report: RebuildReport
) -> None:
    """Extract each (collection, article page) in a process pool and record the articles."""
    batch = list(itertools.islice(pages, _BATCH))
    if not batch:
        return  # no pool to start for nothing (a recovery often has no page left)
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        while batch:
            results = pool.map(_job, [response for _, response in batch], chunksize=4)
            for (coll, _), (response, article, failure) in zip(batch, results, strict=True):
                if failure:
                    report.failures.append(failure)
                elif article is not None:
                    _keep(store, coll, response, article, report)
            batch = list(itertools.islice(pages, _BATCH))


def _keep(
    store: Store, collection: str, response: StoredResponse, article: Article, report: RebuildReport
) -> None:
    capture_id = store.add_capture(
        collection,
        response.url,
        response.date,
        response.status,
        response.header("Content-Type") or "",
        response.ref.payload_digest,
        response.ref,
    )
    _, status = store.record_article(article, capture_id, response.info.get("archivist-source", ""))
    report.articles += 1
    report.statuses[status] = report.statuses.get(status, 0) + 1
