"""A crawl process as one worker of a distributed run: alive, idle, figures, end.

``ClusterWorkerExtension`` joins the run in Redis when the spider opens and, every
``CLUSTER_HEARTBEAT`` seconds, says it is alive (for ``CLUSTER_WORKER_TTL`` seconds: a
worker silent longer is dead, and its leases go back to the queue) and publishes its
stats, which the coordinator sums into the run's live figures. When Scrapy finds it
idle (nothing to download, scrape or schedule, and the shared queue empty) it says so,
and keeps the spider open (``DontCloseSpider``) until the coordinator declares the run
finished: another worker may still yield requests it should help with. Scrapy looks
for new requests every 5 seconds when idle; the heartbeat asks it sooner when the queue
has some, and when the run is over.

Settings: ``CLUSTER_RUN`` (None: not a worker, NotConfigured), ``CLUSTER_HEARTBEAT``,
``CLUSTER_WORKER_TTL``. Stats: ``cluster/idle_checks``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.utils.asyncio import create_looping_call

from crawler.cluster.scheduler import LeasedScheduler
from crawler.cluster.state import ClusterState, RunKeys, connect

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

__all__ = ["ClusterWorkerExtension"]

logger = logging.getLogger(__name__)
_CLOSING = 120.0  # seconds a closing worker is taken as alive without a heartbeat


class ClusterWorkerExtension:
    """Keeps the worker's place in the run: heartbeat, figures, idleness, leaving."""

    def __init__(
        self, crawler: Crawler, state: ClusterState, worker: str, beat: float, ttl: float
    ) -> None:
        self.crawler = crawler
        self.state = state
        self.worker = worker
        self.interval = beat
        self.ttl = ttl
        self._loop: Any = None
        self.closing = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        run = settings.get("CLUSTER_RUN")
        if not run:
            raise NotConfigured
        keys = RunKeys(str(settings.get("CLUSTER_PREFIX")), str(run))
        state = ClusterState(connect(str(settings.get("CLUSTER_REDIS_URL"))), keys)
        ext = cls(
            crawler,
            state,
            str(settings.get("CLUSTER_WORKER")),
            settings.getfloat("CLUSTER_HEARTBEAT"),
            settings.getfloat("CLUSTER_WORKER_TTL"),
        )
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self) -> None:
        self.state.join(self.worker, self.ttl)
        logger.info("Worker %s joined run %s", self.worker, self.state.keys.run_id)
        self._loop = create_looping_call(self.beat)
        self._loop.start(self.interval, now=False)

    def beat(self) -> None:
        """Alive, figures published; the engine nudged if there is work or the run ended."""
        try:
            if not self.closing:  # (closing, spider_idle said how long it is alive for)
                self.state.join(self.worker, self.ttl)  # back in the set if it was reaped
            assert self.crawler.stats is not None
            self.state.publish_stats(self.worker, self.crawler.stats.get_stats())
            queued, done = self.state.queued() > 0, self.state.is_done()
        except Exception:  # Redis blinked: the next beat tries again
            logger.exception("Worker %s could not reach Redis", self.worker)
            return
        engine = self.crawler.engine
        # Scrapy asks its scheduler again after each request it finishes, and otherwise
        # every 5 s (ExecutionEngine._SLOT_HEARTBEAT_INTERVAL): a worker with nothing in
        # flight would wait that long for requests other workers queued.
        slot = getattr(engine, "_slot", None)
        if slot is None or engine is None or self.closing:
            return
        if queued or (done and engine.spider_is_idle()):
            slot.nextcall.schedule()

    def spider_idle(self) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("cluster/idle_checks")
        engine = self.crawler.engine
        scheduler = getattr(getattr(engine, "_slot", None), "scheduler", None)
        if isinstance(scheduler, LeasedScheduler):
            scheduler.ack_done()
        self.state.idle(self.worker)
        if not self.state.is_done():
            raise DontCloseSpider
        # Closing may hold the reactor for a while (the extraction pool drains): the
        # coordinator waits for this worker's last word, not for its heartbeat.
        self.closing = True
        self.state.beat(self.worker, self.ttl + _CLOSING)

    def spider_closed(self, reason: str) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        assert self.crawler.stats is not None
        stats = {**self.crawler.stats.get_stats(), "finish_reason": reason}
        try:
            self.state.publish_stats(self.worker, stats)
            self.state.leave(self.worker)
        except Exception:  # the coordinator reaps it when its heartbeat lapses
            logger.exception("Worker %s could not leave the run cleanly", self.worker)
        logger.info("Worker %s left run %s (%s)", self.worker, self.state.keys.run_id, reason)
