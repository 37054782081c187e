"""The operators' console (archivist serve), driven over real data: a demo crawl, a
recrawl, a crashed run, a running run with live stats, an edit and a removal.

The TestClient tests check every page and rule; the browser tests load the pages in
headless Chromium (Debian's ``chromium``, see scripts/chromium-env) from the app served
by uvicorn on 127.0.0.1, and compare what the DOM shows, after its scripts ran, with
the store. ``ARCHIVIST_SCREENSHOTS_DIR=docs`` keeps the overview and source screenshots.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
import threading
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

import pytest
import uvicorn
from click.testing import CliRunner
from lxml import html as lxml_html
from starlette.exceptions import StarletteDeprecationWarning

from archive.records import RecordRef
from archive.store import Store
from crawler.cli_serve import serve_command
from crawler.console import create_app
from crawler.console._charts import charted_runs
from crawler.console._queries import errors_by_host
from crawler.console.plots import Series, bar_chart, line_chart, nice_ticks
from crawler.demo import DemoServer, World
from crawler.demo.run import demo_sources, route_settings, run_demo
from crawler.runbook import run_source
from crawler.sources import load_source

with warnings.catch_warnings():
    # Starlette 1.x asks for httpx2 for its TestClient; httpx (a test extra) still works.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
LIVE_ID = "20990101T000000-demo-gocnhin-live"
LIVE_STATS = {
    "live": True,
    "downloader/response_count": 42,
    "archive/bytes": 123_456,
    "downloader/response_status_count/404": 3,
}


def _sources(folder: Path) -> Path:
    folder.mkdir()
    for path in sorted((ROOT / "schedules").glob("demo-*.yaml")):
        shutil.copy(path, folder)
    (folder / "broken.yaml").write_text(
        "name: broken\nfamily: news\nseeds: [http://unreachable.test/]\n"
        "contact: tests@example.org\n",
        encoding="utf-8",
    )
    return folder


def _edit_and_remove(store: Store) -> None:
    """An edit (a new version on a new capture) and a removal of demo-news articles."""
    first, second = store.articles(source="demo-news")[:2]
    when = datetime.now(UTC)
    capture = store.add_capture(
        first.collection,
        first.article.url,
        when,
        200,
        "text/html",
        "sha1:EDITED",
        RecordRef("edited.warc.gz", 0, 1, "<urn:uuid:edited>"),
    )
    edited = dataclasses.replace(first.article, body="edited", body_hash="edited-hash")
    store.record_article(edited, capture, "demo-news")
    store.add_event(second.article.url, "demo-news", "demo", "removed", when, "HTTP 410")


def _live_run(store: Store, home: Path) -> None:
    store.start_run(LIVE_ID, "demo-gocnhin", "demo", started_at=datetime.now(UTC))
    store.heartbeat(LIVE_ID, pages=10)
    stats = home / "logs" / f"{LIVE_ID}.stats.json"
    stats.write_text(json.dumps(LIVE_STATS), encoding="utf-8")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """home, sources folder: the demo crawled twice (demo-news), one crash, one live run."""
    root = tmp_path_factory.mktemp("console")
    home, sources = root / "home", _sources(root / "sources")
    with Store.for_home(home) as store:
        report = run_demo(home, sources, 30, store, timeout=300)
        assert report.ok, [r.log_path for r in report.results]
        world = World(30)
        with DemoServer(world) as server:
            news = [s for s in demo_sources(sources, world.hosts) if s[1].name == "demo-news"]
            run_source(store, news[0][1], news[0][0], home, settings=route_settings(server))
        broken = sources / "broken.yaml"
        # A setting the crawl cannot parse: it dies at start, a real failed run.
        failed = run_source(
            store, load_source(broken), broken, home, settings={"ROUTE_PROXIES": "{not json"}
        )
        assert failed.status == "failed", failed
        _edit_and_remove(store)
        _live_run(store, home)
    return home, sources


@pytest.fixture(scope="module")
def store(data):
    with Store.for_home(data[0]) as opened:
        yield opened


@pytest.fixture(scope="module")
def client(data):
    with TestClient(create_app(*data)) as test_client:
        yield test_client


def _tree(text: str):
    return lxml_html.fromstring(text)


# -- pages, through Starlette's TestClient -------------------------------------------


def test_overview_shows_each_source_last_run(client, store):
    tree = _tree(client.get("/").text)
    for name in ("demo-news", "demo-nhipcau", "demo-tiengdan", "broken"):
        last = store.runs(source=name, limit=1)[0]
        row = tree.cssselect(f'tr[data-source="{name}"]')[0]
        assert row.cssselect("a.run-id")[0].text == last.id
        assert row.cssselect(".status")[0].text == last.status
        assert row.cssselect(".pages")[0].text == str(last.pages)
        assert row.cssselect(".errors")[0].text == str(sum(last.errors.values()))
    news = tree.cssselect('tr[data-source="demo-news"]')[0].text_content()
    assert "2026" in news or "20" in news  # next fire time of its cron schedule
    assert "by hand only" in tree.cssselect('tr[data-source="broken"]')[0].text_content()


def test_runs_page_lists_and_filters(client, store):
    rows = _tree(client.get("/runs").text).cssselect("tr[data-run]")
    assert [r.get("data-run") for r in rows] == [r.id for r in store.runs()]
    failed = _tree(client.get("/runs?status=failed").text).cssselect("tr[data-run]")
    assert [r.get("data-run") for r in failed] == [r.id for r in store.runs(status="failed")]
    news = _tree(client.get("/runs?source=demo-news").text).cssselect("tr[data-run]")
    assert len(news) == 2
    assert client.get("/runs?status=bogus").status_code == 400


def test_a_run_page_shows_its_figures_errors_files_log_and_replay_links(client, store):
    run = store.runs(source="demo-news")[-1]  # the first crawl: 404, 410, 500s
    tree = _tree(client.get(f"/runs/{run.id}").text)
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
    assert "Spider closed" in tree.cssselect("pre.log")[0].text_content()


def test_a_failed_run_page(client, store):
    run = store.runs(source="broken")[0]
    tree = _tree(client.get(f"/runs/{run.id}").text)
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
    tree = _tree(client.get("/sources/demo-news").text)
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
    tree = _tree(client.get("/changes").text)
    assert len(tree.cssselect("tr.change")) == len(changes) == 2
    assert len(tree.cssselect("tr.change-edited a.replay")) == 1
    removed = _tree(client.get("/changes?kind=removed").text).cssselect("tr.change")
    assert len(removed) == 1
    assert "HTTP 410" in removed[0].text_content()


def test_live_api_reads_the_running_run_stats(client):
    live = client.get("/api/live").json()["runs"]
    assert list(live) == [LIVE_ID]
    assert live[LIVE_ID]["pages"] == 42
    assert live[LIVE_ID]["errors"] == 3
    assert live[LIVE_ID]["rate"] > 0


def test_metrics_answers(client):
    answer = client.get("/metrics")
    assert answer.status_code in {200, 503}


def test_errors_by_host_reads_download_errors_from_the_log(store, tmp_path):
    log = tmp_path / "x.log"
    line = "2026-11-29 02:38:00 [scrapy.core.scraper] ERROR: Error downloading <GET {}>"
    log.write_text(
        "\n".join(line.format(u) for u in ("http://a.test/1", "http://a.test/2", "http://b.test/"))
        + ": Connection was refused by other side\n",
        encoding="utf-8",
    )
    assert errors_by_host(store, "no-run", log) == [
        ("a.test", "download", 2),
        ("b.test", "download: Connection was refused by other side", 1),
    ]


# -- the token -----------------------------------------------------------------------


def test_a_token_guards_every_request(data):
    with TestClient(create_app(*data, token="s3cret")) as guarded:
        assert guarded.get("/").status_code == 401
        assert guarded.get("/api/live").status_code == 401
        assert guarded.get("/", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert guarded.get("/", headers={"Authorization": "Bearer s3cret"}).status_code == 200
        first = guarded.get("/?token=s3cret")
        assert first.status_code == 200
        assert "archivist_token=s3cret" in first.headers["set-cookie"]
        assert guarded.get("/runs").status_code == 200  # the cookie now


def test_serve_refuses_to_bind_beyond_loopback_without_a_token(monkeypatch):
    monkeypatch.delenv("ARCHIVIST_TOKEN", raising=False)
    result = CliRunner().invoke(serve_command, ["--bind", "0.0.0.0"])
    assert result.exit_code == 2
    assert "--token" in result.output


# -- the browser ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> str:
    if not Path(CHROMIUM).exists():
        reason = f"{CHROMIUM} is missing: run scripts/chromium-env"
        if os.environ.get("ARCHIVIST_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{reason} (ARCHIVIST_REQUIRE_SERVICES=1 requires it)")
        pytest.skip(reason)
    return CHROMIUM


@pytest.fixture(scope="module")
def served(data):
    """The real application under uvicorn on 127.0.0.1, an ephemeral port."""
    config = uvicorn.Config(create_app(*data), host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def _chromium(browser: str, profile: Path, *args: str) -> str:
    command = [
        browser,
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        f"--user-data-dir={profile}",
        "--virtual-time-budget=5000",  # run the page's timers and fetches first
        *args,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _dom(browser: str, profile: Path, url: str):
    return _tree(_chromium(browser, profile, "--dump-dom", url))


def _screenshot(browser: str, profile: Path, url: str, path: Path) -> None:
    _chromium(browser, profile, f"--screenshot={path}", "--window-size=1280,1600", url)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    keep = os.environ.get("ARCHIVIST_SCREENSHOTS_DIR")
    if keep:
        shutil.copy(path, Path(keep) / path.name)


def test_browser_overview_with_live_progress(browser, served, store, tmp_path):
    tree = _dom(browser, tmp_path / "profile", served + "/")
    news = store.runs(source="demo-news", limit=1)[0]
    row = tree.cssselect('tr[data-source="demo-news"]')[0]
    assert row.cssselect(".pages")[0].text == str(news.pages)
    live = tree.cssselect(f'[data-live-run="{LIVE_ID}"]')[0]
    assert "refreshed" in live.get("class", "")  # the script ran and fetched /api/live
    assert live.cssselect('[data-field="pages"]')[0].text == "42"  # the store row says 10
    assert live.cssselect('[data-field="errors"]')[0].text == "3"
    assert float(live.cssselect('[data-field="rate"]')[0].text) > 0
    _screenshot(browser, tmp_path / "profile", served + "/", tmp_path / "console-overview.png")


def test_browser_source_page_plots_every_run(browser, served, store, tmp_path):
    runs = charted_runs(store, "demo-news")
    tree = _dom(browser, tmp_path / "profile", served + "/sources/demo-news")
    svgs = tree.xpath("//figure[@data-chart]/*[local-name()='svg']")
    assert len(svgs) == 6
    for svg in svgs:
        points = svg.xpath(".//*[contains(@class, 'point')]")
        assert len(points) in {len(runs), 2 * len(runs)}
        assert svg.xpath(".//*[contains(@class, 'value')]")  # values written, not hovered
        assert len(svg.xpath(".//*[contains(@class, 'tick')]")) >= 2
    page = served + "/sources/demo-news"
    _screenshot(browser, tmp_path / "profile", page, tmp_path / "console-source.png")


def test_browser_run_runs_and_changes_pages(browser, served, store, tmp_path):
    profile = tmp_path / "profile"
    failed = store.runs(status="failed")[0]
    tree = _dom(browser, profile, f"{served}/runs/{failed.id}")
    figure = {c.get("data-figure"): c.text for c in tree.cssselect("td[data-figure]")}
    assert figure["status"] == "failed"
    assert figure["pages"] == str(failed.pages)
    rows = _dom(browser, profile, served + "/runs").cssselect("tr[data-run]")
    assert len(rows) == len(store.runs())
    changes = _dom(browser, profile, served + "/changes").cssselect("tr.change")
    assert len(changes) == len(store.changes())
    _screenshot(browser, profile, f"{served}/runs/{failed.id}", tmp_path / "run.png")


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
