"""429 answers in real crawls, measured from the server's arrival log (README,
"Manners": "A 429/503 holds the host back for its Retry-After (seconds or a date;
doubling back-off without one)").

The bounds hold on a loaded machine: a wait is a lower bound on the gap between two
arrivals (Scrapy sends no earlier), and the upper bounds are generous (a slow machine
only adds to a gap).
"""

from __future__ import annotations

import itertools
import threading
import time
from email.utils import formatdate
from typing import TYPE_CHECKING

from crawler.runs.child import CrawlResult, CrawlRun
from crawler.sources.schema import load_source
from tests.helpers.logged_site import Reply, page, serving, write_source

if TYPE_CHECKING:
    from collections.abc import Callable
    from email.message import Message
    from pathlib import Path

    from tests.helpers.logged_site import LoggedSite

ROBOTS = Reply(body=b"User-agent: *\nAllow: /\n", kind="text/plain")


def busy_site(answers: list[Callable[[], Reply]]) -> Callable[[str, Message], Reply]:
    """The home page links /busy, which gives ``answers`` in turn, then a page."""
    lock = threading.Lock()
    left = list(answers)

    def app(path: str, _headers: Message) -> Reply:
        if path == "/robots.txt":
            return ROBOTS
        if path == "/":
            return Reply(body=page(["/busy"], "home"))
        if path == "/busy":
            with lock:
                answer = left.pop(0) if left else None
            return answer() if answer else Reply(body=page([], "finally"))
        return Reply(404, b"not found", kind="text/plain")

    return app


def _crawl(tmp_path: Path, site: LoggedSite, **settings: str) -> CrawlResult:
    source = write_source(
        tmp_path / "sources", "ban-ron", site, manners="{per_host: 1, autothrottle: false}"
    )
    values = {"NETWORK_LOOPBACK_ONLY": "1", **settings}
    run = CrawlRun(load_source(source), source, tmp_path / "home", values)
    run.start()
    result = run.wait(120)
    assert result.returncode == 0, result.log_path.read_text()[-3000:]
    return result


def too_many() -> Reply:
    return Reply(429, b"slow down", kind="text/plain")


def test_429s_without_retry_after_back_off_doubling(tmp_path):
    with serving(busy_site([too_many, too_many, too_many])) as site:
        # Three retries (Scrapy's default is two), so three waits show the doubling.
        result = _crawl(tmp_path, site, RETRY_TIMES="3")
    arrivals = site.times("/busy")
    assert len(arrivals) == 4  # three 429s, then the page
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    # 1 s, then 2 s, then 4 s (crawler/middlewares/politeness.py: _BACKOFF_START).
    for gap, wait in zip(gaps, (1, 2, 4), strict=True):
        assert wait - 0.05 <= gap < wait + 3, gaps
    assert result.stats["politeness/retry_after"] == 3
    assert result.stats["politeness/waited_seconds"] == 1 + 2 + 4
    assert result.stats["downloader/response_status_count/429"] == 3


def test_a_429_retry_after_as_an_http_date_holds_the_host_back_until_then(tmp_path):
    asked: list[float] = []

    def until_then() -> Reply:
        # An HTTP date has whole seconds: 4 s from now, less the fraction cut, is 3 to 4 s.
        when = time.time() + 4
        asked.append(when - int(when))
        return Reply(429, b"later", [("Retry-After", formatdate(when, usegmt=True))], "text/plain")

    with serving(busy_site([until_then])) as site:
        result = _crawl(tmp_path, site)
    first, second = site.times("/busy")
    least = 4 - asked[0]  # what the date said, from the moment the server said it
    assert second - first >= least - 0.1, (second - first, least)
    assert second - first < 4 + 4
    assert result.stats["politeness/retry_after"] == 1
    assert result.stats["politeness/waited_seconds"] in {3, 4}
