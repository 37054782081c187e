"""Monitors fire on constructed bad runs and stay quiet on good ones; alerts reach a
webhook receiver on loopback once per incident, retried when it fails (``test_alerts.py``)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from pydantic import ValidationError

from archive.store import Store
from archive.store._monitor import ArticleShares
from crawler.monitoring.monitors import Monitor, MonitorConfig, ProgressTracker, evaluate
from crawler.sources.schedule import Schedule
from tests.helpers.monitor_runs import NOW, Runs, src
from tests.helpers.records import add_capture, sample_article

if TYPE_CHECKING:
    from crawler.sources.schema import Source


@pytest.fixture
def store(store_url):
    with Store(store_url) as opened:
        yield opened


HOURLY = Schedule(every=3600)


def _bad(runs: Runs, monitor: str) -> Source:
    runs.history()
    if monitor == "run_failed":
        runs.add(status="failed")
    elif monitor == "no_new_articles":
        for k in (3, 2, 1):
            runs.add(ago=timedelta(minutes=10 * k), articles_new=0, articles=0)
    elif monitor == "error_ratio":
        runs.add(errors={"http:404": 20, "extraction": 5})
    elif monitor == "dates_dropped":
        runs.add(dated=1)
    elif monitor == "authors_dropped":
        runs.add(authored=0)
    elif monitor == "stuck":
        runs.add(status="running", ago=timedelta(hours=2))  # its heartbeat stopped then
    elif monitor == "overdue":
        runs.add(ago=timedelta(hours=3))
        return src("s", schedule=HOURLY)
    return src("s")


def _good(runs: Runs, monitor: str) -> Source:
    runs.history()
    if monitor == "stuck":
        runs.add(status="running", ago=timedelta(minutes=1))
    else:
        runs.add(ago=timedelta(minutes=40), errors={"http:404": 2})
    return src("s", schedule=HOURLY if monitor == "overdue" else None)


MONITORS = [m.name for m in MonitorConfig().monitors()]


@pytest.mark.parametrize("monitor", MONITORS)
def test_each_monitor_fires_on_its_bad_run_only(store, monitor):
    findings = evaluate(store, _bad(Runs(store), monitor), NOW)
    assert [f.monitor for f in findings] == [monitor], [f.message for f in findings]
    finding = findings[0]
    assert finding.key == f"s/{monitor}"
    assert finding.run_id is not None
    assert finding.message.startswith("s: ")


@pytest.mark.parametrize("monitor", MONITORS)
def test_each_monitor_is_quiet_on_a_good_run(store, monitor):
    assert evaluate(store, _good(Runs(store), monitor), NOW) == []


def test_timed_out_counts_as_failed_and_stopped_or_skipped_runs_say_nothing(store):
    runs = Runs(store)
    runs.add(status="timed_out", ago=timedelta(hours=2))
    assert [f.monitor for f in evaluate(store, src("s"), NOW)] == ["run_failed"]
    runs.add(status="stopped", ago=timedelta(minutes=30), pages=0, articles_new=0)
    assert [f.monitor for f in evaluate(store, src("s"), NOW)] == ["run_failed"]


def test_a_crawl_whose_figures_stand_still_is_stuck_for_a_tracker(store):
    run_id = Runs(store).add(status="running", ago=timedelta(minutes=1))
    tracker = ProgressTracker()
    assert evaluate(store, src("s"), NOW, tracker) == []
    store.update_run(run_id, heartbeat_at=NOW + timedelta(minutes=40))  # beats, no progress
    findings = evaluate(store, src("s"), NOW + timedelta(minutes=40), tracker)
    assert [f.monitor for f in findings] == ["stuck"]
    store.update_run(run_id, pages=99)  # it moves again
    assert evaluate(store, src("s"), NOW + timedelta(minutes=41), tracker) == []


def test_defaults_are_retuned_disabled_and_extended_by_name(store):
    runs = Runs(store)
    runs.add(errors={"http:404": 15})  # 0.3 errors per page
    assert [f.monitor for f in evaluate(store, src("s"), NOW)] == ["error_ratio"]
    config = MonitorConfig.model_validate(
        {
            "error_ratio": {"threshold": 0.5},
            "run_failed": {"enabled": False},
            "custom": [{"name": "few_pages", "stat": "pages", "op": "<", "threshold": 100,
                        "severity": "info"}],
        }
    )  # fmt: skip
    findings = evaluate(store, src("s", monitors=config), NOW)
    assert [(f.monitor, f.severity) for f in findings] == [("few_pages", "info")]
    with pytest.raises(ValidationError, match="used twice"):
        MonitorConfig.model_validate({"custom": [{"name": "stuck", "stat": "pages", "op": "<",
                                                  "threshold": 1}]})  # fmt: skip
    with pytest.raises(ValidationError):
        MonitorConfig.model_validate({"eror_ratio": {"threshold": 1}})
    with pytest.raises(ValidationError):
        Monitor(name="x", stat="pages", op="=~", threshold=1)  # type: ignore[arg-type]


def test_a_run_that_only_revisits_articles_has_their_date_and_author_shares(store):
    runs = Runs(store)
    runs.add(ago=timedelta(hours=2), dated=3, authored=2)
    revisit = runs.revisit(of=1)
    shares = store.article_shares([revisit])
    assert shares == {revisit: ArticleShares(articles=4, dated=3, authored=2)}
    assert shares[revisit].dated_share == 0.75
    assert store.article_shares([]) == {}


def test_a_run_shares_what_the_version_in_force_at_its_capture_says(store):
    runs = Runs(store)
    first = runs.add(ago=timedelta(hours=3))
    edit = runs.add(ago=timedelta(hours=2), articles=0)  # then a new body, without a date
    url = "http://s.test/1/0"
    capture = add_capture(store, 999, url, NOW - timedelta(hours=2), run_id=edit)
    store.record_article(sample_article(url, body="edited", published=None), capture, "s")
    later = runs.revisit(of=1)
    shares = store.article_shares([first, edit, later])
    assert shares[first] == ArticleShares(4, 4, 4)  # the later version changes nothing here
    assert shares[edit] == ArticleShares(1, 0, 1)
    assert shares[later] == ArticleShares(4, 3, 4)


def test_a_share_drop_is_measured_against_runs_that_only_revisited(store):
    runs = Runs(store)
    runs.add(ago=timedelta(hours=10))
    for hours in range(9, 2, -1):  # more than the window: the first run is out of sight
        runs.revisit(of=1, ago=timedelta(hours=hours))
    runs.add(ago=timedelta(hours=1), dated=0)
    findings = evaluate(store, src("s"), NOW)
    assert [f.monitor for f in findings] == ["dates_dropped"], [f.message for f in findings]
