"""The settings that make a crawl one worker of a distributed run (``CLUSTER_RUN`` set).

Called by ``ArchivistAddon``; values at the ``"addon"`` priority, so ``-s`` still wins.
The run's frontier and seen-set are scrapy-redis's, under the run's own keys, kept when
a worker closes (``SCHEDULER_PERSIST``): the run, not the worker, owns them.
"""

from __future__ import annotations

import os
import socket
from typing import TYPE_CHECKING

from crawler.cluster.keys import RunKeys

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

__all__ = ["enable_cluster", "worker_name"]


def worker_name() -> str:
    """``<host>-<pid>``: the crawl process, as its WARC files' names say it too."""
    return f"{socket.gethostname()}-{os.getpid()}"


def enable_cluster(settings: BaseSettings) -> None:
    run = settings.get("CLUSTER_RUN")
    if not run:
        return
    keys = RunKeys(str(settings.get("CLUSTER_PREFIX")), str(run))
    values = {
        "SCHEDULER": "crawler.cluster.scheduler.LeasedScheduler",
        "SCHEDULER_QUEUE_CLASS": "crawler.cluster.scheduler.LeasedQueue",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_QUEUE_KEY": keys.queue,
        "SCHEDULER_DUPEFILTER_KEY": keys.seen,
        "SCHEDULER_PERSIST": True,
        "REDIS_URL": settings.get("CLUSTER_REDIS_URL"),
        # PerHostDownloader, asking Redis before each request leaves a slot.
        "DOWNLOADER": "crawler.cluster.downloader.ClusterDownloader",
    }
    for name, value in values.items():
        settings.set(name, value, "addon")
    if not settings.get("CLUSTER_WORKER"):
        settings.set("CLUSTER_WORKER", worker_name(), "addon")
    # Imported here: a local crawl loads neither scrapy-redis nor redis.
    from crawler.cluster.extension import ClusterWorkerExtension  # noqa: PLC0415

    settings.setdefault_in_component_priority_dict("EXTENSIONS", ClusterWorkerExtension, 0)
