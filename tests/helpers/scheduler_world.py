"""A small console world built in the store directly (no crawl): three sources, a
healthy run, a failed run whose every request was refused, a source never run; and the
real scheduler daemon over it, started and stopped by the tests."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from starlette.exceptions import StarletteDeprecationWarning

from archive.store import Store
from crawler.console import create_app
from crawler.runs.child import new_run_id
from crawler.runs.scheduler import Daemon

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

if TYPE_CHECKING:
    from pathlib import Path

REFUSED = (
    "nothing was fetched: every request was refused (connection refused by "
    "thoisu.test:80; is the site down?)"
)
SOURCES = {
    "sang": "{every: 6h}",
    "hong": "{cron: '0 6 * * *'}",
    "moi": "{every: 1d}",
}


@dataclass
class World:
    home: Path
    sources: Path
    store: Store
    url: str

    def client(self, **options: object) -> TestClient:
        return TestClient(create_app(self.home, self.sources, self.url, **options))

    def daemon(self) -> Daemon:
        return Daemon(self.store, self.home, self.sources, runner=_no_crawl, reload_interval=3600)


def _no_crawl(source, path, options, stop):  # the daemon's crawls are not under test
    return None


def _write_sources(folder: Path) -> None:
    folder.mkdir(parents=True)
    for name, schedule in SOURCES.items():
        (folder / f"{name}.yaml").write_text(
            f"name: {name}\nseeds: [http://{name}.test/]\ncontact: tests@example.org\n"
            f"schedule: {schedule}\n",
            encoding="utf-8",
        )


def _runs(store: Store) -> None:
    now = datetime.now(UTC)
    ok = new_run_id("sang")
    store.start_run(ok, "sang", "sang", started_at=now - timedelta(hours=2, minutes=5))
    store.finish_run(
        ok, "finished", finish_reason="finished", finished_at=now - timedelta(hours=2), pages=41
    )
    bad = new_run_id("hong")
    store.start_run(bad, "hong", "hong", started_at=now - timedelta(minutes=6))
    store.finish_run(
        bad,
        "failed",
        exit_code=0,
        finish_reason=REFUSED,
        finished_at=now - timedelta(minutes=5),
        errors={"download:ConnectionRefusedError": 12},
    )


@pytest.fixture
def sched_world(tmp_path: Path, store_url: str):
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    _write_sources(tmp_path / "sources")
    with Store(store_url) as store:
        _runs(store)
        yield World(home, tmp_path / "sources", store, store_url)
