"""Scrapy's downloader, with its per-host concurrency limit made to hold under asyncio.

In Scrapy 2.19 ``Downloader._process_queue`` hands each queued request to a new task
and counts it against the slot's concurrency only once that task starts running
(``_download`` adds it to ``slot.transferring``). Under the asyncio reactor tasks do
not start eagerly, so one call drains the whole queue: measured here, 11 requests in
flight to one host with ``CONCURRENT_REQUESTS_PER_DOMAIN = 2``
(tests/e2e/test_politeness.py). This subclass counts a request as transferring the
moment it leaves the queue; ``_download`` adds it again (a set) and removes it when
done, as before.

It also keeps a least delay per slot (``delay_floors``: robots.txt's ``Crawl-delay``,
set by ``CrawlDelayExtension``), applied where requests leave the queue: AutoThrottle
rewrites ``slot.delay`` after every response and would take a slot under it. Everything
else is Scrapy's.
"""

from __future__ import annotations

from time import monotonic
from typing import TYPE_CHECKING

from scrapy.core.downloader import Downloader
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import deferred_from_coro

if TYPE_CHECKING:
    from scrapy.core.downloader import Slot
    from scrapy.crawler import Crawler

__all__ = ["PerHostDownloader"]


class PerHostDownloader(Downloader):
    """``Downloader`` whose slots never have more requests in flight than their concurrency."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.delay_floors: dict[str, float] = {}
        """Slot key -> the least seconds between two of its requests."""

    def _process_queue(self, slot: Slot) -> None:
        if slot.latercall:
            return
        now = monotonic()
        delay = slot.download_delay()
        if slot.queue and self.delay_floors:
            key = slot.queue[0][0].meta.get(self.DOWNLOAD_SLOT, "")  # set when it was queued
            delay = max(delay, self.delay_floors.get(str(key), 0.0))
        if delay:
            penalty = delay - now + slot.lastseen
            if penalty > 0:
                slot.latercall = call_later(penalty, self._latercall, slot)
                return
        while slot.queue and slot.free_transfer_slots() > 0:
            slot.lastseen = now
            request, queue_dfd = slot.queue.popleft()
            slot.transferring.add(request)  # counted now, not when its task first runs
            deferred_from_coro(self._wait_for_download(slot, request, queue_dfd))
            if delay:  # one request per delay, as Scrapy does
                self._process_queue(slot)
                break
