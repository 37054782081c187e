"""In an extraction process: extract a page, write its derived records, keep them.

What ``crawler.pipelines.extract``'s pool processes run, apart from the pipeline so
that they import neither Scrapy nor Twisted (measured: 33 MB less in each process).
"""

from __future__ import annotations

import contextlib
import json
import logging
import multiprocessing
import multiprocessing.connection
import os
import threading
from dataclasses import dataclass
from multiprocessing import util as mp_util
from typing import TYPE_CHECKING, Any

from archive import WarcFileWriter
from archive.store import CaptureFields, Store, StoreError, soft_404

if TYPE_CHECKING:
    from datetime import datetime
    from pathlib import Path

    from archive import RecordRef
    from archive.text.article import Article
    from crawler.items import ArticlePage

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
        # Imported here, not above: the crawl process imports this module too (to send
        # ``page_job`` to the pool) and never extracts; trafilatura stays out of it.
        from archive.text.extract import extract  # noqa: PLC0415

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
"""This pool process's recorder (set by ``start_process``)."""
_busy = threading.Lock()
"""Held while the recorder handles a page, so that it is closed between pages only."""


def start_process(store_url: str | None, derived_dir: Path, prefix: str) -> None:
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


def page_job(item: ArticlePage) -> Outcome:
    assert _recorder is not None, "not a pool process started by ExtractPipeline"
    with _busy:
        return _recorder.page(item)
