"""Extract each article page in a process pool; keep the record in the store and in WARC.

The reactor never runs trafilatura: ``archive.extract.extract`` runs in a
``ProcessPoolExecutor`` (the second core) and the pipeline awaits its future. For
each article it writes a ``conversion`` record (the text) and a ``metadata`` record
(the fields as JSON), both ``WARC-Refers-To`` the response, into the collection's
``derived/`` folder, and records the capture, the article and its version in the store.

Settings:
- ``EXTRACT_ENABLED`` (True): off raises NotConfigured.
- ``EXTRACT_WORKERS`` (1): processes in the pool.
- ``STORE_URL`` (``sqlite:///<ARCHIVIST_HOME>/archivist.db``): the records database.

Stats: ``extract/articles``, ``extract/new``, ``extract/changed``, ``extract/unchanged``,
``extract/empty`` (no article in the page), ``extract/errors`` (logged with the URL),
``extract/not_stored`` (the database could not be opened: the records are in WARC),
``recrawl/removed`` (a known article's URL now serves a "not found" page with a 200:
``crawler.recrawl.soft_404``; the 404/410 and redirect cases are the capture's).
"""

from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from scrapy.exceptions import DropItem, NotConfigured

from archive import WarcFileWriter
from archive.extract import extract
from archive.store import Store, StoreError, search_text
from crawler.items import ArticlePage
from crawler.recrawl import records_url, soft_404

if TYPE_CHECKING:
    from datetime import datetime

    from scrapy.crawler import Crawler

    from archive.article import Article

logger = logging.getLogger(__name__)


def _extract_job(
    body: bytes, url: str, headers: dict[str, str], captured_at: datetime
) -> tuple[Article | None, str]:
    """Runs in a pool process: the article, and its search text (folding is slow in
    Python, so it is done here, off the crawl's reactor)."""
    article = extract(body, url, headers, captured_at=captured_at)
    return article, search_text(article) if article is not None else ""


class ExtractPipeline:
    """ArticlePage -> Article, in a process pool; records to the store and to WARC."""

    def __init__(
        self, crawler: Crawler, workers: int, store_url: str, derived_dir: Path, prefix: str
    ) -> None:
        self.crawler = crawler
        self.workers = workers
        self.store_url = store_url
        self.derived_dir = derived_dir
        self.prefix = prefix
        self.pool: ProcessPoolExecutor | None = None
        self.store: Store | None = None
        self.writer: WarcFileWriter | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("EXTRACT_ENABLED", True):
            raise NotConfigured
        home = Path(settings.get("ARCHIVIST_HOME") or "data")
        collection = settings.get("ARCHIVE_COLLECTION") or "default"
        store_url = records_url(settings)
        prefix = f"{settings.get('ARCHIVE_PREFIX') or collection}-extracted"
        return cls(
            crawler,
            settings.getint("EXTRACT_WORKERS", 1),
            store_url,
            home / "collections" / collection / "derived",
            prefix,
        )

    def open_spider(self) -> None:
        # spawn, not fork: the crawl process runs threads (DNS, the reactor's pool), and
        # a forked child can inherit a lock that one of them held.
        context = multiprocessing.get_context("spawn")
        self.pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context)
        self.writer = WarcFileWriter(self.derived_dir, prefix=self.prefix)
        try:
            self.store = Store(self.store_url)
        except StoreError:
            # The WARCs are the truth: capture goes on, `archivist extract` fills the
            # store later. Every article not stored is counted.
            logger.exception("No records database; articles go to WARC only")

    def close_spider(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True)
        if self.writer is not None:
            self.writer.close()
        if self.store is not None:
            self.store.close()

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticlePage):
            return item
        assert self.pool is not None
        stats = self.crawler.stats
        assert stats is not None
        future = self.pool.submit(
            _extract_job, item.body, item.url, dict(item.headers), item.fetched_at
        )
        try:
            article, search = await asyncio.wrap_future(future)
        except Exception as exc:
            stats.inc_value("extract/errors")
            logger.error(
                "Extraction failed for %s: %r", item.url, exc, extra={"spider": self.crawler.spider}
            )
            raise DropItem(f"extraction failed: {item.url}") from exc
        gone = soft_404(article.title, article.body) if article else soft_404(None, None)
        if gone and item.status == 200:
            self._maybe_soft_404(item, gone)
        if article is None:
            stats.inc_value("extract/empty")
            raise DropItem(f"no article text in {item.url}")
        if gone and self.store is not None and self.store.article_source(item.url) is not None:
            raise DropItem(f"{gone}: {item.url}")  # not a new version of the article
        status = self._record(item, article, search)
        stats.inc_value("extract/articles")
        stats.inc_value(f"extract/{status}")
        return item

    def _maybe_soft_404(self, item: ArticlePage, detail: str) -> None:
        """A known article's URL now serves a "not found" page with a 200: removed."""
        if self.store is None:
            return
        known = self.store.article_source(item.url)
        last = self.store.last_event(known[1]) if known else None
        if known is None or (last is not None and last.kind == "removed"):
            return
        capture_id = self._add_capture(item)
        self.store.add_event(
            known[1], known[0], item.collection, "removed", item.fetched_at, detail, 200, capture_id
        )
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("recrawl/removed")
        logger.warning("Article removed: %s %s", item.url, detail)

    def _add_capture(self, item: ArticlePage) -> int:
        assert self.store is not None
        content_type = {k.lower(): v for k, v in item.headers}.get("content-type", "")
        return self.store.add_capture(
            item.collection,
            item.url,
            item.fetched_at,
            item.status,
            content_type,
            item.response_ref.payload_digest,
            item.response_ref,
        )

    def _record(self, item: ArticlePage, article: Article, search: str) -> str:
        assert self.writer is not None
        fields = json.dumps(article.to_dict(), ensure_ascii=False)
        conversion, metadata = self.writer.write_derived(
            item.url, item.response_ref.record_id, article.body, fields
        )
        if self.store is None:
            return "not_stored"
        capture_id = self._add_capture(item)
        _, status = self.store.record_article(
            article,
            capture_id,
            item.source,
            conversion_id=conversion.record_id,
            metadata_id=metadata.record_id,
            search=search,
        )
        return status
