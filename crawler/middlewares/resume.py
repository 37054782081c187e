"""Resuming a run cut short: what it captured already is served from its WARCs.

``ResumeMiddleware`` (a downloader middleware, before every other) answers a request for
a URL that the run being resumed (``RESUME_RUN``) captured already with that capture,
read back from the WARC file: no request reaches the server, nothing is archived again
(the capture extension hears only real downloads), and the spider parses the page as it
did the first time, so the links it had queued are found again. What the run had not
fetched yet is fetched as usual. The frontier is thus rebuilt from the run's own
captures, which survive a SIGKILL whole (``crawler/runs/recovery.py``); Scrapy's
JOBDIR would not: its disk queue writes its state only when the crawl closes cleanly.

Every capture is served, errors too: a URL is fetched once per run. A served answer is
not retried (``dont_retry``: the first attempt retried it already, and its retries are
captures served in turn) nor waited for (a served 429's Retry-After was honoured then).
A request with ``meta["dont_resume"]`` is always fetched.

Settings: ``RESUME_RUN`` (None): the run id whose captures are served.
Stats: ``resume/served``, ``resume/served_status/<code>`` (so that the run's figures
count an error page once, not again when it is served), ``resume/unreadable`` (a stored record that could not be read:
fetched again).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Self

from scrapy.exceptions import NotConfigured
from scrapy.http import Headers
from scrapy.responsetypes import responsetypes

from archive.warc.reader import read_record_at
from crawler.extensions.records import data_home, open_records

if TYPE_CHECKING:
    from pathlib import Path

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

    from archive.store import StoredAt

__all__ = ["RESUMED", "ResumeMiddleware"]

logger = logging.getLogger(__name__)

RESUMED = "archivist_resumed"
"""``Request.meta`` key: the response came from the resumed run's own capture."""


class ResumeMiddleware:
    """Serves a resumed run's earlier captures instead of fetching them again."""

    def __init__(self, crawler: Crawler, captured: dict[str, StoredAt], home: Path) -> None:
        self.crawler = crawler
        self.captured = captured
        self.home = home

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        run_id = crawler.settings.get("RESUME_RUN")
        if not run_id:
            raise NotConfigured
        store = open_records(crawler)
        if store is None:
            raise NotConfigured("no records store: the resumed run fetches everything again")
        captured = store.run_captures(str(run_id))
        logger.info("Resuming run %s: %d URLs captured already", run_id, len(captured))
        return cls(crawler, captured, data_home(crawler.settings))

    def process_request(self, request: Request) -> Response | None:
        if request.method != "GET" or request.meta.get("dont_resume"):
            return None
        stored = self.captured.get(request.url)
        if stored is None:
            return None
        path = self.home / "collections" / stored.collection / "archive" / stored.filename
        assert self.crawler.stats is not None
        try:
            record = read_record_at(path, stored.offset, stored.length)
        except (OSError, ValueError) as exc:
            self.crawler.stats.inc_value("resume/unreadable")
            logger.warning("Fetching %s again: its capture is unreadable (%s)", request.url, exc)
            return None
        headers = Headers(
            [(k.encode("latin-1"), v.encode("latin-1")) for k, v in record.http_headers]
        )
        cls = responsetypes.from_args(headers=headers, url=request.url, body=record.payload)
        self.crawler.stats.inc_value("resume/served")
        self.crawler.stats.inc_value(f"resume/served_status/{record.status or stored.status}")
        request.meta[RESUMED] = True
        request.meta["dont_retry"] = True
        return cls(
            url=request.url,
            status=record.status or stored.status,
            headers=headers,
            body=record.payload,
            request=request,
            flags=["resumed"],
        )
