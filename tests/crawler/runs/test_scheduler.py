"""The scheduler daemon: its decisions by a fixed clock, and real crawls end to end.

The decision tests drive APScheduler with a clock the test sets (its modules' ``datetime``
is replaced by one whose ``now`` reads that clock) and a runner that records each crawl
it is asked for, so that "fires at 10:00" means exactly 10:00. The end-to-end tests run
``archivist scheduler`` as a process against the demo world and read the runs table.
"""

from __future__ import annotations

import os
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from archive.store import Store
from crawler.runs.scheduler import JOB_PREFIX, Daemon, SchedulerError
from tests.helpers.crawls import until, write_scheduled_source

if TYPE_CHECKING:
    from pathlib import Path

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
        until(lambda: runner.calls == [("gio", 1200.0)], what="the hourly fire")
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
            until(runner.running.is_set, what="the first crawl")
            _tick(daemon, clock, minutes=10)  # due again while the first still runs
            skipped = until(lambda: store.runs(source="dai", status="skipped"), what="a skip")
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
        until(lambda: len(runner.calls) == 1, what="the make-up run")
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
        skipped = until(
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


def test_a_source_file_is_parsed_again_only_when_it_changed(store, tmp_path, monkeypatch):
    import crawler.runs.scheduler as scheduler_module
    from crawler.sources.schema import load_source

    sources = tmp_path / "sources"
    write_scheduled_source(sources, "mot", "http://a.test/", "{every: 1h}", 5)
    write_scheduled_source(sources, "hai", "http://b.test/", "{every: 1h}", 5)
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
        write_scheduled_source(sources, "hai", "http://b.test/", "{every: 2h}", 5)
        os.utime(sources / "hai.yaml", ns=(1, time.time_ns() + 10**9))
        assert daemon.sync().changed == ["hai"]
        assert parsed == ["hai.yaml"]
    finally:
        daemon.scheduler.shutdown(wait=False)
