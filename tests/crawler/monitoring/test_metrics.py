"""``/metrics``: parsed with prometheus-client's own parser, its values checked against the store."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from archive.store import RUN_STATUSES, Store
from crawler.monitoring.metrics import render_metrics, scheduler_up
from crawler.runs.runbook import SourceLock
from crawler.sources.schema import Source
from tests.helpers.records import add_article, sample_article

T0 = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)


def _source(name: str, schedule: dict | None = None) -> Source:
    data = {"name": name, "seeds": [f"http://{name}.test/"], "contact": "tests@example.org"}
    if schedule is not None:
        data["schedule"] = schedule
    return Source.model_validate(data)


def _run(store: Store, run_id: str, source: str, status: str, at: datetime, **figures) -> None:
    store.start_run(run_id, source, source, started_at=at)
    store.finish_run(run_id, status, finished_at=at + timedelta(minutes=5), **figures)


@pytest.fixture
def store(store_url):
    with Store(store_url) as opened:
        yield opened


@pytest.fixture
def filled(store):
    """Two sources with runs of several statuses, errors of several kinds, and articles."""
    _run(store, "a1", "alpha", "finished", T0, pages=40, archived_bytes=4000, articles_new=3,
         errors={"http:404": 2, "extraction": 1})  # fmt: skip
    _run(store, "a2", "alpha", "failed", T0 + timedelta(hours=1), pages=7, archived_bytes=700,
         articles_changed=1, articles_unchanged=2, errors={"http:404": 5})  # fmt: skip
    _run(store, "b1", "beta", "finished", T0, pages=12, archived_bytes=1200, articles_new=2)
    _run(store, "b2", "beta", "timed_out", T0 + timedelta(hours=2), pages=3,
         errors={"download:TimeoutError": 4})  # fmt: skip
    store.start_run("b3", "beta", "beta", status="queued")
    store.finish_run("b3", "skipped", finish_reason="source still running",
                     finished_at=T0 + timedelta(hours=2, minutes=30))  # fmt: skip
    store.start_run("b4", "beta", "beta", started_at=T0 + timedelta(hours=3))
    for n, url in enumerate(["http://alpha.test/a/1", "http://alpha.test/a/2"], start=1):
        add_article(store, n, sample_article(url, body=f"body {n}"), source="alpha")
    add_article(store, 3, sample_article("http://beta.test/b/1", body="body 3"), source="beta")
    return store


def _families(body: bytes) -> dict[str, list]:
    return {f.name: f.samples for f in text_string_to_metric_families(body.decode())}


def _values(samples, name: str, *labels: str) -> dict[tuple[str, ...], float]:
    return {tuple(s.labels[k] for k in labels): s.value for s in samples if s.name == name}


def test_metrics_parse_and_match_the_store(filled, tmp_path):
    sources = [_source("alpha"), _source("beta", {"every": "1h"}), _source("gamma")]
    body, content_type = render_metrics(filled, sources, tmp_path)
    assert content_type.startswith("text/plain; version=")
    families = _families(body)
    runs = filled.runs()

    expected_runs = {(r.source, r.status): 0 for r in runs}
    for r in runs:
        expected_runs[r.source, r.status] += 1
    counted = _values(families["archivist_runs"], "archivist_runs", "source", "status")
    assert {k: v for k, v in counted.items() if v} == expected_runs
    assert counted["gamma", "finished"] == 0  # a source without runs is there, at zero
    assert {s for s, _ in counted} == {"alpha", "beta", "gamma"}
    assert {st for _, st in counted} == RUN_STATUSES

    for family, field in (("pages", "pages"), ("bytes", "archived_bytes")):
        name = f"archivist_run_{family}_total"
        got = _values(families[f"archivist_run_{family}"], name, "source")
        for source in ("alpha", "beta"):
            want = sum(getattr(r, field) for r in runs if r.source == source)
            assert got[source,] == want

    errors: dict[tuple[str, str], int] = {}
    for r in runs:
        for kind, count in r.errors.items():
            errors[r.source, kind] = errors.get((r.source, kind), 0) + count
    got = _values(families["archivist_run_errors"], "archivist_run_errors_total", "source", "kind")
    assert got == errors

    articles = _values(families["archivist_run_articles"], "archivist_run_articles_total",
                       "source", "change")  # fmt: skip
    assert articles["alpha", "new"] == 3
    assert articles["alpha", "changed"] == 1
    assert articles["alpha", "unchanged"] == 2

    records = _values(families["archivist_articles"], "archivist_articles", "source")
    stored = filled.articles()
    for source in ("alpha", "beta", "gamma"):
        assert records[source,] == sum(1 for a in stored if a.source == source)

    success = _values(families["archivist_last_success_timestamp_seconds"],
                      "archivist_last_success_timestamp_seconds", "source")  # fmt: skip
    for source in ("alpha", "beta"):
        last = max(r.finished_at for r in runs if r.source == source and r.status == "finished")
        assert success[source,] == pytest.approx(last.timestamp())
    assert ("gamma",) not in success

    last_status = _values(families["archivist_last_run_status"], "archivist_last_run_status",
                          "source", "status")  # fmt: skip
    assert {k for k, v in last_status.items() if v == 1} == {
        ("alpha", "failed"),
        ("beta", "running"),  # begun after the skipped one was skipped
    }

    scheduled = _values(families["archivist_source_scheduled"], "archivist_source_scheduled",
                        "source")  # fmt: skip
    assert scheduled == {("alpha",): 0, ("beta",): 1, ("gamma",): 0}
    assert families["archivist_sources"][0].value == 3
    assert families["archivist_scheduler_up"][0].value == 0


def test_each_scrape_reads_the_store_again(store, tmp_path):
    body, _ = render_metrics(store, [], tmp_path)
    assert "archivist_runs{" not in body.decode()
    _run(store, "x1", "alpha", "finished", T0, pages=5)
    body, _ = render_metrics(store, [], tmp_path)
    pages = _values(_families(body)["archivist_run_pages"], "archivist_run_pages_total", "source")
    assert pages == {("alpha",): 5}


def test_open_alerts_are_counted(store, tmp_path):
    store.open_alert("alpha/run_failed", "alpha", "run_failed", "error", "failed", "a1", T0)
    closed, _ = store.open_alert("beta/stuck", "beta", "stuck", "error", "stuck", "b1", T0)
    store.resolve_alert(closed.id, T0)
    body, _ = render_metrics(store, [], tmp_path)
    samples = _families(body)["archivist_alerts_open"]
    got = _values(samples, "archivist_alerts_open", "source", "monitor", "severity")
    assert got == {("alpha", "run_failed", "error"): 1}


_HOLD = (
    "import sys; from pathlib import Path; from crawler.runs.runbook import SourceLock\n"
    "lock = SourceLock(Path(sys.argv[1]), 'scheduler'); assert lock.acquire('scheduler')\n"
    "print('held', flush=True); sys.stdin.read()\n"
)


def test_scheduler_up_while_another_process_holds_the_lock(tmp_path):
    assert scheduler_up(tmp_path) is False  # no lock file at all
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(tmp_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        assert scheduler_up(tmp_path) is True
    finally:
        holder.communicate("", timeout=30)
    assert scheduler_up(tmp_path) is False
    # Looking does not take the lock: a daemon starting now gets it.
    lock = SourceLock(tmp_path, "scheduler")
    assert lock.acquire("scheduler")
    lock.release()
