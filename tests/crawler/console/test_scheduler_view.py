"""The console says whether the scheduler runs, shows each source's next fire time as the
job store holds it, and a health sentence about the latest run; every time with its zone.
Over the real daemon (``crawler.runs.scheduler``) and the store, SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from crawler.runs.watch import JOB_PREFIX, heartbeat_path, read_state, write_heartbeat
from crawler.sources.times import shown_time
from tests.helpers.console_fixtures import page_tree
from tests.helpers.scheduler_world import REFUSED, SOURCES

UTC_ZONE = ZoneInfo("UTC")
IN_SOME_TIME = re.compile(r"\bin \d+ (s|min|h|d)\b")


def _page(sched_world, path: str = "/", **options):
    with sched_world.client(**options) as client:
        answer = client.get(path)
    assert answer.status_code == 200, answer.text
    return page_tree(answer.text)


def _row(tree, name: str):
    return tree.cssselect(f'tr[data-source="{name}"]')[0]


def _banner(tree):
    (banner,) = tree.cssselect("[data-scheduler]")
    return banner.get("data-scheduler"), banner.text_content().strip()


def test_without_a_scheduler_the_console_says_so_and_promises_no_run(sched_world):
    tree = _page(sched_world)
    state, text = _banner(tree)
    assert state == "down"
    assert "scheduler not running" in text
    assert "no scheduled run will start" in text
    for name in SOURCES:
        cell = _row(tree, name).cssselect("td.next")[0].text_content()
        assert "none: scheduler not running" in cell
        assert not IN_SOME_TIME.search(cell), cell
    assert not tree.cssselect(".next-run")


def test_next_fire_time_is_the_job_store_one_and_down_says_since_when(sched_world):
    daemon = sched_world.daemon()
    daemon.start()
    try:
        # A stored fire time that no "now + interval" can give.
        stored = datetime.now(UTC).replace(microsecond=0) + timedelta(
            hours=2, minutes=17, seconds=5
        )
        daemon.scheduler.modify_job(JOB_PREFIX + "sang", next_run_time=stored)
        cron = daemon.scheduler.get_job(JOB_PREFIX + "hong").next_run_time
        tree = _page(sched_world, zone=UTC_ZONE)
        source = _page(sched_world, "/sources/sang", zone=UTC_ZONE)
    finally:
        daemon.shutdown()
    state, text = _banner(tree)
    assert state == "up"
    assert text.startswith("scheduler running (last heartbeat ")
    assert text.endswith(" UTC)")
    sang = _row(tree, "sang").cssselect(".next-run")[0].text_content()
    assert sang == shown_time(stored, UTC_ZONE)
    assert _row(tree, "hong").cssselect(".next-run")[0].text_content() == shown_time(cron, UTC_ZONE)
    assert "in 2 h" in _row(tree, "sang").cssselect("td.next")[0].text_content()
    assert source.cssselect(".next-run")[0].text_content() == shown_time(stored, UTC_ZONE)
    assert _banner(source)[0] == "up"

    down = _page(sched_world, zone=UTC_ZONE)
    state, text = _banner(down)
    stopped = json.loads(heartbeat_path(sched_world.home).read_text())["stopped_at"]
    since = datetime.fromisoformat(stopped).astimezone(UTC_ZONE).strftime("%H:%M UTC")
    assert state == "down"
    assert text == f"scheduler not running since {since}: no scheduled run will start"
    assert not down.cssselect(".next-run")
    assert not IN_SOME_TIME.search(_row(down, "sang").cssselect("td.next")[0].text_content())


def test_a_silent_heartbeat_counts_as_down_from_its_last_beat(sched_world):
    write_heartbeat(sched_world.home, datetime.now(UTC), 10.0, stopped=False)
    now = datetime.now(UTC)
    assert read_state(sched_world.home, sched_world.store.engine, now).up
    later = now + timedelta(minutes=5)  # far beyond three beats and the grace
    state = read_state(sched_world.home, sched_world.store.engine, later)
    assert not state.up
    assert state.down_since == state.last_beat
    assert state.summary(UTC_ZONE, later).startswith("scheduler not running since ")


def test_health_tells_of_the_latest_run_in_words(sched_world):
    tree = _page(sched_world)
    sang = _row(tree, "sang").cssselect("td.health")[0].text_content().strip()
    assert sang.startswith("healthy: last run finished 2 h ago, 41 pages"), sang
    hong = _row(tree, "hong").cssselect("td.health")[0].text_content().strip()
    assert hong.startswith(f"failing: last run failed 5 min ago — {REFUSED}"), hong
    assert "run 20" not in hong  # no run id: the sentence is about the latest run
    assert "==" not in hong  # findings in words, not the monitor's formula
    assert "the run failed or timed out" not in hong  # the sentence said it already
    moi = _row(tree, "moi").cssselect("td.health")[0].text_content().strip()
    assert moi == "not known yet: never run"


def test_every_time_shown_carries_its_zone(sched_world):
    run = sched_world.store.runs(source="sang")[0]
    saigon = ZoneInfo("Asia/Ho_Chi_Minh")
    tree = _page(sched_world, f"/runs/{run.id}")
    figure = {c.get("data-figure"): c.text for c in tree.cssselect("td[data-figure]")}
    assert figure["started"] == shown_time(run.started_at, saigon)
    assert figure["started"].endswith(" +07")
    runs = _page(sched_world, "/runs", zone=UTC_ZONE).cssselect(f'tr[data-run="{run.id}"] td')[3]
    assert runs.text == shown_time(run.started_at, UTC_ZONE)
    assert runs.text.endswith(" UTC")
