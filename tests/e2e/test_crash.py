"""Kill it anywhere: what a crawl killed outright leaves, and how it is taken up again."""

from __future__ import annotations

import signal
import time
from pathlib import Path

from crawler.demo.run import route_settings
from crawler.runs.child import CrawlRun
from crawler.sources.schema import load_source
from tests.helpers.crawls import write_source


def _children(pid: int) -> set[int]:
    """The processes ``pid`` started that still run (Linux: /proc/<pid>/task/*/children)."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found.update(int(c) for c in (task / "children").read_text().split())
        except OSError:
            continue
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended


def test_the_extraction_processes_end_with_a_killed_crawl(tmp_path, demo_server):
    source = write_source(tmp_path / "sources", "chet-theo", "thoisu.test")
    settings = {**route_settings(demo_server), "DOWNLOAD_DELAY": "0.2", "EXTRACT_WORKERS": "2"}
    run = CrawlRun(load_source(source), source, tmp_path, settings)
    run.start()
    assert run.pid is not None
    deadline = time.monotonic() + 90
    while len(pool := _children(run.pid)) < 2 or not run.read_stats().get("extract/articles"):
        assert run.poll() is None, "the crawl ended before its pool was at work"
        assert time.monotonic() < deadline, "no pool at work"
        time.sleep(0.1)
    run.signal(signal.SIGKILL)
    run.wait(timeout=30)
    deadline = time.monotonic() + 15
    while left := [pid for pid in pool if _alive(pid)]:
        assert time.monotonic() < deadline, f"extraction processes outlived the crawl: {left}"
        time.sleep(0.1)
    # Each closed its derived WARC between two pages before it went: nothing left open.
    assert not list((tmp_path / "collections").rglob("derived/*.open"))
    assert list((tmp_path / "collections").rglob("derived/*.warc.gz"))
