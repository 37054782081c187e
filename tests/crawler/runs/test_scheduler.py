"""The scheduler daemon: its decisions by a fixed clock, and real crawls end to end.

The decision tests drive APScheduler with a clock the test sets (its modules' ``datetime``
is replaced by one whose ``now`` reads that clock) and a runner that records each crawl
it is asked for, so that "fires at 10:00" means exactly 10:00. The end-to-end tests run
``archivist scheduler`` as a process against the demo world and read the runs table.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from archive.store import Store
from crawler.demo import DemoServer, World
from crawler.demo._cases import SLOW
from crawler.demo.run import route_settings
from crawler.runs.scheduler import JOB_PREFIX, Daemon, SchedulerError
from tests.helpers.crawls import warc_files, warcio_check

T0 = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)  # 10:00 in Hanoi


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class FixedDatetime(datetime):
    """``datetime`` whose ``now`` reads the test's clock (module level: it gets pickled)."""

    clock: Clock = Clock(T0)

    @classmethod
    def now(cls, tz=None):
        return cls.clock.now.astimezone(tz) if tz else cls.clock.now.replace(tzinfo=None)


@pytest.fixture
def clock(monkeypatch):
    import apscheduler.executors.base as executors
    import apscheduler.schedulers.base as schedulers
    from apscheduler.triggers import interval

    fixed = Clock(T0)
    monkeypatch.setattr(FixedDatetime, "clock", fixed)
    for module in (schedulers, executors, interval):
        monkeypatch.setattr(module, "datetime", FixedDatetime)
    return fixed


class Runner:
    """Records each crawl the daemon asks for; ``hold`` keeps a crawl running."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, float | None]] = []
        self.hold = threading.Event()
        self.hold.set()
        self.running = threading.Event()

    def __call__(self, source, path, options, stop):
        self.calls.append((source.name, options.max_run_time))
        self.running.set()
        self.hold.wait(30)
        self.running.clear()


def _source(folder: Path, name: str, schedule: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(
        f"name: {name}\nseeds: [http://thoisu.test/]\ncontact: tests@example.org\n"
        f"schedule: {schedule}\n",
        encoding="utf-8",
    )
    return path


def _until(predicate, timeout: float = 20.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _daemon(store: Store, home: Path, runner: Runner) -> Daemon:
    return Daemon(store, home, home / "sources", runner=runner, reload_interval=3600)


def _tick(daemon: Daemon, clock: Clock, **delta: float) -> None:
    clock.advance(**delta)
    daemon.scheduler.wakeup()
    time.sleep(0.3)  # let the scheduler thread look at the jobs


def _next_run(daemon: Daemon, name: str) -> datetime:
    job = daemon.scheduler.get_job(JOB_PREFIX + name)
    return job.next_run_time.astimezone(UTC)


def test_jobs_fire_at_their_instants_and_a_restart_keeps_them(tmp_path, clock, store_url):
    _source(tmp_path / "sources", "sang", "{cron: '0 6 * * *'}")  # 06:00 Hanoi = 23:00 UTC
    _source(tmp_path / "sources", "gio", "{every: 1h, max_run_time: 20m}")
    runner = Runner()
    with Store(store_url) as store:
        daemon = _daemon(store, tmp_path, runner)
        report = daemon.start()
        assert sorted(report.added) == ["gio", "sang"]
        assert _next_run(daemon, "sang") == datetime(2026, 11, 28, 23, 0, tzinfo=UTC)
        assert _next_run(daemon, "gio") == T0 + timedelta(hours=1)
        _tick(daemon, clock, minutes=59)
        assert runner.calls == []
        _tick(daemon, clock, minutes=1)
        _until(lambda: runner.calls == [("gio", 1200.0)], what="the hourly fire")
        daemon.shutdown()

        # Restarted 10 minutes later: same jobs, same next fire times, nothing re-added.
        clock.advance(minutes=10)
        again = _daemon(store, tmp_path, runner)
        report = again.start()
        assert report.added == []
        assert sorted(report.kept) == ["gio", "sang"]
        assert _next_run(again, "gio") == T0 + timedelta(hours=2)
        assert _next_run(again, "sang") == datetime(2026, 11, 28, 23, 0, tzinfo=UTC)
        again.shutdown()
    assert len(runner.calls) == 1


def test_an_overlapping_fire_is_skipped_and_recorded(tmp_path, clock):
    _source(tmp_path / "sources", "dai", "{every: 10m}")
    runner = Runner()
    runner.hold.clear()
    with Store.for_home(tmp_path) as store:
        daemon = _daemon(store, tmp_path, runner)
        daemon.start()
        try:
            _tick(daemon, clock, minutes=10)
            _until(runner.running.is_set, what="the first crawl")
            _tick(daemon, clock, minutes=10)  # due again while the first still runs
            skipped = _until(lambda: store.runs(source="dai", status="skipped"), what="a skip")
            assert len(skipped) == 1
            assert skipped[0].finish_reason.startswith("source still running when due at ")
            assert skipped[0].finished_at is not None
        finally:
            runner.hold.set()
            daemon.shutdown()
    assert [name for name, _ in runner.calls] == ["dai"]


def test_a_misfire_inside_the_grace_time_runs_once(tmp_path, clock):
    _source(tmp_path / "sources", "bu", "{every: 1h, misfire_grace: 2h}")
    runner = Runner()
    with Store.for_home(tmp_path) as store:
        daemon = _daemon(store, tmp_path, runner)
        daemon.start()
        daemon.shutdown()
        # Down for 2 h 30: fires at +1 h and +2 h were missed; +2 h is 30 min late.
        clock.advance(hours=2, minutes=30)
        again = _daemon(store, tmp_path, runner)
        again.start()
        _until(lambda: len(runner.calls) == 1, what="the make-up run")
        time.sleep(0.5)
        assert len(runner.calls) == 1  # coalesced: once, not once per missed fire
        assert _next_run(again, "bu") == T0 + timedelta(hours=3)
        again.shutdown()
        assert store.runs(status="skipped") == []


def test_a_misfire_beyond_the_grace_time_is_recorded_not_run(tmp_path, clock):
    _source(tmp_path / "sources", "lo", "{every: 1h, misfire_grace: 20m}")
    _source(tmp_path / "sources", "khong", "{every: 1h, catch_up: false}")
    runner = Runner()
    with Store.for_home(tmp_path) as store:
        daemon = _daemon(store, tmp_path, runner)
        daemon.start()
        daemon.shutdown()
        clock.advance(hours=3, minutes=30)
        again = _daemon(store, tmp_path, runner)
        again.start()
        skipped = _until(
            lambda: len(store.runs(status="skipped")) == 2 and store.runs(status="skipped")
        )
        again.shutdown()
    assert runner.calls == []
    assert {run.source for run in skipped} == {"lo", "khong"}
    for run in skipped:
        assert run.finish_reason.startswith("missed: due at 2026-11-28T13:00:00+07:00")


def test_schedule_files_are_picked_up_without_a_restart(tmp_path, clock, caplog):
    folder = tmp_path / "sources"
    _source(folder, "mot", "{every: 1h}")
    runner = Runner()
    with Store.for_home(tmp_path) as store:
        daemon = _daemon(store, tmp_path, runner)
        daemon.start()
        try:
            _source(folder, "hai", "{cron: '30 * * * *'}")
            _source(folder, "mot", "{every: 2h}")
            report = daemon.sync()
            assert (report.added, report.changed) == (["hai"], ["mot"])
            assert _next_run(daemon, "mot") == T0 + timedelta(hours=2)

            # A file that stops validating keeps its last good job, and says why.
            (folder / "hai.yaml").write_text("name: hai\nseeds: [nowhere]\n", encoding="utf-8")
            report = daemon.sync()
            assert report.kept == ["mot", "hai"] or sorted(report.kept) == ["hai", "mot"]
            assert "hai.yaml: seeds: 'nowhere' is not an absolute http(s) URL" in caplog.text
            assert daemon.scheduler.get_job(JOB_PREFIX + "hai") is not None

            (folder / "hai.yaml").unlink()
            _source(folder, "mot", "{every: 2h, enabled: false}")
            report = daemon.sync()
            assert sorted(report.removed) == ["hai", "mot"]
            assert daemon.jobs() == []
        finally:
            daemon.shutdown()


def test_one_daemon_per_data_folder(tmp_path):
    (tmp_path / "sources").mkdir()
    with Store.for_home(tmp_path) as store:
        first = _daemon(store, tmp_path, Runner())
        first.start()
        try:
            with pytest.raises(SchedulerError, match=r"another scheduler .* already runs for"):
                _daemon(store, tmp_path, Runner()).start()
        finally:
            first.shutdown()


# -- end to end: `archivist scheduler` crawling the demo world --------------------------


@pytest.fixture(scope="module")
def slow_server():
    """A demo world whose slow page takes 6 s: a crawl of it outlives a 3 s limit."""
    with DemoServer(World(6, slow_delay=6.0)) as server:
        yield server


def _crawl_source(folder: Path, name: str, seed: str, schedule: str, max_pages: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.yaml").write_text(
        f"name: {name}\nfamily: news\nseeds: ['{seed}']\ncontact: tests@example.org\n"
        f"limits: {{max_pages: {max_pages}}}\nschedule: {schedule}\n",
        encoding="utf-8",
    )


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
    _crawl_source(sources, "nhanh", "http://goc-nhin.test/", "{every: 2s}", 12)
    slow = f"http://thoisu.test{SLOW}"
    _crawl_source(sources, "cham", slow, "{every: 2s, max_run_time: 3s}", 4)
    daemon = SchedulerProcess(tmp_path, slow_server)
    daemon.start()
    try:
        _until(
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
    assert timedelta(seconds=3) <= ended - started < timedelta(seconds=30)
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
    _crawl_source(tmp_path / "sources", "lau", slow, "{every: 2s}", 3)
    daemon = SchedulerProcess(tmp_path, slow_server)
    daemon.start()
    try:
        running = _until(
            lambda: _runs(tmp_path, status="running"), timeout=60, what="a running crawl"
        )[0]
        daemon.stop(signal.SIGKILL, timeout=10)  # no chance to close anything
        assert _runs(tmp_path, status="running")[0].id == running.id  # left behind

        daemon.start()
        closed = _until(
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
    _until(lambda: not list(tmp_path.rglob("*.open")), timeout=30, what="WARCs closed")
    assert warcio_check(warc_files(tmp_path)).returncode == 0


def test_a_source_file_is_parsed_again_only_when_it_changed(store, tmp_path, monkeypatch):
    import crawler.runs.scheduler as scheduler_module
    from crawler.sources.schema import load_source

    sources = tmp_path / "sources"
    _crawl_source(sources, "mot", "http://a.test/", "{every: 1h}", 5)
    _crawl_source(sources, "hai", "http://b.test/", "{every: 1h}", 5)
    (sources / "hong.yaml").write_text("name: hong\nseeds: [\n", encoding="utf-8")
    parsed = []

    def counting(path):
        parsed.append(path.name)
        return load_source(path)

    monkeypatch.setattr(scheduler_module, "load_source", counting)
    daemon = Daemon(store, tmp_path, sources, runner=lambda *a: None, reload_interval=3600)
    daemon.scheduler.start(paused=True)
    try:
        first = daemon.sync()
        assert sorted(parsed) == ["hai.yaml", "hong.yaml", "mot.yaml"]
        assert "hong.yaml" in first.errors
        parsed.clear()
        again = daemon.sync()
        assert parsed == []  # nothing changed, nothing parsed
        assert again.errors == first.errors  # the broken file still reported
        _crawl_source(sources, "hai", "http://b.test/", "{every: 2h}", 5)
        os.utime(sources / "hai.yaml", ns=(1, time.time_ns() + 10**9))
        assert daemon.sync().changed == ["hai"]
        assert parsed == ["hai.yaml"]
    finally:
        daemon.scheduler.shutdown(wait=False)
