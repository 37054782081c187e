"""The operators' console in headless Chromium (Debian's ``chromium``, see
scripts/chromium-env): the app served by uvicorn on 127.0.0.1 over the console tests'
data (``tests/helpers/console_fixtures.py``), and what the DOM shows, after its scripts ran,
compared with the store. ``ARCHIVIST_SCREENSHOTS_DIR=docs`` keeps the overview and
source screenshots.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest
import uvicorn

from archive.store import Store
from crawler.console import create_app
from crawler.console._charts import charted_runs
from tests.helpers.console_fixtures import LIVE_ID, console_data, page_tree
from tests.helpers.required import chromium


@pytest.fixture(scope="module")
def data(request, tmp_path_factory):
    return console_data(request, tmp_path_factory)


@pytest.fixture(scope="module")
def store(data):
    with Store.for_home(data[0]) as opened:
        yield opened


@pytest.fixture(scope="module")
def browser() -> str:
    return chromium()


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
    return page_tree(_chromium(browser, profile, "--dump-dom", url))


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
