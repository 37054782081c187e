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
from archive.store import ArticleCapture, CaptureFields, Store, StoreError, soft_404

if TYPE_CHECKING:
    from collections.abc import Sequence
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
    error: str | None = None
    """What failed, if extracting or recording the page raised (its ``repr``)."""


@dataclass(frozen=True, slots=True)
class _Extracted:
    """A page extracted, its derived records written: its rows are still to keep."""

    item: ArticlePage
    article: Article
    conversion_id: str
    metadata_id: str
    before: Outcome
    """What came of the page before (a soft 404's stats and warnings)."""


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
        """Extract ``item``, write its derived records, keep its rows; raises if one fails."""
        extracted = self._extract(item)
        if isinstance(extracted, Outcome):
            return extracted
        return self._keep([extracted])[0]

    def pages(self, items: Sequence[ArticlePage]) -> list[Outcome]:
        """``page`` for each of ``items``, their rows in one transaction (a batch).

        Nothing is said of any page before that transaction commits. A page whose
        extraction raises, or whose rows fail the batch's transaction, gets its own
        ``Outcome.error``; the other pages are kept as they would be alone.
        """
        done: list[Outcome | _Extracted] = []
        for item in items:
            try:
                done.append(self._extract(item))
            except Exception as exc:  # noqa: BLE001 - told to the crawl, which logs it
                done.append(Outcome(error=repr(exc)))
        extracted = [page for page in done if isinstance(page, _Extracted)]
        try:
            kept = dict(zip(map(id, extracted), self._keep(extracted), strict=True))
        except Exception:  # noqa: BLE001 - one page's rows failed the batch: each alone
            kept = {id(page): self._keep_alone(page) for page in extracted}
        return [kept[id(page)] if isinstance(page, _Extracted) else page for page in done]

    def _extract(self, item: ArticlePage) -> Outcome | _Extracted:
        """Extract ``item`` and write its derived records; an ``Outcome`` if it goes no
        further (no article, a known article's soft 404)."""
        # Imported here, not above: the crawl process imports this module too (to send
        # ``batch_job`` to the pool) and never extracts; trafilatura stays out of it.
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
        fields = json.dumps(metadata_fields(article), ensure_ascii=False)
        conversion, metadata = self.writer.write_derived(
            item.url, item.response_ref.record_id, article.body, fields
        )
        return _Extracted(item, article, conversion.record_id, metadata.record_id, outcome)

    def _keep(self, pages: Sequence[_Extracted]) -> list[Outcome]:
        """Keep the rows of ``pages`` in one transaction; each page's outcome."""
        if not pages:
            return []
        if self.store is None:
            statuses = ["not_stored"] * len(pages)
        else:
            done = self.store.add_captures_with_articles(
                [
                    ArticleCapture(
                        CaptureFields(*_capture_fields(page.item)),
                        page.article,
                        page.item.source,
                        page.conversion_id,
                        page.metadata_id,
                    )
                    for page in pages
                ]
            )
            statuses = [status for _, _, status in done]
        outcomes = []
        for page, status in zip(pages, statuses, strict=True):
            warnings = page.before.warnings
            if self.unstored is not None:
                warnings, self.unstored = (*warnings, self.unstored), None
            stats = (*page.before.stats, "extract/articles", f"extract/{status}")
            outcomes.append(Outcome(stats, warnings))
        return outcomes

    def _keep_alone(self, page: _Extracted) -> Outcome:
        try:
            return self._keep([page])[0]
        except Exception as exc:  # noqa: BLE001 - told to the crawl, which logs it
            return Outcome(page.before.stats, page.before.warnings, error=repr(exc))

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


def batch_job(items: list[ArticlePage]) -> list[Outcome]:
    """``Recorder.pages`` in this pool process: one transaction for the batch."""
    assert _recorder is not None, "not a pool process started by ExtractPipeline"
    with _busy:
        return _recorder.pages(items)
