"""One backfill of a source from another web archive, recorded as a run.

1. The source's lock and a ``runs`` row, as a crawl takes them (one writer per source;
   ``archivist runs`` and the console list it; a killed backfill's row is closed and
   its files made whole by whoever finds it, as a killed crawl's).
2. The archive's CDX index, asked per host (or scope prefix); the captures worth having
   chosen (``crawler.backfill.cdx.choose``), less what the collection holds already: a
   capture backfilled before (by its ``WARC-Source-URI``) or the same payload of the same
   URL, captured by anyone. So an interrupted backfill goes on where it stopped, and a
   second one fetches nothing.
3. Each capture's original bytes (``id_``), one request at a time, politely
   (``crawler.backfill.client``), written as a ``response`` record with its original URL
   and time and its provenance (``crawler.backfill.original``).
4. Then what a recovered crawl gets (``crawler.runs.recovery.recover_run``): the files
   indexed, the captures in the store (with their ``origin``), the article pages
   extracted, versioned, dated and credited like live ones, the run's figures counted.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import lxml.html
from lxml.etree import ParserError
from sqlalchemy.exc import SQLAlchemyError

from archive import WarcFileWriter
from archive.errors import ArchiveError, StoreError
from archive.text.extract import decode_content
from crawler import __version__
from crawler.backfill.cdx import (
    CdxCapture,
    Choice,
    cdx_endpoint,
    cdx_queries,
    choose,
    in_scope,
    parse_cdx,
    replay_url,
    resume_key,
    within,
)
from crawler.backfill.client import ArchiveClient
from crawler.backfill.original import digest_matches, original_exchange, provenance
from crawler.errors import BackfillError
from crawler.runs.child import BACKFILL, new_run_id
from crawler.runs.recovery import recover_run
from crawler.runs.runbook import LOCK_WAIT, SourceLock
from crawler.sites.articles import FAMILY_ARTICLE_PATTERNS, ArticleRule

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from archive.store import RunRecord, Store
    from archive.warc.records import HttpExchange
    from crawler.sources.schema import Source

__all__ = ["BackfillOptions", "BackfillReport", "backfill"]

logger = logging.getLogger(__name__)

HEARTBEAT = 5.0
"""Seconds between two writes of the run's live figures to its row."""


@dataclass(frozen=True)
class BackfillOptions:
    archive: str
    """The archive's replay prefix: ``https://web.archive.org/web/``, ``http://host/<coll>/``."""
    cdx: str | None = None
    """Its CDX server, when not where ``cdx_endpoint`` guesses."""
    since: str | None = None
    until: str | None = None
    delay: float = 1.0
    max_retry_after: float = 600.0


@dataclass
class BackfillReport:
    """What one backfill did: the run, and the counts its figures do not hold."""

    run: RunRecord
    listed: int = 0
    """Lines the CDX server answered, every kind of capture."""
    wanted: int = 0
    """Distinct payloads of 200 HTML pages in the source's scope and dates."""
    planned: int = 0
    """Captures chosen and not held by the collection yet (at most: a page that is no
    article is fetched once, not each of its versions)."""
    fetched: int = 0
    digest_mismatches: int = 0
    errors: dict[str, int] = field(default_factory=dict)


class _Backfill:
    def __init__(
        self,
        store: Store,
        source: Source,
        options: BackfillOptions,
        client: ArchiveClient,
        on_beat: Callable[[dict[str, Any]], None] | None,
    ) -> None:
        self.store, self.source, self.options, self.client = store, source, options, client
        self.on_beat = on_beat
        self.rule = ArticleRule(source.family, source.article_patterns)
        every = (*source.article_patterns, *FAMILY_ARTICLE_PATTERNS.get(source.family, ()))
        self._article_patterns = [re.compile(p) for p in every]
        self.counts: dict[str, int] = {"listed": 0, "wanted": 0, "planned": 0, "fetched": 0}
        self.run_id: str | None = None
        self.errors: dict[str, int] = {}
        self.mismatches = 0
        self.bytes = 0
        self._beat = self._shown = 0.0

    def captures(self) -> list[CdxCapture]:
        """Every capture the archive's index lists for the source, in its scope and dates."""
        options = self.options
        endpoint = options.cdx or cdx_endpoint(options.archive)
        found: list[CdxCapture] = []
        for query in cdx_queries(endpoint, self.source, options.since, options.until):
            key: str | None = ""
            while key is not None:
                page = f"{query}&{urlencode({'resumeKey': key})}" if key else query
                listed, key = self._listed(page)
                self.counts["listed"] += len(listed)
                found += [
                    c
                    for c in listed
                    if in_scope(self.source, c.url) and within(c, options.since, options.until)
                ]
        return found

    def _listed(self, query: str) -> tuple[list[CdxCapture], str | None]:
        """One CDX answer's captures, and its resumption key if it was cut short."""
        answer = self.client.get(query)
        if answer.status != 200:
            raise BackfillError(
                query,
                f"the CDX server answered HTTP {answer.status}; give --archive as the "
                "archive's replay prefix (https://web.archive.org/web/, http://host/<coll>/) "
                "or --cdx as its CDX server",
            )
        try:
            text = answer.body.decode("utf-8")
            return parse_cdx(text), resume_key(text)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BackfillError(query, f"not a CDX server's JSON answer ({exc})") from exc

    def plan(self, captures: list[CdxCapture]) -> list[Choice]:
        origins, payloads = self.store.held_payloads(self.source.collection)
        archive = self.options.archive

        def held(capture: CdxCapture) -> bool:
            return (capture.url, capture.digest) in payloads or replay_url(
                archive, capture
            ) in origins

        choices = choose(captures, self._article_url, held)
        self.counts["wanted"] = len({(c.url, c.digest) for c in captures if c.wanted})
        self.counts["planned"] = sum(len(c.later or c.captures) for c in choices)
        return choices

    def _article_url(self, url: str) -> bool | None:
        if any(pattern.search(url) for pattern in self._article_patterns):
            return True
        if self.store.article_source(url) is not None:
            return True  # an article the store knows, whoever captured it
        return False if self.source.family == "blogger" else None

    def fetch(self, writer: WarcFileWriter, choice: Choice) -> None:
        done: set[str] = set()
        article = False
        for capture in choice.captures:
            exchange = self._fetch_one(writer, capture)
            done.add(capture.timestamp)
            article = exchange is not None and self._is_article(exchange)
        if choice.kind == "unsure" and article:
            for capture in choice.later:
                if capture.timestamp not in done:
                    self._fetch_one(writer, capture)

    def _fetch_one(self, writer: WarcFileWriter, capture: CdxCapture) -> HttpExchange | None:
        archive = self.options.archive
        response = self.client.get(replay_url(archive, capture))
        if str(response.status) != capture.status:  # gone, or a redirect to another capture
            kind = f"archive:{response.status}"
            self.errors[kind] = self.errors.get(kind, 0) + 1
            logger.warning("Archive answered %d for %s", response.status, response.url)
            return None
        if not digest_matches(capture, response):
            self.mismatches += 1
        exchange = original_exchange(capture, response)
        ref = writer.write_response(exchange, provenance(archive, capture, response))
        self.counts["fetched"] += 1
        self.bytes += ref.length
        self._progress()
        return exchange

    def _is_article(self, exchange: HttpExchange) -> bool:
        headers = {
            k.decode("latin-1").lower(): v.decode("latin-1") for k, v in exchange.response_headers
        }
        if "html" not in headers.get("content-type", ""):
            return False
        body = decode_content(exchange.response_body, headers.get("content-encoding"))
        try:
            return self.rule.matches(exchange.url, lxml.html.document_fromstring(body))
        except (ParserError, ValueError):
            return False

    def stats(self) -> dict[str, Any]:
        """Live figures, under the names a crawl's stats use (``CrawlProgress`` reads them)."""
        return {
            "downloader/response_count": self.counts["fetched"],
            "archive/bytes": self.bytes,
            **{f"backfill/{name}": value for name, value in self.counts.items()},
        }

    def _progress(self, force: bool = False) -> None:
        """Live figures to the terminal (at most once a second) and the run's row."""
        now = time.monotonic()
        if self.on_beat is not None and (force or now - self._shown >= 1.0):
            self._shown = now
            self.on_beat(self.stats())
        if self.run_id is not None and (force or now - self._beat >= HEARTBEAT):
            self._beat = now
            self.store.heartbeat(
                self.run_id, pages=self.counts["fetched"], archived_bytes=self.bytes
            )


def backfill(
    store: Store,
    home: Path,
    source: Source,
    sources_dir: Path,
    options: BackfillOptions,
    *,
    client: ArchiveClient | None = None,
    on_beat: Callable[[dict[str, Any]], None] | None = None,
) -> BackfillReport:
    """Backfill ``source``'s collection from ``options.archive`` (see the module's doc)."""
    client = client or ArchiveClient(
        source.full_user_agent, delay=options.delay, max_retry_after=options.max_retry_after
    )
    run_id = new_run_id(source.name, BACKFILL)
    lock = SourceLock(home, source.name)
    if not lock.acquire(run_id, wait=LOCK_WAIT):
        raise BackfillError(
            source.name,
            f"the source is being crawled or backfilled now (run {lock.holder()}); wait for it",
        )
    try:
        return _run(
            store,
            home,
            source,
            sources_dir,
            run_id,
            _Backfill(store, source, options, client, on_beat),
        )
    finally:
        lock.release()


def _run(  # noqa: PLR0917 - the run's parts
    store: Store, home: Path, source: Source, sources_dir: Path, run_id: str, job: _Backfill
) -> BackfillReport:
    started = store.start_run(run_id, source.name, source.collection).started_at
    job.run_id = run_id
    folder = home / "collections" / source.collection
    writer = WarcFileWriter(
        folder / "archive",
        prefix=f"{source.name}-backfill",
        info=_info(source, run_id, job.options.archive),
    )
    status, reason = "finished", f"backfilled from {job.options.archive}"
    try:
        for choice in job.plan(job.captures()):
            job.fetch(writer, choice)
    except (BackfillError, ArchiveError) as exc:
        status, reason = "failed", str(exc)
    except KeyboardInterrupt:
        status, reason = "stopped", "stopped by Ctrl-C; run the backfill again: it resumes"
    finally:
        writer.close()
        job._progress(force=True)
    recovery = recover_run(store, home, source.collection, run_id, sources_dir, started_at=started)
    errors = dict(job.errors)
    if recovery.failures:
        errors["extraction"] = len(recovery.failures)
    figures: dict[str, Any] = {**recovery.figures(), "errors": errors}
    record = store.finish_run(run_id, status, finish_reason=reason, **figures)
    try:  # republications read them; as after a crawl (crawler/runs/runbook.py)
        store.index_passages()
    except (StoreError, SQLAlchemyError) as exc:
        logger.warning("Run %s: passage fingerprints not computed (%s)", run_id, exc)
    return BackfillReport(
        record,
        listed=job.counts["listed"],
        wanted=job.counts["wanted"],
        planned=job.counts["planned"],
        fetched=job.counts["fetched"],
        digest_mismatches=job.mismatches,
        errors=errors,
    )


def _info(source: Source, run_id: str, archive: str) -> list[tuple[str, str]]:
    return [
        ("software", f"archivist/{__version__} (backfill)"),
        ("isPartOf", source.collection),
        ("operator", source.contact),
        ("http-header-user-agent", source.full_user_agent),
        ("description", f"archivist backfill of source {source.name} from {archive}"),
        ("archivist-source", source.name),
        ("archivist-run-id", run_id),
        ("archivist-backfill-archive", archive),
    ]
