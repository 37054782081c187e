"""Manners a server can ask for: ``Retry-After`` on 429/503.

``RetryAfterMiddleware`` sits just before Scrapy's ``RetryMiddleware`` in the response
chain: on a 429 or 503 it holds back the host's download slot for as long as the
server asked (``Retry-After`` in seconds or as an HTTP date; without one, a back-off
that doubles per answer), then ``RetryMiddleware`` re-schedules the request, which
waits in the slot. A wait longer than ``POLITENESS_MAX_RETRY_AFTER`` gives the host
up for this crawl: its queued requests are dropped, counted and logged, never
hammered. The slot's own delay comes back after the host answers normally.

Stats: ``politeness/retry_after``, ``politeness/waited_seconds``,
``politeness/hosts_given_up``, ``politeness/given_up_requests``.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Self

from scrapy.exceptions import IgnoreRequest
from scrapy.utils.httpobj import urlparse_cached

if TYPE_CHECKING:
    from scrapy.core.downloader import Slot
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response

logger = logging.getLogger(__name__)

_BACKOFF_START = 1.0  # seconds, when a 429/503 names no Retry-After


def retry_after_seconds(value: bytes | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (RFC 9110, 10.2.3); None if absent or bad."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # "-0000" or no zone: an HTTP-date is GMT, never local time
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now)


class RetryAfterMiddleware:
    """Waits as long as a 429/503 asks before the host gets another request."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.max_wait = crawler.settings.getfloat("POLITENESS_MAX_RETRY_AFTER")
        self._saved_delay: dict[str, float] = {}
        self._held_until: dict[str, float] = {}
        self._backoff: dict[str, float] = {}
        self._given_up: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        if urlparse_cached(request).netloc in self._given_up:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("politeness/given_up_requests")
            raise IgnoreRequest(f"host gave a Retry-After beyond the limit: {request.url}")

    def process_response(self, request: Request, response: Response) -> Response:
        key, slot = self._slot(request)
        if slot is None or key is None or "resumed" in response.flags:
            return response  # (a resumed run's earlier answer: the server said it then)
        if response.status not in {429, 503}:
            # Back to the slot's own delay once the wait is over: an answer to a request
            # that was already on its way during the wait must not cut it short.
            if key in self._saved_delay and time.monotonic() >= self._held_until.get(key, 0):
                slot.delay = self._saved_delay.pop(key)
                self._backoff.pop(key, None)
            return response
        now = time.time()
        wait = retry_after_seconds(response.headers.get(b"Retry-After"), now)
        if wait is None:
            wait = self._backoff.get(key, _BACKOFF_START / 2) * 2
            self._backoff[key] = wait
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value("politeness/retry_after")
        netloc = urlparse_cached(request).netloc
        if wait > self.max_wait:
            self._given_up.add(netloc)
            stats.inc_value("politeness/hosts_given_up")
            logger.warning(
                "%s asked to wait %.0fs (over the %.0fs limit): giving the host up for this crawl",
                netloc, wait, self.max_wait,
            )  # fmt: skip
            return response
        logger.info(
            "%s answered %d: waiting %.1fs before asking it again", netloc, response.status, wait
        )
        self._saved_delay.setdefault(key, slot.delay)
        slot.delay = max(slot.delay, wait)
        slot.lastseen = time.monotonic()  # the clock Scrapy's slots use
        self._held_until[key] = slot.lastseen + wait
        assert self.crawler.engine is not None  # it has a slot
        hold_host = getattr(self.crawler.engine.downloader, "hold_host", None)
        if hold_host is not None:  # a distributed run: every worker waits (crawler/cluster)
            hold_host(key, wait)
        stats.inc_value("politeness/waited_seconds", round(wait))
        return response

    def _slot(self, request: Request) -> tuple[str | None, Slot | None]:
        engine = self.crawler.engine
        if engine is None:
            return None, None
        key = engine.downloader.get_slot_key(request)
        return key, engine.downloader.slots.get(key)
