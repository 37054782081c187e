"""Manners measured from a real server's request log: per-host delay and concurrency,
``Retry-After`` on 429/503, giving up a host that asks for too long, the byte budget."""

from __future__ import annotations

import itertools
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from crawler.middlewares.politeness import retry_after_seconds
from crawler.runs.child import CrawlResult, CrawlRun
from crawler.sources.schema import load_source

PAGES = 12


class Site(ThreadingHTTPServer):
    """A loopback site that logs arrivals and counts requests in flight."""

    daemon_threads = True

    def __init__(
        self,
        page_delay: float = 0.0,
        retry_after: str | None = None,
        pages: int = PAGES,
        robots: bytes = b"User-agent: *\nAllow: /\n",
    ) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.pages = pages
        self.robots = robots
        self.page_delay = page_delay
        self.retry_after = retry_after  # what /busy answers the first time
        self.log: list[tuple[float, str]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.lock = threading.Lock()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def times(self, path: str) -> list[float]:
        return [t for t, p in self.log if p == path]


class Handler(BaseHTTPRequestHandler):
    server: Site

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base's name
        pass

    def do_GET(self) -> None:
        site = self.server
        with site.lock:
            site.log.append((time.monotonic(), self.path))
            site.in_flight += 1
            site.max_in_flight = max(site.max_in_flight, site.in_flight)
            first_busy = self.path == "/busy" and len(site.times("/busy")) == 1
        try:
            if self.path == "/robots.txt":
                self._send(200, site.robots, "text/plain")
            elif self.path == "/":
                links = "".join(f'<a href="/p/{n}">{n}</a>' for n in range(site.pages))
                self._send(200, f'<html><body>{links}<a href="/busy">b</a></body></html>'.encode())
            elif self.path == "/busy" and first_busy and site.retry_after is not None:
                self._send(503, b"busy", "text/plain", {"Retry-After": site.retry_after})
            else:
                time.sleep(site.page_delay)
                self._send(200, b"<html><body>" + b"x" * 2000 + b"</body></html>")
        finally:
            with site.lock:
                site.in_flight -= 1

    def _send(
        self, status: int, body: bytes, kind: str = "text/html", extra: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def site_factory():
    sites: list[Site] = []

    def make(**kwargs) -> Site:
        site = Site(**kwargs)
        threading.Thread(target=site.serve_forever, daemon=True).start()
        sites.append(site)
        return site

    yield make
    for site in sites:
        site.shutdown()
        site.server_close()


def assert_spaced(arrivals: list[float], gap: float) -> None:
    """Requests came ``gap`` apart, as Scrapy sent them, on a machine however loaded.

    Scrapy spaces requests as it sends them; the server logs each one when its handler
    starts, a little later, and that lag varies (a new connection's set-up, a busy core:
    11 ms seen in CI for robots.txt). So the span from the first arrival to the last
    holds every gap, less the first arrival's lag (0.25 s allowed: a loaded machine),
    and no two requests came together: no gap under a third of the delay (the lag of
    one arrival shortens one gap only). Without the delay, every gap is a few ms.
    """
    arrivals = sorted(arrivals)
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    assert arrivals[-1] - arrivals[0] >= gap * len(gaps) - 0.25, gaps
    assert min(gaps) >= gap / 3, gaps


def crawl_site(
    tmp_path, site: Site, manners: str, limits: str = "{}", robots: str = "obey"
) -> CrawlResult:
    path = tmp_path / "src" / "polite.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"name: polite\nseeds: ['{site.base}/']\ncontact: tests@example.org\n"
        f"manners: {manners}\nlimits: {limits}\nrobots: {robots}\n",
        encoding="utf-8",
    )
    run = CrawlRun(load_source(path), path, tmp_path / "home", {"NETWORK_LOOPBACK_ONLY": "1"})
    run.start()
    result = run.wait(120)
    assert result.returncode == 0, result.log_path.read_text()
    return result


def test_the_declared_delay_separates_every_request_to_a_host(tmp_path, site_factory):
    site = site_factory()
    crawl_site(tmp_path, site, "{delay: 0.3s, per_host: 4, autothrottle: false}")
    arrivals = sorted(t for t, _ in site.log)
    assert len(arrivals) == PAGES + 4  # robots.txt, /sitemap.xml, the home page, the pages, /busy
    assert_spaced(arrivals, 0.3)


@pytest.mark.parametrize(
    ("asked", "manners", "gap"),
    [
        # AutoThrottle on, and a shorter declared delay: neither takes a host under it.
        ("0.5", "{delay: 0.1s, per_host: 4, autothrottle: true}", 0.5),
        # Past the source's limit, the limit.
        ("3600", "{delay: 0s, per_host: 4, max_crawl_delay: 0.4s}", 0.4),
    ],
)
def test_robots_txt_crawl_delay_separates_every_request_to_the_host(
    tmp_path, site_factory, asked, manners, gap
):
    robots = f"User-agent: *\nCrawl-delay: {asked}\nAllow: /\n".encode()
    site = site_factory(pages=3, robots=robots)
    result = crawl_site(tmp_path, site, manners)
    arrivals = sorted(t for t, _ in site.log)
    assert len(arrivals) == 3 + 4
    assert_spaced(arrivals, gap)
    assert max(b - a for a, b in itertools.pairwise(arrivals)) < gap + 2  # not 3600 s
    assert result.stats["politeness/crawl_delay_hosts"] == 1


def test_crawl_delay_is_not_read_where_robots_txt_is_ignored(tmp_path, site_factory):
    site = site_factory(pages=3, robots=b"User-agent: *\nCrawl-delay: 5\n")
    result = crawl_site(
        tmp_path, site, "{delay: 0s, per_host: 1, autothrottle: false}", robots="ignore"
    )
    arrivals = sorted(t for t, _ in site.log)
    # Read, it would hold 5 s between any two requests; unread, none waits that long.
    assert max(b - a for a, b in itertools.pairwise(arrivals)) < 4, arrivals
    assert "politeness/crawl_delay_hosts" not in result.stats


def test_requests_in_flight_to_a_host_stay_within_per_host(tmp_path, site_factory):
    site = site_factory(page_delay=0.25)
    crawl_site(tmp_path, site, "{per_host: 2, autothrottle: false}")
    assert site.max_in_flight == 2  # reached, never passed


def test_a_503_retry_after_holds_the_host_back_that_long(tmp_path, site_factory):
    site = site_factory(retry_after="2")
    result = crawl_site(tmp_path, site, "{per_host: 2, autothrottle: false}")
    first, second = site.times("/busy")
    assert second - first >= 2.0 - 0.05
    # Nothing else was sent to the host while it asked to be left alone (but for the
    # requests already on their way when it answered, which arrive within a moment).
    assert not [t for t, _ in site.log if first + 0.5 < t < first + 1.9]
    assert result.stats["politeness/retry_after"] == 1


def test_a_host_asking_for_longer_than_the_limit_is_given_up(tmp_path, site_factory):
    site = site_factory(retry_after="100000")
    started = time.monotonic()
    result = crawl_site(tmp_path, site, "{per_host: 1, max_retry_after: 10s, autothrottle: false}")
    assert time.monotonic() - started < 60
    assert result.stats["politeness/hosts_given_up"] == 1
    assert len(site.times("/busy")) == 1
    assert result.finish_reason == "finished"


def test_the_byte_budget_stops_the_crawl(tmp_path, site_factory):
    site = site_factory(page_delay=0.05, pages=100)
    result = crawl_site(tmp_path, site, "{per_host: 1, autothrottle: false}", "{max_bytes: 6KB}")
    assert result.finish_reason == "closespider_bytes"
    # Requests already handed to the downloader (up to CONCURRENT_REQUESTS) still finish.
    assert len(site.log) < 40


def test_retry_after_values() -> None:
    now = time.time()
    assert retry_after_seconds(b"120", now) == 120
    in_a_minute = formatdate(now + 60, usegmt=True).encode()
    assert retry_after_seconds(in_a_minute, now) == pytest.approx(60, abs=1.5)
    assert retry_after_seconds(formatdate(now - 60, usegmt=True).encode(), now) == 0
    assert retry_after_seconds(b"soon", now) is None
    assert retry_after_seconds(None, now) is None


@pytest.mark.parametrize("zone", ["-0000", ""])
def test_a_retry_after_date_without_a_zone_is_gmt_on_a_machine_in_any_zone(
    monkeypatch: pytest.MonkeyPatch, zone: str
) -> None:
    """RFC 9110 HTTP-dates are GMT: read one without a zone in local time and a machine
    at +07:00 would wait seven hours too few (or at -05:00, five too many)."""
    now = time.time()
    text = formatdate(now + 90, usegmt=True).replace("GMT", zone).strip()
    for tz in ("Asia/Ho_Chi_Minh", "America/New_York"):
        monkeypatch.setenv("TZ", tz)
        time.tzset()
        try:
            assert retry_after_seconds(text.encode(), now) == pytest.approx(90, abs=1.5)
        finally:
            monkeypatch.undo()
            time.tzset()
