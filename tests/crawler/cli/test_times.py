"""``archivist schedule list``, ``runs`` and ``run show``: whether the scheduler runs, the
job store's next fire times, and every time with its zone (``ARCHIVIST_TIMEZONE``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from crawler.cli import main
from crawler.runs.watch import JOB_PREFIX
from crawler.sources.times import shown_time

STAMP = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"


def _cli(sched_world, monkeypatch, *args: str, zone: str | None = None):
    monkeypatch.setenv("ARCHIVIST_HOME", str(sched_world.home))
    monkeypatch.setenv("ARCHIVIST_SOURCES", str(sched_world.sources))
    monkeypatch.setenv("ARCHIVIST_STORE_URL", sched_world.url)
    if zone is None:
        monkeypatch.delenv("ARCHIVIST_TIMEZONE", raising=False)
    else:
        monkeypatch.setenv("ARCHIVIST_TIMEZONE", zone)
    return CliRunner().invoke(main, list(args))


def _block(output: str, name: str) -> list[str]:
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(name + " "))
    end = next((i for i in range(start + 1, len(lines)) if not lines[i].startswith(" ")), None)
    return lines[start:end]


def test_schedule_list_shows_the_scheduler_and_the_stored_fire_time(sched_world, monkeypatch):
    utc = ZoneInfo("UTC")
    daemon = sched_world.daemon()
    daemon.start()
    try:
        stored = datetime.now(UTC).replace(microsecond=0) + timedelta(
            hours=2, minutes=17, seconds=5
        )
        daemon.scheduler.modify_job(JOB_PREFIX + "sang", next_run_time=stored)
        up = _cli(sched_world, monkeypatch, "schedule", "list", zone="UTC")
    finally:
        daemon.shutdown()
    assert up.exit_code == 0, up.output
    assert up.output.splitlines()[0].startswith("scheduler running (last heartbeat ")
    sang = _block(up.output, "sang")
    assert sang[1].strip() == f"{shown_time(stored, utc)} (next, from the scheduler)"
    assert sang[2].strip() == shown_time(stored + timedelta(hours=6), utc)
    last = sched_world.store.runs(source="sang")[0]
    assert sang[0].endswith(f"last run: finished {shown_time(last.started_at, utc)}")

    down = _cli(sched_world, monkeypatch, "schedule", "list", zone="UTC")
    assert down.exit_code == 0, down.output
    first = down.output.splitlines()[0]
    assert first.startswith("scheduler not running since ")
    assert first.endswith(": no scheduled run will start")
    sang = _block(down.output, "sang")
    assert sang[1:] == [
        f"{'':<26}none while the scheduler is down (its job store says {shown_time(stored, utc)})"
    ]


def test_runs_and_run_show_write_the_zone(sched_world, monkeypatch):
    run = sched_world.store.runs(source="hong")[0]
    listed = _cli(sched_world, monkeypatch, "runs")
    assert listed.exit_code == 0, listed.output
    saigon = shown_time(run.started_at, ZoneInfo("Asia/Ho_Chi_Minh"))
    assert saigon.endswith(" +07")
    assert saigon in listed.output
    shown = _cli(sched_world, monkeypatch, "run", "show", run.id, zone="Europe/Paris")
    assert shown.exit_code == 0, shown.output
    paris = ZoneInfo("Europe/Paris")
    for label, when in (("started", run.started_at), ("finished", run.finished_at)):
        assert f"{label + ':':<16}{shown_time(when, paris)}" in shown.output.splitlines()
    assert shown_time(run.started_at, paris).endswith((" CET", " CEST"))


@pytest.mark.parametrize("command", [["runs"], ["schedule", "list"]])
def test_a_bad_zone_is_one_line_naming_the_variable(sched_world, monkeypatch, command):
    result = _cli(sched_world, monkeypatch, *command, zone="Mars/Olympus")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    (line,) = result.output.strip().splitlines()
    assert "ARCHIVIST_TIMEZONE" in line
    assert "Mars/Olympus" in line
    assert "IANA" in line
