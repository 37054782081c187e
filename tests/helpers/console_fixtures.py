"""The console tests' data, shared by ``test_console.py`` and ``test_console_browser.py``:
a demo crawl, a recrawl, a crashed run, a running run with live stats, an edit and a
removal, in one data folder.

Each test module wraps ``console_data`` in its own ``data`` fixture: the data is built
once a session (kept in pytest's stash), however many modules use it, since it costs a
demo crawl. The tests only read it.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import html as lxml_html

from archive.store import Store
from archive.warc.records import RecordRef
from crawler.demo import DemoServer, World
from crawler.demo.run import demo_sources, route_settings, run_demo
from crawler.runs.runbook import run_source
from crawler.sources.schema import load_source
from tests.helpers import REPO_ROOT

LIVE_ID = "20990101T000000-demo-gocnhin-live"
LIVE_STATS = {
    "live": True,
    "downloader/response_count": 42,
    "archive/bytes": 123_456,
    "failures/kind/http:404": 3,
}
_DATA = pytest.StashKey[tuple[Path, Path]]()


def page_tree(text: str):
    """The parsed HTML of a page, for ``cssselect`` and ``xpath``."""
    return lxml_html.fromstring(text)


def _sources(folder: Path) -> Path:
    folder.mkdir()
    for path in sorted((REPO_ROOT / "schedules").glob("demo-*.yaml")):
        shutil.copy(path, folder)
    (folder / "broken.yaml").write_text(
        "name: broken\nfamily: news\nseeds: [http://unreachable.test/]\n"
        "contact: tests@example.org\n",
        encoding="utf-8",
    )
    return folder


def _edit_and_remove(store: Store) -> None:
    """An edit (a new version on a new capture) and a removal of demo-news articles."""
    first = store.articles(source="demo-news")[0]
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
    # A removed article that blogs republished: the changes page lists their copies.
    copied = (r.original.url for r in store.republications() if r.original.source == "demo-news")
    removed = next(url for url in copied if url != first.article.url)
    store.add_event(removed, "demo-news", "demo", "removed", when, "HTTP 410")


def _live_run(store: Store, home: Path) -> None:
    store.start_run(LIVE_ID, "demo-gocnhin", "demo", started_at=datetime.now(UTC))
    store.heartbeat(LIVE_ID, pages=10)
    stats = home / "logs" / f"{LIVE_ID}.stats.json"
    stats.write_text(json.dumps(LIVE_STATS), encoding="utf-8")


def _build(root: Path) -> tuple[Path, Path]:
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


def console_data(
    request: pytest.FixtureRequest, factory: pytest.TempPathFactory
) -> tuple[Path, Path]:
    """home, sources folder: the demo crawled twice (demo-news), one crash, one live run."""
    stash = request.config.stash
    if _DATA not in stash:
        stash[_DATA] = _build(factory.mktemp("console"))
    return stash[_DATA]
