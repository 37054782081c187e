"""Extract each article page in a process pool, which also keeps its records.

The reactor never runs trafilatura, nor the record keeping: each pool process
(``crawler.pipelines._recorder``, which imports neither Scrapy nor Twisted) extracts
the page with ``archive.text.extract.extract``, writes a ``conversion`` record (the text)
and a ``metadata`` record (every other field as JSON), both ``WARC-Refers-To`` the response,
into the collection's ``derived/`` folder (a file per pool process: the WARC file name
carries its PID), and records the capture, the article and its version in the store. The crawl only awaits the outcome, for its stats and log.
Pages that come while every process is busy go to the next free one together, up to
16, and their rows in one transaction (``Recorder.pages``): a page's outcome is told
when that transaction has committed, never before, so a process killed mid-batch
leaves none of the batch counted, and every page of it is tried again.
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
``extract/empty`` (no article in the page), ``extract/batches`` (pool jobs done: a page
alone, or the pages that waited for a busy pool), ``extract/errors`` (logged with the URL),
``extract/not_stored`` (the database could not be opened: the records are in WARC),
``extract/pool_restarts`` (a pool process died: a new pool, the pages in flight tried once
more, the dead one's derived WARC closed; at most 5 in a crawl),
``recrawl/removed`` (a known article's URL now serves a "not found" page with a 200:
``archive.store._events.soft_404``, where the whole rule is; the 404/410 and redirect
cases are the capture's).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import socket
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any, Self

from scrapy.exceptions import DropItem, NotConfigured

from archive import recover_abandoned
from archive.store import Store, StoreError
from crawler.errors import CrawlerError
from crawler.extensions.records import collection_of, data_home, records_url
from crawler.items import ArticlePage
from crawler.pipelines._recorder import Outcome, Recorder, batch_job, start_process

__all__ = ["ExtractPipeline", "Outcome", "Recorder", "default_workers"]

if TYPE_CHECKING:
    from pathlib import Path

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


_MAX_RESTARTS = 5  # pools started again in one crawl after a process died
# Pages in one pool job at most: their rows in one transaction, their outcomes told when
# it commits (the last page of a full batch waits for 15 others: ~0.2 s at most).
_BATCH = 16


class _PoolDied(CrawlerError):
    """The pool process that had a batch died (``BrokenProcessPool``)."""

    def __init__(self, pool: ProcessPoolExecutor) -> None:
        super().__init__("an extraction process died")
        self.pool = pool


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
        self.waiting: list[tuple[ArticlePage, asyncio.Future[Outcome]]] = []
        """Pages not yet handed to the pool, each with what awaits its outcome."""
        self.busy = 0
        """Batches the pool has, at most one per process."""
        self.running: set[asyncio.Task[None]] = set()

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
            initializer=start_process,
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

    async def _extracted(self, item: ArticlePage) -> Outcome:
        """The pool's outcome for ``item``, once the transaction that kept it commits."""
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self.waiting.append((item, future))
        self._dispatch()
        return await future

    def _dispatch(self) -> None:
        """Hand the waiting pages to the pool: each at once while a process is free;
        those that came while all were busy together as one is free again (a batch, its
        rows in one transaction). A quiet crawl's pages go alone, a busy one's batched."""
        while self.waiting and self.busy < self.workers:
            free = self.workers - self.busy
            size = min(_BATCH, -(-len(self.waiting) // free))
            batch, self.waiting = self.waiting[:size], self.waiting[size:]
            self.busy += 1
            task = asyncio.ensure_future(self._run(batch))
            self.running.add(task)  # held: the loop keeps only a weak reference
            task.add_done_callback(self.running.discard)

    async def _run(self, batch: list[tuple[ArticlePage, asyncio.Future[Outcome]]]) -> None:
        pool = self.pool
        assert pool is not None
        try:
            outcomes = await asyncio.wrap_future(
                pool.submit(batch_job, [item for item, _ in batch])
            )
        except BrokenProcessPool as exc:
            for _, future in batch:
                died = _PoolDied(pool)
                died.__cause__ = exc
                future.set_exception(died)
        except Exception as exc:  # noqa: BLE001 - every page of the batch fails with it
            for _, future in batch:
                future.set_exception(exc)
        else:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("extract/batches")
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                future.set_result(outcome)
        finally:
            self.busy -= 1
            self._dispatch()

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticlePage):
            return item
        assert self.pool is not None
        stats = self.crawler.stats
        assert stats is not None
        try:
            outcome = await self._extracted(item)
        except _PoolDied as died:
            # A pool process died (killed, out of memory, a crash in a C library): every
            # page in flight fails with it. Each is tried once more on a new pool; the
            # page that kills a process twice is given up.
            restarted = self._restart(died.pool)
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
            raise DropItem(f"extraction failed: {item.url}") from died.__cause__
        except Exception as exc:
            self._failed(item, repr(exc))
            raise DropItem(f"extraction failed: {item.url}") from exc
        if outcome.error is not None:
            self._failed(item, outcome.error)
            raise DropItem(f"extraction failed: {item.url}")
        for name in outcome.stats:
            stats.inc_value(name)
        for warning in outcome.warnings:
            logger.warning(warning)
        if outcome.dropped is not None:
            raise DropItem(outcome.dropped)
        return item

    def _failed(self, item: ArticlePage, error: str) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("extract/errors")
        logger.error(
            "Extracting or recording %s failed: %s",
            item.url,
            error,
            extra={"spider": self.crawler.spider},
        )
