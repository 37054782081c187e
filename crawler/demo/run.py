"""``archivist demo``: serve the demo world, crawl every demo source once, summarise.

The demo sources are the files in the sources folder whose hosts all belong to the
demo world (``schedules/demo-*.yaml`` in the checkout). Each is crawled like any
other source, as its own process, into ``ARCHIVIST_HOME``, through the same run
bookkeeping as ``archivist crawl`` (so ``archivist runs`` lists them); a second demo on
the same data folder is a recrawl of the same URLs.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from crawler.demo import DemoServer, World
from crawler.runs.child import CrawlResult, read_stats
from crawler.runs.runbook import RunOptions, run_source
from crawler.sources.schema import Source, load_source

if TYPE_CHECKING:
    from collections.abc import Iterable

    from archive.store import Store

__all__ = [
    "NEVER_SERVED",
    "DemoReport",
    "crawl_demo",
    "demo_sources",
    "route_settings",
    "run_demo",
]

CHECKOUT_SOURCES = Path(__file__).resolve().parents[2] / "schedules"


@dataclass(frozen=True)
class DemoReport:
    results: list[CrawlResult]
    seconds: float
    home: Path

    @property
    def ok(self) -> bool:
        return bool(self.results) and all(r.ok for r in self.results)


def demo_sources(sources_dir: Path, hosts: Iterable[str]) -> list[tuple[Path, Source]]:
    """The demo sources (``demo-*.yaml``) whose every allowed host is a demo world host:
    never a user's own source, even one over the demo's hosts, nor a broken file of theirs."""
    known = set(hosts)
    found = []
    for folder in dict.fromkeys([sources_dir, CHECKOUT_SOURCES]):
        for path in sorted(folder.glob("demo-*.yaml")):
            source = load_source(path)
            if set(source.allowed_hosts) <= known:
                found.append((path, source))
        if found:
            return found
    return found


NEVER_SERVED = ("www.blogger.com", ".blogspot.com.vn")
"""Hosts the demo pages link to (admin and share links, a country alias) but never serve."""


def route_settings(server: DemoServer) -> dict[str, str]:
    """Crawl settings that send the demo hosts to the server and nowhere else.

    The hosts in ``NEVER_SERVED`` go to the server too, so that a request for one shows in
    its log (a 502, or a refused ``CONNECT`` for https) instead of being dropped unseen.
    """
    routes = dict.fromkeys((".test", *NEVER_SERVED), server.proxy_url)
    return {
        "ROUTE_PROXIES": json.dumps(routes),
        "NETWORK_LOOPBACK_ONLY": "1",
    }


def run_demo(
    home: Path, sources_dir: Path, size: int, store: Store, timeout: float = 600
) -> DemoReport:
    """Crawl every demo source at once, each recorded as a run in ``store``."""
    world = World(size)
    started = time.monotonic()
    with DemoServer(world) as server:
        results = crawl_demo(server, home, sources_dir, store, timeout=timeout)
    return DemoReport(results, time.monotonic() - started, home)


def crawl_demo(
    server: DemoServer,
    home: Path,
    sources_dir: Path,
    store: Store,
    *,
    timeout: float = 600,
    extra: dict[str, str] | None = None,
) -> list[CrawlResult]:
    """Crawl every demo source of ``server``'s world once, at once; ``extra``: more
    crawl settings (``RECRAWL_SWEEP``...)."""
    sources = demo_sources(sources_dir, server.world.hosts)
    if not sources:
        raise FileNotFoundError(f"no demo source files in {sources_dir} or {CHECKOUT_SOURCES}")
    settings = {**route_settings(server), **(extra or {})}
    options = RunOptions(max_run_time=timeout)

    def crawl(item: tuple[Path, Source]) -> CrawlResult:
        path, source = item
        began = time.monotonic()
        record = run_source(store, source, path, home, settings=settings, options=options)
        return CrawlResult(
            source=source.name,
            run_id=record.id,
            returncode=record.exit_code if record.exit_code is not None else -1,
            seconds=time.monotonic() - began,
            log_path=Path(record.log_path or home / "logs" / f"{record.id}.log"),
            stats=read_stats(home / "logs" / f"{record.id}.stats.json"),
        )

    with ThreadPoolExecutor(max_workers=len(sources)) as pool:
        return list(pool.map(crawl, sources))
