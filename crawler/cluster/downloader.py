"""The downloader of a distributed run: each host's manners held by all workers together.

``ClusterDownloader`` is ``PerHostDownloader`` (each slot's concurrency, delay and
``Crawl-delay`` floor, in this worker) that also asks Redis before a request leaves a
slot's queue (``ClusterState.grant``): the host's delay counts from the last request any
worker sent it, its ``Crawl-delay`` is the largest any worker read in robots.txt, a
``Retry-After`` one worker got holds the host for all (``hold``, called by
``RetryAfterMiddleware``), and at most ``per_host`` requests (the slot's concurrency,
a source's ``manners.per_host``) are on their way to it from the whole cluster. A place
is given back when the download ends, or after ``DOWNLOAD_TIMEOUT`` plus a margin if its
worker dies (``reap`` frees a dead worker's places at once).

Settings: ``CLUSTER_RUN``, ``CLUSTER_WORKER``, ``CLUSTER_REDIS_URL``, ``CLUSTER_PREFIX``.
Stats: ``cluster/host_waits``.
"""

from __future__ import annotations

import itertools
from time import monotonic
from typing import TYPE_CHECKING

from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import deferred_from_coro

from crawler.cluster.state import FULL, ClusterState, RunKeys, connect
from crawler.downloader import PerHostDownloader

if TYPE_CHECKING:
    from scrapy.core.downloader import Slot
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response

__all__ = ["ClusterDownloader"]

_FULL_RETRY = 0.1  # seconds before asking again for a host with every place taken
_PLACE = "cluster_host_place"  # request meta: (host, token) of its place


class ClusterDownloader(PerHostDownloader):
    """``PerHostDownloader`` whose per-host manners bind every worker of the run."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        settings = crawler.settings
        keys = RunKeys(str(settings.get("CLUSTER_PREFIX")), str(settings.get("CLUSTER_RUN")))
        self.state = ClusterState(connect(str(settings.get("CLUSTER_REDIS_URL"))), keys)
        self.worker = str(settings.get("CLUSTER_WORKER"))
        self.lease = settings.getfloat("DOWNLOAD_TIMEOUT") + 30.0
        self._serial = itertools.count()

    def hold_host(self, key: str, seconds: float) -> None:
        """Every worker leaves the host alone for ``seconds`` (a Retry-After)."""
        self.state.hold(key, seconds)

    def _process_queue(self, slot: Slot) -> None:
        if slot.latercall:
            return
        now = monotonic()
        key = str(slot.queue[0][0].meta.get(self.DOWNLOAD_SLOT, "")) if slot.queue else ""
        floor = self.delay_floors.get(key, 0.0)
        delay = max(slot.download_delay(), floor)
        if delay and delay - now + slot.lastseen > 0:
            slot.latercall = call_later(delay - now + slot.lastseen, self._latercall, slot)
            return
        while slot.queue and slot.free_transfer_slots() > 0:
            token = f"{self.worker}:{next(self._serial)}"
            wait = self.state.grant(
                key,
                token,
                delay=slot.delay,
                floor=floor,
                per_host=slot.concurrency,
                lease=self.lease,
            )
            if wait:
                assert self.crawler.stats is not None
                self.crawler.stats.inc_value("cluster/host_waits")
                later = _FULL_RETRY if wait == FULL else wait
                slot.latercall = call_later(later, self._latercall, slot)
                return
            slot.lastseen = now
            request, queue_dfd = slot.queue.popleft()
            request.meta[_PLACE] = (key, token)
            slot.transferring.add(request)  # counted now (crawler/downloader.py)
            deferred_from_coro(self._wait_for_download(slot, request, queue_dfd))
            if delay:
                self._process_queue(slot)
                break

    async def _download(self, slot: Slot, request: Request) -> Response:
        try:
            return await super()._download(slot, request)
        finally:
            place = request.meta.pop(_PLACE, None)
            if place is not None:
                self.state.release(*place)
