"""``archivist demo --changes``: the demo world crawled three times, changed in between.

After the first crawl the news site edits one of its articles and takes another down
(404); after the second it puts that one back and edits the first again. The second
and third crawls are full sweeps (``RECRAWL_SWEEP=full``), so the crawler asks again
for every article it knows and sees the takedown and the return, not only what the
feeds and sitemaps announce. The articles are chosen among those the blogs copied, so a
removal says how many copies keep it. Same world, same choices: the demo world is made
from a seed, and the edits' words are fixed here (their times are the clock's).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from crawler.demo.run import DemoReport, crawl_demo
from crawler.demo.server import DemoServer
from crawler.demo.world import NEWS, World

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from archive.store import Store
    from crawler.runs.child import CrawlResult

__all__ = ["EDITS", "ChangesReport", "Round", "run_changing_demo"]

EDITS = (
    "Cập nhật: tòa soạn đã bổ sung ý kiến của các chuyên gia kinh tế về dự án này.",
    "Cập nhật lần hai: bộ đã gửi văn bản giải thích, tòa soạn trích đăng toàn văn.",
)
"""The paragraphs the news site appends to the edited article, one an edit."""
SWEEP = {"RECRAWL_SWEEP": "full"}


@dataclass(frozen=True)
class Round:
    """One crawl of every demo source: what was done to the world before it, its runs."""

    before: str
    results: list[CrawlResult]
    seconds: float


@dataclass(frozen=True)
class ChangesReport:
    rounds: list[Round]
    started: datetime
    edited: str
    removed: str
    home: Path

    @property
    def ok(self) -> bool:
        return all(DemoReport(r.results, r.seconds, self.home).ok for r in self.rounds)


def run_changing_demo(
    home: Path,
    sources_dir: Path,
    size: int,
    store: Store,
    *,
    told: Callable[[Round], None] | None = None,
    timeout: float = 600,
) -> ChangesReport:
    """Crawl the demo world, change it, crawl, change it back, crawl; ``told`` hears of
    each round as it ends."""
    world, started = World(size), datetime.now(UTC)
    rounds: list[Round] = []
    with DemoServer(world) as server:

        def crawl(before: str, extra: dict[str, str] | None = None) -> None:
            began = time.monotonic()
            results = crawl_demo(server, home, sources_dir, store, timeout=timeout, extra=extra)
            rounds.append(Round(before, results, time.monotonic() - began))
            if told is not None:
                told(rounds[-1])

        crawl("the demo world as generated")
        edited, removed = _chosen(world, store)
        world.edit(edited, EDITS[0], datetime.now(UTC))
        world.delete(removed, "404")
        crawl(f"edited {edited}\ntook {removed} down (404)", SWEEP)
        world.restore(removed)
        world.edit(edited, EDITS[1], datetime.now(UTC))
        crawl(f"put {removed} back\nedited {edited} again", SWEEP)
    return ChangesReport(rounds, started, edited, removed, home)


def _chosen(world: World, store: Store) -> tuple[str, str]:
    """Two news articles to edit and to take down: ones the blogs copied, if any."""
    urls = world.article_urls(NEWS)
    originals = {pair.original.url for pair in store.republications()}
    copied = [url for url in urls if url in originals]
    others = [url for url in urls if url not in copied]
    first, second, *_ = [*copied, *others]
    return first, second
