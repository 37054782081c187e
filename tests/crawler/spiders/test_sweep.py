"""Full sweeps and incremental runs: the plan, and what a second crawl of the demo
WordPress blog asks the server for (its request log)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from archive.store import Store
from crawler.demo.world import WORDPRESS
from crawler.sources.schema import Recrawl
from crawler.spiders.sweep import SweepPlan, parse_lastmod, plan_sweep, record_sweep
from tests.helpers.crawls import crawl, write_source

NOW = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)
KNOWN = {"http://w.test/2012/04/23/a/": datetime(2026, 11, 28, tzinfo=UTC)}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2012-04-23", datetime(2012, 4, 23, tzinfo=UTC)),
        ("2012-04-23T10:30:00+07:00", datetime(2012, 4, 23, 3, 30, tzinfo=UTC)),
        ("2012-04-23T03:30:00Z", datetime(2012, 4, 23, 3, 30, tzinfo=UTC)),
        ("2012-04-23T03:30:00", datetime(2012, 4, 23, 3, 30, tzinfo=UTC)),  # WP's *_gmt
        ("Mon, 23 Apr 2012 10:30:00 +0700", datetime(2012, 4, 23, 3, 30, tzinfo=UTC)),
        ("", None),
        ("last week", None),
        (None, None),
    ],
)
def test_lastmod_formats(value, expected):
    assert parse_lastmod(value) == expected


def test_the_sweep_cycle(tmp_path):
    state = tmp_path / "state" / "s.sweep.json"
    policy = Recrawl(full_sweep_every_runs=3, full_sweep_every=86400)
    first = plan_sweep(state, policy, {}, NOW)
    assert first.full
    record_sweep(state, first, NOW)
    plans = []
    for hour in range(1, 5):
        plan = plan_sweep(state, policy, KNOWN, NOW + timedelta(hours=hour))
        plans.append(plan.full)
        record_sweep(state, plan, NOW + timedelta(hours=hour))
    assert plans == [False, False, True, False]  # every 3rd run sweeps
    late = plan_sweep(state, policy, KNOWN, NOW + timedelta(days=2))
    assert late.full  # and so does a day without one
    assert plan_sweep(state, policy, KNOWN, NOW, mode="full").full
    assert plan_sweep(state, Recrawl(incremental=False), KNOWN, NOW).full
    with pytest.raises(ValueError, match="RECRAWL_SWEEP"):
        plan_sweep(state, policy, KNOWN, NOW, mode="sometimes")


def test_a_corrupt_state_file_means_a_full_sweep(tmp_path):
    state = tmp_path / "s.sweep.json"
    state.write_text("{not json", encoding="utf-8")
    assert plan_sweep(state, Recrawl(), KNOWN, NOW).full


def test_an_incremental_run_wants_only_what_changed():
    url = next(iter(KNOWN))
    plan = SweepPlan(False, "test", KNOWN)
    assert not plan.wants(url, None)
    assert not plan.wants(url, "2026-11-27T00:00:00Z")
    assert plan.wants(url, "2026-11-28T00:00:01Z")
    assert plan.wants("http://w.test/2012/04/24/new/", None)
    assert SweepPlan(True, "test", KNOWN).wants(url, None)


def test_an_incremental_recrawl_fetches_no_unchanged_post(tmp_path, world, demo_server):
    source = write_source(tmp_path / "src", "gocnhin", WORDPRESS, "wordpress", max_depth=8)
    posts = set(world.article_urls(WORDPRESS))

    def fetched_posts(since: int) -> list[str]:
        entries = demo_server.log[since:]
        return [
            f"http://{e.host}{e.target}" for e in entries if f"http://{e.host}{e.target}" in posts
        ]

    mark = len(demo_server.log)
    first = crawl(source, tmp_path / "home", demo_server)
    assert first.stats["recrawl/sweep"] == "full"
    assert sorted(fetched_posts(mark)) == sorted(posts)

    mark = len(demo_server.log)
    second = crawl(source, tmp_path / "home", demo_server)
    assert second.stats["recrawl/sweep"] == "incremental"
    assert fetched_posts(mark) == []
    assert second.stats["recrawl/unchanged_skipped"] == len(posts)  # each counted once
    assert second.stats["discovery/wordpress/seed"] == 1  # listings and lists are still read

    mark = len(demo_server.log)
    third = crawl(source, tmp_path / "home", demo_server, RECRAWL_SWEEP="full")
    assert third.stats["recrawl/sweep"] == "full"
    assert sorted(fetched_posts(mark)) == sorted(posts)


def test_run_show_tells_how_pages_were_found(tmp_path, demo_server):
    from click.testing import CliRunner

    from crawler.cli import main
    from crawler.demo.run import route_settings

    source = write_source(tmp_path / "src", "nhipcau", "nhipcau.blogspot.test", "blogger")
    env = {"ARCHIVIST_HOME": str(tmp_path / "home")}
    settings = [arg for k, v in route_settings(demo_server).items() for arg in ("-s", f"{k}={v}")]
    crawled = CliRunner().invoke(main, ["crawl", str(source), *settings], env=env)
    assert crawled.exit_code == 0, crawled.output
    with Store.for_home(tmp_path / "home") as store:
        (run,) = store.runs()
    stats = json.loads((tmp_path / "home" / "logs" / f"{run.id}.stats.json").read_text())
    shown = CliRunner().invoke(main, ["run", "show", run.id], env=env)
    assert shown.exit_code == 0, shown.output
    fetched = next(line for line in shown.output.splitlines() if "fetched by kind:" in line)
    assert f"{stats['discovery/blogger/feed']} feed (blogger)" in fetched
    traps = next(line for line in shown.output.splitlines() if "traps avoided:" in line)
    assert f"{stats['discovery/traps_avoided/search']} search" in traps
    assert "sweep:            full, 0 unchanged" in shown.output
