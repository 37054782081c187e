"""End to end: `archivist scheduler` crawling the demo world, timing out a slow crawl, stopping
cleanly, and coming back after a kill with no running row left."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, timedelta
from pathlib import Path

import pytest

from archive.store import Store
from crawler.demo import DemoServer, World
from crawler.demo._cases import SLOW
from crawler.demo.run import route_settings
from tests.helpers.crawls import until, warc_files, warcio_check, write_scheduled_source

# -- end to end: `archivist scheduler` crawling the demo world --------------------------


@pytest.fixture(scope="module")
def slow_server():
    """A demo world whose slow page takes 12 s: a crawl of it outlives a 6 s limit, which
    itself outlives a crawl's start-up on a loaded machine (3 s did not, at load 7: the
    run was stopped before its first request)."""
    with DemoServer(World(6, slow_delay=12.0)) as server:
        yield server


class SchedulerProcess:
    def __init__(self, home: Path, server: DemoServer) -> None:
        self.home = home
        self.env = {
            **os.environ,
            "ARCHIVIST_HOME": str(home),
            "ARCHIVIST_SOURCES": str(home / "sources"),
            "ARCHIVIST_ROUTE_PROXIES": route_settings(server)["ROUTE_PROXIES"],
            "ARCHIVIST_LOOPBACK_ONLY": "1",
        }
        self.env.pop("ARCHIVIST_STORE_URL", None)
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        archivist = str(Path(sys.executable).with_name("archivist"))
        command = [archivist, "scheduler", "--reload-interval", "1", "--kill-after", "15"]
        self.proc = subprocess.Popen(
            command, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 60) -> int:
        assert self.proc is not None
        self.proc.send_signal(signum)
        code = self.proc.wait(timeout=timeout)
        self.proc.stderr.close()
        return code

    def kill_if_running(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


def _runs(home: Path, **filters):
    with Store.for_home(home) as store:
        return store.runs(**filters)


def test_scheduler_runs_due_crawls_times_out_a_slow_one_and_stops_cleanly(tmp_path, slow_server):
    sources = tmp_path / "sources"
    write_scheduled_source(sources, "nhanh", "http://goc-nhin.test/", "{every: 2s}", 12)
    slow = f"http://thoisu.test{SLOW}"
    write_scheduled_source(sources, "cham", slow, "{every: 2s, max_run_time: 6s}", 4)
    daemon = SchedulerProcess(tmp_path, slow_server)
    daemon.start()
    try:
        until(
            lambda: (
                len(_runs(tmp_path, source="nhanh", status="finished")) >= 2
                and _runs(tmp_path, source="cham", status="timed_out")
            ),
            timeout=120,
            what="two finished runs and a timed-out one",
        )
        assert daemon.stop(signal.SIGTERM) == 0
    finally:
        daemon.kill_if_running()

    runs = _runs(tmp_path)
    assert not [r for r in runs if r.status in {"running", "queued"}]
    finished = [r for r in runs if r.source == "nhanh" and r.status == "finished"]
    for run in finished:
        assert run.exit_code == 0
        assert run.pages >= 5
        assert run.warc_files
        assert run.finish_reason in {"finished", "closespider_pagecount"}
        assert Path(run.log_path).is_file()
    timed_out = _runs(tmp_path, source="cham", status="timed_out")[0]
    assert timed_out.finish_reason == "shutdown"  # asked to stop; Scrapy closed the WARCs
    started = timed_out.started_at.replace(tzinfo=UTC)
    ended = timed_out.finished_at.replace(tzinfo=UTC)
    assert timedelta(seconds=6) <= ended - started < timedelta(seconds=40)
    # Fires that came while a crawl of the same source still ran were skipped, on record.
    skipped = _runs(tmp_path, source="cham", status="skipped")
    assert skipped
    assert all("source still running" in r.finish_reason for r in skipped)
    files = warc_files(tmp_path)
    assert files
    assert not list(tmp_path.rglob("*.open"))
    assert warcio_check(files).returncode == 0


def test_a_killed_scheduler_leaves_no_running_row_after_it_comes_back(tmp_path, slow_server):
    slow = f"http://thoisu.test{SLOW}"
    write_scheduled_source(tmp_path / "sources", "lau", slow, "{every: 2s}", 3)
    daemon = SchedulerProcess(tmp_path, slow_server)
    daemon.start()
    try:
        running = until(
            lambda: _runs(tmp_path, status="running"), timeout=60, what="a running crawl"
        )[0]
        daemon.stop(signal.SIGKILL, timeout=10)  # no chance to close anything
        assert _runs(tmp_path, status="running")[0].id == running.id  # left behind

        daemon.start()
        closed = until(
            lambda: (
                (r := next(x for x in _runs(tmp_path) if x.id == running.id)).status != "running"
                and r
            ),
            timeout=90,
            what="the orphaned run to be closed",
        )
        if closed.status == "interrupted":  # its crawl died too: no final stats
            assert "--resume" in closed.finish_reason
        else:  # adopted, and closed with the exit code its crawl wrote down
            assert closed.status == "finished"
            assert "adopted after its watcher died" in closed.finish_reason
            assert closed.exit_code == 0
        assert daemon.stop(signal.SIGTERM) == 0
    finally:
        daemon.kill_if_running()
    assert not _runs(tmp_path, status="running")
    assert not _runs(tmp_path, status="queued")
    until(lambda: not list(tmp_path.rglob("*.open")), timeout=30, what="WARCs closed")
    assert warcio_check(warc_files(tmp_path)).returncode == 0
