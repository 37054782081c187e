"""scrapy-redis's scheduler, with a lease on every request a worker takes.

``LeasedScheduler`` is ``scrapy_redis.scheduler.Scheduler`` (the run's frontier and
seen-set in Redis, keyed per run) whose queue, ``LeasedQueue``, pops a request by moving
it into this worker's in-flight hash (``ClusterState.take``) instead of deleting it.
The lease is given back (``ack``) once the request has left Scrapy's engine: its
download, its callback and the requests the callback yielded are done, and those are in
the shared queue already. The engine keeps the requests it is working on in
``engine._slot.inprogress`` and removes one only after all of that (Scrapy 2.19,
``ExecutionEngine._start_scheduled_request``); every call for the next request, which the
engine makes after each removal, acks the leases whose request is no longer there. A
worker that dies holds its leases until the coordinator's ``reap`` puts them back.

Settings: ``CLUSTER_RUN``, ``CLUSTER_WORKER`` (set by ``crawler.cluster.addon``) and
scrapy-redis's own (``REDIS_URL``, ``SCHEDULER_QUEUE_KEY``, ``SCHEDULER_DUPEFILTER_KEY``).
Stats: ``cluster/leased``, ``cluster/acked``.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any, Self

from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler

from crawler.cluster.state import ClusterState, RunKeys

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler

__all__ = ["LEASE", "LeasedQueue", "LeasedScheduler"]

LEASE = "cluster_lease"
"""The request meta key holding the token of its lease."""


class LeasedQueue(PriorityQueue):  # type: ignore[misc]  # scrapy-redis has no type hints
    """scrapy-redis's priority queue whose ``pop`` leases instead of deleting."""

    state: ClusterState
    worker: str

    def pop(self, timeout: int = 0) -> Request | None:
        token = f"{self.worker}:{next(self._serial)}"
        data = self.state.take(self.worker, token)
        if data is None:
            return None
        request: Request = self._decode_request(data)
        request.meta[LEASE] = token
        return request

    def lease_from(self, state: ClusterState, worker: str) -> None:
        self.state = state
        self.worker = worker
        self._serial = itertools.count()


class LeasedScheduler(Scheduler):  # type: ignore[misc]  # scrapy-redis has no type hints
    """scrapy-redis's scheduler, leasing each request until the engine is done with it."""

    crawler: Crawler
    state: ClusterState
    worker: str
    leased: dict[str, Request]

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        scheduler: Self = super().from_crawler(crawler)
        settings = crawler.settings
        keys = RunKeys(str(settings.get("CLUSTER_PREFIX")), str(settings.get("CLUSTER_RUN")))
        scheduler.crawler = crawler
        scheduler.state = ClusterState(scheduler.server, keys)
        scheduler.worker = str(settings.get("CLUSTER_WORKER"))
        scheduler.leased = {}
        return scheduler

    def open(self, spider: Spider) -> Any:
        result = super().open(spider)
        assert isinstance(self.queue, LeasedQueue), "SCHEDULER_QUEUE_CLASS must be LeasedQueue"
        self.queue.lease_from(self.state, self.worker)
        return result

    def next_request(self) -> Request | None:
        self.ack_done()
        request: Request | None = super().next_request()
        if request is not None:
            self.leased[request.meta[LEASE]] = request
            self._inc("cluster/leased")
        return request

    def ack_done(self) -> None:
        """Give back the leases of requests the engine has finished with."""
        working = self._in_progress()
        done = [token for token, request in self.leased.items() if request not in working]
        for token in done:
            del self.leased[token]
        if done:
            self.state.ack(self.worker, done)
            self._inc("cluster/acked", len(done))

    def close(self, reason: str) -> Any:
        # The engine is done with everything by now (it closes once nothing is in
        # progress); a lease it never finished goes back to the queue with ``leave``.
        self.ack_done()
        return super().close(reason)

    def _in_progress(self) -> set[Request]:
        engine = self.crawler.engine
        slot = getattr(engine, "_slot", None)
        return set(getattr(slot, "inprogress", ()))

    def _inc(self, key: str, count: int = 1) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key, count)
