"""Extract each article page in a process pool, which also keeps its records.

The reactor never runs trafilatura, nor the record keeping: each pool process extracts
the page with ``archive.text.extract.extract``, writes a ``conversion`` record (the text)
and a ``metadata`` record (every other field as JSON), both ``WARC-Refers-To`` the response,
into the collection's ``derived/`` folder (a file per pool process: the WARC file name
carries its PID), and records the capture, the article and its version in the store. The crawl only awaits the outcome, for its stats and log.
Measured on the benchmark world, recording on the reactor cost the crawl as much CPU as
the capture itself (17 ms per article, mostly SQLAlchemy), so it moved out with the
extraction.

Settings:
- ``EXTRACT_ENABLED`` (True): off raises NotConfigured.
- ``EXTRACT_WORKERS`` (0): processes in the pool; 0 is one per CPU core this process
  may use, from 1 to 4. Extraction costs more CPU per page than capture (about 17 ms
  against 9 on the benchmark's 50 KB pages), so where pages come faster than one process
  extracts them, the crawl waits on the pool. One process per core, the crawl's core
  included, then uses all of them: measured on 2 cores and 2,000 articles, 63 pages/s
  against 52 with one process (the crawl's own process needs its core less than half the
  time).
- ``STORE_URL`` (``sqlite:///<ARCHIVIST_HOME>/archivist.db``): the records database.

Stats: ``extract/articles``, ``extract/new``, ``extract/changed``, ``extract/unchanged``,
``extract/empty`` (no article in the page), ``extract/errors`` (logged with the URL),
``extract/not_stored`` (the database could not be opened: the records are in WARC),
``extract/pool_restarts`` (a pool process died: a new pool, the pages in flight tried once
more, the dead one's derived WARC closed; at most 5 in a crawl),
``recrawl/removed`` (a known article's URL now serves a "not found" page with a 200:
``archive.store._events.soft_404``, where the whole rule is; the 404/410 and redirect
cases are the capture's).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import multiprocessing
import multiprocessing.connection
import os
import socket
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing import util as mp_util
from typing import TYPE_CHECKING, Any, Self

from scrapy.exceptions import DropItem, NotConfigured

from archive import WarcFileWriter, recover_abandoned
from archive.store import CaptureFields, Store, StoreError, soft_404
from archive.text.extract import extract
from crawler.extensions.records import collection_of, data_home, records_url
from crawler.items import ArticlePage

if TYPE_CHECKING:
    from datetime import datetime
    from pathlib import Path

    from scrapy.crawler import Crawler

    from archive import RecordRef
    from archive.text.article import Article

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a pool process did with one page: for the crawl's stats and log."""

    stats: tuple[str, ...] = ()
    """Stats to increment by one."""
    warnings: tuple[str, ...] = ()
    dropped: str | None = None
    """Why the item goes no further, if it does not."""


class Recorder:
    """In a pool process: extract a page, write its derived records, keep them in the store."""

    def __init__(self, store_url: str | None, derived_dir: Path, prefix: str) -> None:
        self.writer = WarcFileWriter(derived_dir, prefix=prefix)
        self.store: Store | None = None
        self.unstored: str | None = None
        """Why the store could not be opened, told to the crawl's log with the next page."""
        if store_url is not None:
            try:
                self.store = Store(store_url)
            except StoreError as exc:  # the crawl's own check passed a moment ago
                self.unstored = f"No records database in an extraction process; WARC only: {exc}"

    def close(self) -> None:
        self.writer.close()
        if self.store is not None:
            self.store.close()

    def page(self, item: ArticlePage) -> Outcome:
        article = extract(item.body, item.url, dict(item.headers), captured_at=item.fetched_at)
        gone = soft_404(article.title, article.body) if article else soft_404(None, None)
        outcome = Outcome()
        if gone and item.status == 200:
            outcome = self._maybe_soft_404(item, gone)
        if article is None:
            return Outcome(
                (*outcome.stats, "extract/empty"),
                outcome.warnings,
                f"no article text in {item.url}",
            )
        if gone and self.store is not None and self.store.article_source(item.url) is not None:
            return Outcome(outcome.stats, outcome.warnings, f"{gone}: {item.url}")
        status = self._record(item, article)
        warnings = outcome.warnings
        if self.unstored is not None:
            warnings, self.unstored = (*warnings, self.unstored), None
        return Outcome((*outcome.stats, "extract/articles", f"extract/{status}"), warnings)

    def _maybe_soft_404(self, item: ArticlePage, detail: str) -> Outcome:
        """A known article's URL now serves a "not found" page with a 200: removed."""
        if self.store is None or not self.store.mark_removed(
            item.url, item.collection, item.fetched_at, detail, 200, lambda: self._add_capture(item)
        ):
            return Outcome()
        return Outcome(("recrawl/removed",), (f"Article removed: {item.url} {detail}",))

    def _add_capture(self, item: ArticlePage) -> int:
        assert self.store is not None
        return self.store.add_capture(*_capture_fields(item))

    def _record(self, item: ArticlePage, article: Article) -> str:
        fields = json.dumps(metadata_fields(article), ensure_ascii=False)
        conversion, metadata = self.writer.write_derived(
            item.url, item.response_ref.record_id, article.body, fields
        )
        if self.store is None:
            return "not_stored"
        _, _, status = self.store.add_capture_with_article(
            CaptureFields(*_capture_fields(item)),
            article,
            item.source,
            conversion_id=conversion.record_id,
            metadata_id=metadata.record_id,
        )
        return status


def metadata_fields(article: Article) -> dict[str, Any]:
    """The ``metadata`` record's fields: every field of ``article`` but its body, which
    is the ``conversion`` record's text (both refer to the same response). Measured, the
    body twice cost a pool process a fifth of its WARC writing (compressing it again)."""
    fields = article.to_dict()
    del fields["body"]
    return fields


def _capture_fields(item: ArticlePage) -> tuple[str, str, datetime, int, str, str, RecordRef]:
    content_type = {k.lower(): v for k, v in item.headers}.get("content-type", "")
    ref = item.response_ref
    return (
        item.collection,
        item.url,
        item.fetched_at,
        item.status,
        content_type,
        ref.payload_digest,
        ref,
    )


_recorder: Recorder | None = None
"""This pool process's recorder (set by ``_start_process``)."""
_busy = threading.Lock()
"""Held while the recorder handles a page, so that it is closed between pages only."""


def _start_process(store_url: str | None, derived_dir: Path, prefix: str) -> None:
    global _recorder  # noqa: PLW0603 - one per pool process, by design
    logging.basicConfig(level=logging.WARNING)
    _recorder = Recorder(store_url, derived_dir, prefix)
    # Pool processes end through multiprocessing, which runs its finalizers, not atexit:
    # this one closes the derived WARC (renamed from .open) and the database.
    mp_util.Finalize(None, _recorder.close, exitpriority=10)
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(
            target=_end_with, args=(parent.sentinel,), name="end-with-crawl", daemon=True
        ).start()


def _end_with(parent_sentinel: int) -> None:
    """Exit once the crawl process is gone, killed outright included.

    Nothing else would end this process: it waits on the task queue's pipe, whose write
    end its sibling processes hold too, so the crawl's death never reaches it as EOF.
    The sentinel is the read end of a pipe only the crawl holds open. The recorder is
    closed between two pages (its derived WARC renamed, whole), then the process exits.
    """
    multiprocessing.connection.wait([parent_sentinel])
    with _busy:
        if _recorder is not None:
            with contextlib.suppress(Exception):  # exiting regardless; recovery covers it
                _recorder.close()
        os._exit(1)


def _page_job(item: ArticlePage) -> Outcome:
    assert _recorder is not None, "not a pool process started by ExtractPipeline"
    with _busy:
        return _recorder.page(item)


_MAX_RESTARTS = 5  # pools started again in one crawl after a process died


def default_workers() -> int:
    """One pool process per CPU core this process may use; 1 to 4."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(4, cores or 1))


class ExtractPipeline:
    """ArticlePage -> Article, in a process pool that also keeps the records."""

    def __init__(
        self, crawler: Crawler, workers: int, store_url: str, derived_dir: Path, prefix: str
    ) -> None:
        self.crawler = crawler
        self.workers = workers
        self.store_url = store_url
        self.derived_dir = derived_dir
        self.prefix = prefix
        self.pool: ProcessPoolExecutor | None = None
        self.pool_store_url: str | None = None
        """The store the pool's processes open; None: WARC only."""
        self.restarts = 0
        self.retried: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("EXTRACT_ENABLED"):
            raise NotConfigured
        home = data_home(settings)
        collection = collection_of(crawler)
        store_url = records_url(settings)
        prefix = f"{settings.get('ARCHIVE_PREFIX') or collection}-extracted"
        return cls(
            crawler,
            settings.getint("EXTRACT_WORKERS") or default_workers(),
            store_url,
            home / "collections" / collection / "derived",
            prefix,
        )

    def open_spider(self) -> None:
        store_url: str | None = self.store_url
        try:
            # Opened here first so that the schema is migrated once, before the pool.
            Store(self.store_url).close()
        except StoreError:
            # The WARCs are the truth: capture goes on, `archivist extract` fills the
            # store later. Every article not stored is counted.
            logger.exception("No records database; articles go to WARC only")
            store_url = None
        self.pool_store_url = store_url
        self.pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        # spawn, not fork: the crawl process runs threads (DNS, the reactor's pool), and
        # a forked child can inherit a lock that one of them held.
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_process,
            initargs=(self.pool_store_url, self.derived_dir, self.prefix),
        )

    def close_spider(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True)
        self._recover_derived()

    def _recover_derived(self) -> None:
        """Close the derived WARC a killed pool process left ``.open``."""
        if self.derived_dir.is_dir():
            for path in recover_abandoned(self.derived_dir, socket.gethostname()):
                logger.warning("Closed %s, left open by a dead extraction process", path)

    def _restart(self, broken: ProcessPoolExecutor) -> bool:
        """A new pool in place of ``broken`` (once, whoever asks first); False past the
        limit, after which pages are captured but not extracted."""
        if broken is not self.pool:
            return True  # restarted already for another page of the same breakage
        if self.restarts >= _MAX_RESTARTS:
            return False
        self.restarts += 1
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("extract/pool_restarts")
        broken.shutdown(wait=False, cancel_futures=True)
        self._recover_derived()
        self.pool = self._new_pool()
        return True

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticlePage):
            return item
        assert self.pool is not None
        stats = self.crawler.stats
        assert stats is not None
        pool = self.pool
        try:
            outcome = await asyncio.wrap_future(pool.submit(_page_job, item))
        except BrokenProcessPool as exc:
            # A pool process died (killed, out of memory, a crash in a C library): every
            # page in flight fails with it. Each is tried once more on a new pool; the
            # page that kills a process twice is given up.
            restarted = self._restart(pool)
            if restarted and item.url not in self.retried:
                self.retried.add(item.url)
                logger.warning("An extraction process died; trying %s again", item.url)
                return await self.process_item(item)
            stats.inc_value("extract/errors")
            logger.error(
                "Extraction failed for %s: its process died%s",
                item.url,
                "" if restarted else f" ({_MAX_RESTARTS} restarts already: no more)",
                extra={"spider": self.crawler.spider},
            )
            raise DropItem(f"extraction failed: {item.url}") from exc
        except Exception as exc:
            stats.inc_value("extract/errors")
            logger.error(
                "Extracting or recording %s failed: %r",
                item.url,
                exc,
                extra={"spider": self.crawler.spider},
            )
            raise DropItem(f"extraction failed: {item.url}") from exc
        for name in outcome.stats:
            stats.inc_value(name)
        for warning in outcome.warnings:
            logger.warning(warning)
        if outcome.dropped is not None:
            raise DropItem(outcome.dropped)
        return item
