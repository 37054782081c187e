"""Scrapy's downloader, with its per-host concurrency limit made to hold under asyncio.

In Scrapy 2.19 ``Downloader._process_queue`` hands each queued request to a new task
and counts it against the slot's concurrency only once that task starts running
(``_download`` adds it to ``slot.transferring``). Under the asyncio reactor tasks do
not start eagerly, so one call drains the whole queue: measured here, 11 requests in
flight to one host with ``CONCURRENT_REQUESTS_PER_DOMAIN = 2``
(tests/test_politeness.py). This subclass counts a request as transferring the
moment it leaves the queue; ``_download`` adds it again (a set) and removes it when
done, as before. Everything else is Scrapy's.
"""

from __future__ import annotations

from time import monotonic
from typing import TYPE_CHECKING

from scrapy.core.downloader import Downloader
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import deferred_from_coro

if TYPE_CHECKING:
    from scrapy.core.downloader import Slot

__all__ = ["PerHostDownloader"]


class PerHostDownloader(Downloader):
    """``Downloader`` whose slots never have more requests in flight than their concurrency."""

    def _process_queue(self, slot: Slot) -> None:
        if slot.latercall:
            return
        now = monotonic()
        delay = slot.download_delay()
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
