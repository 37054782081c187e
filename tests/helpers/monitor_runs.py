"""Runs for monitor and alert tests, built through the store's API at a fixed ``NOW``, and
the part of a ``Source`` that the monitors read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from crawler.monitoring.monitors import MonitorConfig
from tests.helpers.records import add_capture, sample_article, sample_ref

if TYPE_CHECKING:
    from archive.store import Store
    from crawler.sources.schedule import Schedule
    from crawler.sources.schema import Source

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class _Src:
    """What ``evaluate`` reads of a ``Source``; ``monitors`` before ``Source`` has it."""

    name: str
    schedule: Schedule | None
    monitors: MonitorConfig


def src(
    name: str, schedule: Schedule | None = None, monitors: MonitorConfig | None = None
) -> Source:
    return cast("Source", _Src(name, schedule, monitors or MonitorConfig()))


class Runs:
    """Builds runs (and the article versions they captured) through the store's API."""

    def __init__(self, store: Store, source: str = "s") -> None:
        self.store, self.source, self.n = store, source, 0

    def add(self, status="finished", ago=timedelta(hours=1), dated=4, authored=4, articles=4,
            **figures) -> str:  # fmt: skip
        self.n += 1
        run_id = f"{self.source}-{self.n:03d}"
        started = NOW - ago
        figures = {"pages": 50, "articles_new": 5, **figures}
        self.store.start_run(run_id, self.source, self.source, started_at=started)
        if status != "running":
            self.store.finish_run(run_id, status, finished_at=started + timedelta(minutes=5),
                                  finish_reason="test", **figures)  # fmt: skip
        for i in range(articles):
            url = f"http://{self.source}.test/{self.n}/{i}"
            capture = add_capture(self.store, self.n * 100 + i, url, started, run_id=run_id)
            missing: dict[str, Any] = {}
            if i >= dated:
                missing["published"] = None
            if i >= authored:
                missing["authors"] = ()
            article = sample_article(url, body=f"body {self.n} {i}", **missing)
            self.store.record_article(article, capture, self.source)
        return run_id

    def revisit(self, of: int, ago=timedelta(hours=1), articles=4) -> str:  # fmt: skip
        """A run that only recaptures run ``of``'s articles: 304 revisits, nothing new."""
        self.n += 1
        run_id = f"{self.source}-{self.n:03d}"
        started = NOW - ago
        self.store.start_run(run_id, self.source, self.source, started_at=started)
        self.store.finish_run(run_id, "finished", finished_at=started + timedelta(minutes=5),
                              finish_reason="test", pages=50, articles_new=0)  # fmt: skip
        for i in range(articles):
            url, k = f"http://{self.source}.test/{of}/{i}", self.n * 100 + i
            self.store.add_capture("demo", url, started, 304, "text/html", f"sha1:D{k}", sample_ref(k),
                                   run_id, record_type="revisit",
                                   refers_to=f"<urn:uuid:rec-{of * 100 + i}>")  # fmt: skip
        return run_id

    def history(self, count: int = 3) -> None:
        for k in range(count, 0, -1):
            self.add(ago=timedelta(hours=k + 1))
