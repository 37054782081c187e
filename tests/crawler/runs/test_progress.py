"""`archivist crawl`'s live progress: a redrawn line in a terminal, plain lines elsewhere."""

from __future__ import annotations

import io

from click.testing import CliRunner
from rich.console import Console

from crawler.cli import main
from crawler.demo.run import route_settings
from crawler.runs.progress import CrawlProgress, progress_line
from tests.helpers.crawls import write_source

STATS = {
    "downloader/response_count": 120,
    "archive/bytes": 1_234_000,
    "failures/kind/http:404": 2,
    "failures/kind/timeout": 1,
}


def test_progress_line_shows_pages_rate_bytes_errors_and_elapsed():
    assert progress_line("tin", STATS, 40.0) == (
        "tin: 120 pages (3.0/s), 1.2 MB archived, 3 errors, 0:40"
    )


def test_in_a_terminal_the_line_is_redrawn_in_place():
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=100)
    with CrawlProgress("tin", console) as progress:
        progress(STATS)
        progress({**STATS, "downloader/response_count": 240})
    text = out.getvalue()
    assert "240 pages" in text
    assert "\x1b[" in text  # cursor control: the line is rewritten, not appended


def test_elsewhere_each_heartbeat_is_a_plain_line(tmp_path, demo_server):
    write_source(tmp_path / "sources", "goc", "goc-nhin.test", family="wordpress")
    env = {"ARCHIVIST_HOME": str(tmp_path), "ARCHIVIST_SOURCES": str(tmp_path / "sources")}
    routes = route_settings(demo_server)["ROUTE_PROXIES"]
    args = ["crawl", "goc", "-s", f"ROUTE_PROXIES={routes}", "-s", "NETWORK_LOOPBACK_ONLY=1"]
    result = CliRunner().invoke(main, args, env=env)
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("goc: ")]
    assert lines  # at least the first heartbeat
    assert all(" pages (" in line and " archived, " in line for line in lines)
    assert "\x1b[" not in result.output
