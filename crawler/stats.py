"""A stats collector that writes the run's figures to a JSON file, live and at the end.

Settings: ``STATS_FILE`` (unset): where to write; nothing is written when unset.
``STATS_FILE_INTERVAL`` (5 seconds): how often the figures so far are written while the
crawl runs (0: only at the end); those carry ``"live": true``. The run bookkeeping reads
this file (``crawler.runs.runbook``): it is the contract between a crawl process and whoever
started it.

A SIGTERM that arrives while the spider is already closing (say, at its page limit)
makes Scrapy 2.19 stop the reactor as soon as the engine's slot has closed, before the
first close reaches the stats collector; so at ``engine_stopped`` the figures so far
are written as final (``finish_reason`` as Scrapy set it, else ``shutdown``) unless the
close already wrote them.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from scrapy import signals
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.reactor import is_reactor_installed
from twisted.internet.task import LoopingCall

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

PROBE = "archivist_probe"
"""``Request.meta`` key: a request that may well find nothing (a list guessed, the page
past a list's end, robots.txt); a 4xx answer to it is no error of the run
(``crawler.middlewares.failures`` counts it apart)."""


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


class JsonFileStatsCollector(MemoryStatsCollector):
    """MemoryStatsCollector that persists the final stats to ``STATS_FILE``."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        path = crawler.settings.get("STATS_FILE")
        self.path = Path(path) if path else None
        self.interval = crawler.settings.getfloat("STATS_FILE_INTERVAL")
        self._live: LoopingCall | None = None
        self._final = False
        crawler.signals.connect(self._engine_stopped, signal=signals.engine_stopped)
        self._watching = False
        if is_reactor_installed():
            self._watch_reactor()

    def _watch_reactor(self) -> None:
        """A stop asked for before the engine runs (SIGTERM while the pipelines open, say)
        stops the reactor without closing the spider or the engine, and no signal says so:
        write the stats as they are when the reactor shuts down."""
        if self._watching:
            return
        from twisted.internet import reactor  # noqa: PLC0415 - the one Scrapy installed

        # (cast: zope's interface stubs declare methods without self, which mypy misreads)
        cast("Any", reactor).addSystemEventTrigger("before", "shutdown", self._engine_stopped)
        self._watching = True

    def open_spider(self, spider: Any = None) -> None:
        super().open_spider()
        self._watch_reactor()
        if self.path is not None and self.interval > 0:
            self._live = LoopingCall(self._write_live)
            self._live.start(self.interval, now=False)

    def close_spider(self, spider: Any = None, reason: str | None = None) -> None:
        if self._live is not None and self._live.running:
            self._live.stop()
        super().close_spider(reason=reason)

    def _write_live(self) -> None:
        self._write({**self._stats, "live": True})

    def _persist_stats(self, stats: dict[str, Any]) -> None:
        super()._persist_stats(stats)
        self._final = True
        self._write(stats)

    def _engine_stopped(self) -> None:
        if self._final or self.path is None:
            return
        if self._live is not None and self._live.running:
            self._live.stop()
        final = {**self._stats, "finish_time": datetime.now(UTC)}
        final.setdefault("finish_reason", "shutdown")
        logger.warning("The engine stopped before the spider finished closing: stats as they were")
        self._final = True
        self._write(final)

    def _write(self, stats: dict[str, Any]) -> None:
        if self.path is None:
            return
        data = {key: _plain(value) for key, value in sorted(stats.items())}
        tmp = self.path.with_name(self.path.name + ".tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
            tmp.replace(self.path)
        except OSError:
            logger.exception("Could not write the run's stats to %s", self.path)


def discovery_summary(stats: dict[str, Any]) -> list[tuple[str, str]]:
    """How a crawl found its pages, as (label, value) rows for people to read."""
    kinds: dict[str, int] = {}
    traps: dict[str, int] = {}
    for key, value in stats.items():
        parts = key.split("/")
        if parts[0] == "discovery" and len(parts) == 3 and parts[1] != "family":
            if parts[1] == "traps_avoided":
                traps[parts[2]] = int(value)
            else:
                kinds[f"{parts[2]} ({parts[1]})"] = int(value)
    rows = [("fetched by kind", ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) or "-")]
    families = {
        k.split("/", 2)[2]: v for k, v in stats.items() if k.startswith("discovery/family/")
    }
    if families:
        rows.append(("families found", ", ".join(f"{h}: {f}" for h, f in sorted(families.items()))))
    rows += [
        (
            "duplicates",
            (
                f"{stats.get('discovery/duplicates_skipped', 0)} links skipped, "
                f"{stats.get('discovery/variants_folded', 0)} URL variants folded"
            ),
        ),
        ("traps avoided", ", ".join(f"{n} {k}" for k, n in sorted(traps.items())) or "none"),
        ("robots.txt", f"{stats.get('robotstxt/forbidden', 0)} requests refused"),
        ("probes", _probes(stats)),
        (
            "sweep",
            (
                f"{stats.get('recrawl/sweep', '-')}, "
                f"{stats.get('recrawl/unchanged_skipped', 0)} unchanged articles left alone"
            ),
        ),
    ]
    waited = stats.get("politeness/retry_after", 0)
    if waited:
        rows.append(
            (
                "Retry-After",
                (
                    f"{waited} times, {stats.get('politeness/waited_seconds', 0)}s; "
                    f"{stats.get('politeness/hosts_given_up', 0)} hosts given up"
                ),
            )
        )
    return rows


def _probes(stats: dict[str, Any]) -> str:
    """The probes that found nothing (a list guessed, the page past its end): no errors."""
    found = {k.rsplit("/", 1)[1]: v for k, v in stats.items() if k.startswith("failures/expected/")}
    if not found:
        return "all found something"
    counted = ", ".join(f"{n} {kind}" for kind, n in sorted(found.items()))
    return f"{counted} (expected, not errors)"
