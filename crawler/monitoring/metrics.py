"""``/metrics``: the records store's figures in Prometheus' text format.

A private ``CollectorRegistry`` with one collector that reads the store at each scrape
(a few grouped queries, ``Store.run_totals``), so every process that serves it reports
the same values and nothing is counted in memory. Families:

* ``archivist_runs{source,status}``: runs in the store (a gauge: a run moves between statuses)
* ``archivist_run_pages_total{source}``, ``archivist_run_bytes_total{source}``: summed over runs
* ``archivist_run_errors_total{source,kind}``: errors by kind (``http:404``, ``extraction`` ...)
* ``archivist_run_articles_total{source,change}``: articles per run, new / changed / unchanged
* ``archivist_articles{source}``: article records of each source that captured them
  (``article_sources``: an article two sources captured counts for both)
* ``archivist_last_success_timestamp_seconds{source}``: end of the last finished run
* ``archivist_last_run_status{source,status}``: 1 for the latest run's status, 0 for the others
* ``archivist_alerts_open{source,monitor,severity}``: open incidents (``crawler.monitoring.alerts``)
* ``archivist_scheduler_up``: 1 while a scheduler daemon holds ``<home>/locks/scheduler.lock``
* ``archivist_sources``: sources in the folder; ``archivist_source_scheduled{source}``
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

from archive.store import RUN_STATUSES

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from archive.store import Store
    from archive.store._monitor import RunTotals
    from crawler.sources.schema import Source

__all__ = ["CONTENT_TYPE_LATEST", "StoreCollector", "render_metrics", "scheduler_up"]

_PROC_LOCKS = "/proc/locks"


class StoreCollector(Collector):
    """Reads the store (and the scheduler's lock) at each ``collect``."""

    def __init__(self, store: Store, sources: Sequence[Source], home: Path) -> None:
        self.store = store
        self.sources = list(sources)
        self.home = home

    def collect(self) -> Iterator[Metric]:
        totals = self.store.run_totals()
        names = sorted(totals.sources() | {s.name for s in self.sources})
        yield from _run_families(totals, names)
        yield from _state_families(totals, names)
        up = GaugeMetricFamily("archivist_scheduler_up", "1 while a scheduler daemon runs")
        up.add_metric([], float(scheduler_up(self.home)))
        yield up
        count = GaugeMetricFamily("archivist_sources", "Sources in the sources folder")
        count.add_metric([], len(self.sources))
        yield count
        scheduled = GaugeMetricFamily(
            "archivist_source_scheduled",
            "1 if the source has an enabled schedule",
            labels=["source"],
        )
        for source in self.sources:
            on = source.schedule is not None and source.schedule.enabled
            scheduled.add_metric([source.name], float(on))
        yield scheduled


def _run_families(totals: RunTotals, names: list[str]) -> Iterator[Metric]:
    runs = GaugeMetricFamily("archivist_runs", "Runs in the store", labels=["source", "status"])
    for name in names:
        for status in sorted(RUN_STATUSES):
            runs.add_metric([name, status], totals.runs.get((name, status), 0))
    pages = CounterMetricFamily("archivist_run_pages", "Pages fetched by runs", labels=["source"])
    size = CounterMetricFamily("archivist_run_bytes", "Bytes archived by runs", labels=["source"])
    articles = CounterMetricFamily(
        "archivist_run_articles", "Articles seen by runs", labels=["source", "change"]
    )
    for name in names:
        pages.add_metric([name], totals.pages.get(name, 0))
        size.add_metric([name], totals.archived_bytes.get(name, 0))
        for change in ("new", "changed", "unchanged"):
            articles.add_metric([name, change], totals.run_articles.get((name, change), 0))
    errors = CounterMetricFamily(
        "archivist_run_errors", "Errors of runs, by kind", labels=["source", "kind"]
    )
    for (name, kind), value in sorted(totals.errors.items()):
        errors.add_metric([name, kind], value)
    yield from (runs, pages, size, articles, errors)


def _state_families(totals: RunTotals, names: list[str]) -> Iterator[Metric]:
    records = GaugeMetricFamily("archivist_articles", "Article records", labels=["source"])
    success = GaugeMetricFamily(
        "archivist_last_success_timestamp_seconds",
        "When the source's last finished run ended (Unix time)",
        labels=["source"],
    )
    last = GaugeMetricFamily(
        "archivist_last_run_status",
        "The status of the source's latest run",
        labels=["source", "status"],
    )
    for name in names:
        records.add_metric([name], totals.articles.get(name, 0))
        if name in totals.last_success:
            success.add_metric([name], totals.last_success[name].timestamp())
        if name in totals.last_status:
            for status in sorted(RUN_STATUSES):
                last.add_metric([name, status], float(totals.last_status[name] == status))
    alerts = GaugeMetricFamily(
        "archivist_alerts_open", "Open monitor incidents", labels=["source", "monitor", "severity"]
    )
    for (name, monitor, severity), value in sorted(totals.open_alerts.items()):
        alerts.add_metric([name, monitor, severity], value)
    yield from (records, success, last, alerts)


def render_metrics(store: Store, sources: Sequence[Source], home: Path) -> tuple[bytes, str]:
    """The metrics page: its body, and its ``Content-Type``."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(store, sources, home))
    return generate_latest(registry), CONTENT_TYPE_LATEST


def scheduler_up(home: Path) -> bool:
    """Whether a process holds the scheduler's ``flock`` on ``<home>/locks/scheduler.lock``.

    Read from ``/proc/locks`` where there is one: trying the lock instead would, for an
    instant, hold it, and a daemon starting at that instant would refuse to run.
    """
    path = home / "locks" / "scheduler.lock"
    try:
        inode = path.stat().st_ino
    except OSError:
        return False
    try:
        with Path(_PROC_LOCKS).open(encoding="ascii") as fh:
            return any(_is_flock_of(line, inode) for line in fh)
    except OSError:
        return _probe(path)


def _is_flock_of(line: str, inode: int) -> bool:
    # "1: FLOCK  ADVISORY  WRITE 1234 fe:00:2229598 0 EOF": the device is the lock's
    # superblock's, which overlay file systems report differently from stat(); the inode
    # number alone is enough for one file.
    fields = line.split()
    return len(fields) > 5 and fields[1] == "FLOCK" and fields[5].rsplit(":", 1)[-1] == str(inode)


def _probe(path: Path) -> bool:
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing drops a lock taken here
    return False
