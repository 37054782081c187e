"""The operators' console (archivist serve) through Starlette's TestClient, driven over
real data (``tests/helpers/console_fixtures.py``): a demo crawl, a recrawl, a crashed run, a
running run with live stats, an edit and a removal. Every page and rule is checked
against the store; ``test_console_browser.py`` loads the pages in headless Chromium.
"""

from __future__ import annotations

import re
import warnings
from collections import Counter

import pytest
from click.testing import CliRunner
from prometheus_client.parser import text_string_to_metric_families
from starlette.exceptions import StarletteDeprecationWarning

from archive.store import Store
from crawler.cli.operators import serve_command
from crawler.console import create_app
from crawler.console._charts import charted_runs
from crawler.console.plots import Series, bar_chart, line_chart, nice_ticks
from tests.helpers.console_fixtures import LIVE_ID, console_data, page_tree

with warnings.catch_warnings():
    # Starlette 1.x asks for httpx2 for its TestClient; httpx (a test extra) still works.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient


@pytest.fixture(scope="module")
def data(request, tmp_path_factory):
    return console_data(request, tmp_path_factory)


@pytest.fixture(scope="module")
def store(data):
    with Store.for_home(data[0]) as opened:
        yield opened


@pytest.fixture(scope="module")
def client(data):
    with TestClient(create_app(*data)) as test_client:
        yield test_client


# -- pages, through Starlette's TestClient -------------------------------------------


def test_overview_shows_each_source_last_run(client, store):
    tree = page_tree(client.get("/").text)
    for name in ("demo-news", "demo-nhipcau", "demo-tiengdan", "broken"):
        last = store.runs(source=name, limit=1)[0]
        row = tree.cssselect(f'tr[data-source="{name}"]')[0]
        assert row.cssselect("a.run-id")[0].text == last.id
        assert row.cssselect(".status")[0].text == last.status
        assert row.cssselect(".pages")[0].text == str(last.pages)
        assert row.cssselect(".errors")[0].text == str(sum(last.errors.values()))
    # No scheduler runs over these data: no next run, and the schedule its file gives.
    news = tree.cssselect('tr[data-source="demo-news"] td.next')[0].text_content()
    assert "none: scheduler not running" in news
    assert "cron '0 */3 * * *' (Asia/Ho_Chi_Minh, max 45m)" in news  # schedules/demo-news.yaml
    assert "by hand only" in tree.cssselect('tr[data-source="broken"]')[0].text_content()


def test_runs_page_lists_and_filters(client, store):
    rows = page_tree(client.get("/runs").text).cssselect("tr[data-run]")
    assert [r.get("data-run") for r in rows] == [r.id for r in store.runs()]
    failed = page_tree(client.get("/runs?status=failed").text).cssselect("tr[data-run]")
    assert [r.get("data-run") for r in failed] == [r.id for r in store.runs(status="failed")]
    news = page_tree(client.get("/runs?source=demo-news").text).cssselect("tr[data-run]")
    assert len(news) == 2
    assert client.get("/runs?status=bogus").status_code == 400


def test_a_run_page_shows_its_figures_errors_files_log_and_replay_links(client, store):
    run = store.runs(source="demo-news")[-1]  # the first crawl: 404, 410, 500s
    tree = page_tree(client.get(f"/runs/{run.id}").text)
    figure = {c.get("data-figure"): c.text for c in tree.cssselect("td[data-figure]")}
    assert figure["pages"] == str(run.pages)
    assert figure["articles new"] == str(run.articles_new) == "30"
    assert figure["errors"] == str(sum(run.errors.values()))
    kinds = {c.get("data-kind"): int(c.text) for c in tree.cssselect("td[data-kind]")}
    assert kinds == run.errors
    hosts = [
        tuple(td.text_content() for td in tr.cssselect("td"))
        for tr in tree.cssselect(".errors-by-host tr")[1:]
    ]
    assert ("thoisu.test", "http:500", str(run.errors["http:500"])) in hosts
    assert [li.text for li in tree.cssselect(".warcs code")] == list(run.warc_files)
    links = [a.get("href") for a in tree.cssselect("a.replay")]
    assert len(links) == 30
    assert all(
        re.match(r"http://127\.0\.0\.1:8080/demo/\d{14}/http://thoisu\.test/", u) for u in links
    )
    tail = tree.cssselect("pre.log")[0].text_content()
    assert "Failed (http:500): http://thoisu.test/" in tail
    assert "Dumping Scrapy stats" not in tail


def test_a_failed_run_page(client, store):
    run = store.runs(source="broken")[0]
    tree = page_tree(client.get(f"/runs/{run.id}").text)
    figure = {c.get("data-figure"): c.text for c in tree.cssselect("td[data-figure]")}
    assert figure["status"] == "failed"
    assert figure["finish reason"] == run.finish_reason
    assert figure["exit code"] == str(run.exit_code) != "0"
    assert "ROUTE_PROXIES" in tree.cssselect("pre.log")[0].text_content()


def test_unknown_run_and_source_are_404(client):
    assert client.get("/runs/no-such-run").status_code == 404
    assert client.get("/sources/no-such-source").status_code == 404


def test_source_page_charts_one_point_per_run(client, store):
    runs = charted_runs(store, "demo-news")
    assert len(runs) == 2
    tree = page_tree(client.get("/sources/demo-news").text)
    charts = {f.get("data-chart"): f for f in tree.cssselect("figure[data-chart]")}
    assert set(charts) == {"pages", "articles", "bytes", "duration", "error rate", "metadata"}
    points = {name: f.xpath(".//*[contains(@class, 'point')]") for name, f in charts.items()}
    assert [float(p.get("data-value")) for p in points["pages"]] == [r.pages for r in runs]
    bytes_ = [float(p.get("data-value")) for p in points["bytes"]]
    assert bytes_ == [r.archived_bytes for r in runs]
    assert len(points["articles"]) == len(points["metadata"]) == 2 * len(runs)
    assert len(points["duration"]) == len(points["error rate"]) == len(runs)
    news = [float(p.get("data-value")) for p in points["articles"][: len(runs)]]
    assert news == [r.articles_new for r in runs] == [30, 0]
    assert [float(p.get("data-value")) for p in points["metadata"]] == [100.0] * 4


def test_changes_page_lists_edits_and_removals(client, store):
    changes = store.changes()
    tree = page_tree(client.get("/changes").text)
    assert len(tree.cssselect("tr.change")) == len(changes) == 2
    assert len(tree.cssselect("tr.change-edited a.replay")) == 1
    removed = page_tree(client.get("/changes?kind=removed").text).cssselect("tr.change")
    assert len(removed) == 1
    assert "HTTP 410" in removed[0].text_content()
    # The removed article's copies on the blogs, each linked to its replay.
    (gone,) = [c for c in changes if c.kind == "removed"]
    copies = [r.copy for r in store.republications(gone.url) if r.original.url == gone.url]
    assert copies
    links = removed[0].cssselect("div.kept a.copy")
    assert [a.text for a in links] == [c.site for c in copies]
    assert all(
        c.url in a.get("href") and "/demo" in a.get("href")
        for a, c in zip(links, copies, strict=True)
    )


def test_live_api_reads_the_running_run_stats(client):
    live = client.get("/api/live").json()["runs"]
    assert list(live) == [LIVE_ID]
    assert live[LIVE_ID]["pages"] == 42
    assert live[LIVE_ID]["errors"] == 3
    assert live[LIVE_ID]["rate"] > 0


def test_metrics_count_the_runs_in_the_store(client, store):
    answer = client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }
    assert samples[("archivist_scheduler_up", ())] == 0
    for name in ("demo-news", "broken"):
        statuses = Counter(run.status for run in store.runs(source=name))
        assert statuses
        for status, count in statuses.items():
            assert samples[("archivist_runs", (("source", name), ("status", status)))] == count


# -- the token -----------------------------------------------------------------------


TOKEN = "kV3q-9xZ_f2LmP8tR4wYb7Nc"  # 24 characters of a token_urlsafe


def test_a_token_guards_every_request(data):
    with TestClient(create_app(*data, token=TOKEN)) as guarded:
        assert guarded.get("/").status_code == 401
        assert guarded.get("/api/live").status_code == 401
        assert guarded.get("/", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert guarded.get("/", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
        # The scheme in any case (RFC 9110); a bare token without it is not one.
        assert guarded.get("/", headers={"Authorization": f"bearer {TOKEN}"}).status_code == 200
        assert guarded.get("/", headers={"Authorization": f"BEARER  {TOKEN}"}).status_code == 200
        assert guarded.get("/", headers={"Authorization": TOKEN}).status_code == 401
        assert guarded.get("/", headers={"Authorization": f"Basic {TOKEN}"}).status_code == 401
        first = guarded.get(f"/?token={TOKEN}")
        assert first.status_code == 200
        assert f"archivist_token={TOKEN}" in first.headers["set-cookie"]
        assert guarded.get("/runs").status_code == 200  # the cookie now


def test_serve_refuses_to_bind_beyond_loopback_without_a_token(monkeypatch):
    monkeypatch.delenv("ARCHIVIST_TOKEN", raising=False)
    result = CliRunner().invoke(serve_command, ["--bind", "0.0.0.0"])
    assert result.exit_code == 2
    assert "--token" in result.output


@pytest.mark.parametrize("weak", [" ", "s3cret", "a" * 40, "abcdefgh ijklmnopqrstuvwxyz"])
def test_a_weak_token_is_refused_saying_how_to_make_one(weak, monkeypatch, tmp_path):
    monkeypatch.setenv("ARCHIVIST_HOME", str(tmp_path))
    result = CliRunner().invoke(serve_command, ["--bind", "0.0.0.0", "--token", weak])
    assert result.exit_code == 2
    assert "secrets.token_urlsafe" in result.output
    with pytest.raises(ValueError, match="token refused"):
        create_app(tmp_path, tmp_path, None, weak)


# -- the charts alone ----------------------------------------------------------------


def test_charts_escape_text_and_draw_every_point():
    svg = line_chart("a <b>", ["x&y", "z"], [Series("s", [1, None]), Series("t", [2, 3])])
    assert "a &lt;b&gt;" in svg
    assert "x&amp;y" in svg
    assert svg.count('class="point"') == 3
    assert bar_chart("bars", ["a", "b", "c"], [0, 5, 7]).count('class="point bar"') == 3
    assert nice_ticks(165) == [0, 50, 100, 150, 200]
    assert nice_ticks(0) == [0, 1]


def test_charts_work_with_no_runs():
    assert 'class="point' not in line_chart("empty", [], [Series("s", [])])
