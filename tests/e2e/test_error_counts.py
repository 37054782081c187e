"""A run's errors are what an operator should act on, once per URL: a real crawl of a
loopback WordPress site where one page answers 500 (retried, then one error), two linked
pages answer 404 (two errors, listed), and the probes that end its lists (robots.txt, the
REST API, the sitemap, the feed's page past the end) answer 404 and are no errors at all.
``archivist run show`` and the console's run page list the failing URLs by kind, each
with its line in the run's log, and tail the log's warnings, not its stats dump.
"""

from __future__ import annotations

import threading
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.exceptions import StarletteDeprecationWarning

from archive.store import RunRecord, Store
from crawler.cli import main
from crawler.console import create_app
from crawler.runs.runbook import RunOptions, run_source
from crawler.sources.schema import load_source
from tests.helpers.console_fixtures import page_tree

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><link>{base}/p/1</link></item><item><link>{base}/p/2</link></item></channel></rss>"""
HOME = (
    "<html><body><a href='/p/1'>1</a><a href='/p/2'>2</a><a href='/broken'>b</a>"
    "<a href='/gone-1'>g1</a><a href='/gone-2'>g2</a></body></html>"
)


class Site(ThreadingHTTPServer):
    """A WordPress-like site: a feed of two posts, a broken page, two dead links."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.asked: list[str] = []

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    server: Site

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base's name
        pass

    def do_GET(self) -> None:
        self.server.asked.append(self.path)
        if self.path == "/":
            self._send(200, HOME)
        elif self.path == "/feed/":
            self._send(200, FEED.format(base=self.server.base), "application/rss+xml")
        elif self.path in {"/p/1", "/p/2"}:
            self._send(200, "<html><body><p>" + "post " * 50 + "</p></body></html>")
        elif self.path == "/broken":
            self._send(500, "broken")
        else:  # /gone-*, robots.txt, the REST API, the sitemap, /feed/?paged=2
            self._send(404, "not found")

    def _send(self, status: int, body: str, kind: str = "text/html") -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory) -> tuple[Path, Path, RunRecord, Site]:
    site = Site()
    threading.Thread(target=site.serve_forever, daemon=True).start()
    home = tmp_path_factory.mktemp("home")
    sources = home / "sources"
    sources.mkdir()
    path = sources / "loi.yaml"
    path.write_text(
        f"name: loi\nfamily: wordpress\nseeds: ['{site.base}/']\ncontact: tests@example.org\n",
        encoding="utf-8",
    )
    with Store.for_home(home) as store:
        record = run_source(
            store, load_source(path), path, home, settings={"NETWORK_LOOPBACK_ONLY": "1"}
        )
    site.shutdown()
    site.server_close()
    return home, sources, record, site


def test_a_url_is_one_error_after_its_retries_and_probes_are_none(crawled):
    _, _, record, site = crawled
    assert record.status == "finished", record.finish_reason
    assert site.asked.count("/broken") == 3  # retried twice
    assert "/feed/?paged=2" in site.asked  # the 404 that ends the feed's paging
    assert "/robots.txt" in site.asked
    assert record.errors == {"http:500": 1, "http:404": 2}
    listed = {(f.kind, f.url.rsplit("/", 1)[-1]) for f in record.failed_urls}
    assert listed == {("http:500", "broken"), ("http:404", "gone-1"), ("http:404", "gone-2")}


def test_each_failing_url_names_its_line_in_the_log(crawled):
    _, _, record, _ = crawled
    lines = Path(record.log_path or "").read_text(encoding="utf-8").splitlines()
    for failed in record.failed_urls:
        assert failed.line is not None
        logged = lines[failed.line - 1]
        assert "WARNING" in logged, logged
        assert failed.url in logged
        assert failed.kind in logged


def test_run_show_lists_failing_urls_by_kind_and_tails_the_warnings(crawled):
    home, sources, record, site = crawled
    env = {"ARCHIVIST_HOME": str(home), "ARCHIVIST_SOURCES": str(sources)}
    result = CliRunner().invoke(main, ["run", "show", record.id], env=env)
    assert result.exit_code == 0, result.output
    out = result.output
    listed = out.split("failing URLs:\n", 1)[1].split("WARC files:", 1)[0]
    assert listed.startswith("  http:404 (2)\n")  # the most first
    assert "  http:500 (1)\n" in listed
    for failed in record.failed_urls:
        assert f"\n    {failed.url}  log:{failed.line}\n" in listed
    assert "probes:           4 http:404 (expected, not errors)" in out
    tail = out.split("log warnings and errors", 1)[1]
    assert f"{site.base}/broken" in tail
    assert "Dumping Scrapy stats" not in tail
    assert "downloader/request_count" not in tail


def test_the_run_page_lists_failing_urls_and_links_their_log_lines(crawled):
    home, sources, record, site = crawled
    with TestClient(create_app(home, sources, None)) as client:
        tree = page_tree(client.get(f"/runs/{record.id}").text)
        rows = tree.cssselect("table.failed-urls tr[data-kind]")
        shown = {(r.get("data-kind"), r.cssselect("td.url")[0].text_content()) for r in rows}
        assert shown == {(f.kind, f.url) for f in record.failed_urls}
        link = rows[0].cssselect("a.log-line")[0].get("href")
        tail = tree.cssselect("pre.log")[0].text_content()
        assert f"{site.base}/broken" in tail
        assert "downloader/request_count" not in tail
        log_page = page_tree(client.get(link).text)
    anchor = link.rsplit("#", 1)[1]
    (line,) = log_page.cssselect(f"#{anchor}")
    assert rows[0].cssselect("td.url")[0].text_content() in line.text_content()


class Endless(ThreadingHTTPServer):
    """Pages that each take a while and link five more: a crawl that never ends by itself."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), EndlessHandler)


class EndlessHandler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base's name
        pass

    def do_GET(self) -> None:
        if self.path != "/robots.txt":
            threading.Event().wait(0.3)
        links = "".join(f"<a href='{self.path.rstrip('/')}/{n}'>{n}</a>" for n in range(5))
        data = f"<html><body>{links}</body></html>".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def test_a_run_stopped_at_its_time_limit_does_not_show_exit_code_0(tmp_path):
    site = Endless()
    threading.Thread(target=site.serve_forever, daemon=True).start()
    path = tmp_path / "sources" / "dai.yaml"
    path.parent.mkdir()
    port = site.server_address[1]
    path.write_text(
        f"name: dai\nseeds: ['http://127.0.0.1:{port}/']\ncontact: tests@example.org\n",
        encoding="utf-8",
    )
    options = RunOptions(max_run_time=6, kill_after=60)  # time to start, and to close cleanly
    try:
        with Store.for_home(tmp_path) as store:
            record = run_source(
                store, load_source(path), path, tmp_path,
                settings={"NETWORK_LOOPBACK_ONLY": "1"}, options=options,
            )  # fmt: skip
    finally:
        site.shutdown()
        site.server_close()
    assert record.status == "timed_out"
    assert record.finish_reason == "shutdown"  # it closed on the SIGTERM, cleanly
    assert record.exit_code == -15
    env = {"ARCHIVIST_HOME": str(tmp_path), "ARCHIVIST_SOURCES": str(path.parent)}
    shown = CliRunner().invoke(main, ["run", "show", record.id], env=env).output
    assert "exit code:      -15 (SIGTERM)" in shown
