"""Asking another web archive, politely: one request at a time, a pause between two,
``Retry-After`` honoured on 429 and 503, doubling back-off on other transient failures.

Plain ``urllib`` (the standard library): no redirect is followed (a capture of a
redirect is a capture, and the archive's own redirects to a nearer timestamp are
refused rather than taken for the capture asked for), no proxy is read from the
environment, and only the URL the operator gave is ever asked.
"""

from __future__ import annotations

import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import IO, TYPE_CHECKING

from crawler.errors import BackfillError

if TYPE_CHECKING:
    from collections.abc import Callable
    from email.message import Message
    from http.client import HTTPMessage

__all__ = ["ArchiveClient", "ArchiveResponse", "retry_after"]

logger = logging.getLogger(__name__)

MAX_BODY = 64 * 1024 * 1024
"""The most of one capture read (``DOWNLOAD_MAXSIZE``'s default): past it, cut and marked."""
_TRANSIENT = {429, 500, 502, 503, 504}
ACCEPT_ENCODING = "gzip, deflate, br, zstd, compress, identity"
"""Every coding: pywb decodes a capture for a client that does not accept its coding
(``Content-Encoding`` not in ``Accept-Encoding``), and the bytes as sent are wanted."""


@dataclass(frozen=True, slots=True)
class ArchiveResponse:
    url: str
    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    truncated: bool = False

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers if k.lower() == lowered), None)


def retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds a ``Retry-After`` asks for (seconds, or an HTTP date); None if unreadable."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(  # noqa: PLR0917 - urllib's signature
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        return None  # urllib then raises HTTPError carrying the 3xx as it came


class ArchiveClient:
    """GETs from one archive, ``delay`` seconds apart, retried up to ``retries`` times."""

    def __init__(
        self,
        user_agent: str,
        *,
        delay: float = 1.0,
        retries: int = 5,
        backoff: float = 2.0,
        max_retry_after: float = 600.0,
        timeout: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.user_agent = user_agent
        self.delay = delay
        self.retries = retries
        self.backoff = backoff
        self.max_retry_after = max_retry_after
        self.timeout = timeout
        self.sleep = sleep
        self.requests = 0
        self.waited = 0.0
        """Seconds spent waiting on the archive's Retry-After and back-off."""
        self._last = 0.0
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())

    def get(self, url: str) -> ArchiveResponse:
        """The archive's answer to ``url`` once it is not a transient failure; raises
        ``BackfillError`` if it stays one, or asks to wait longer than allowed."""
        if not url.startswith(("http://", "https://")):
            raise BackfillError(url, "not an http(s) URL; give the archive's http(s) address")
        for attempt in range(self.retries + 1):
            response = self._once(url)
            if response is not None and response.status not in _TRANSIENT:
                return response
            wait = self._wait_for(url, response, attempt)
            if attempt == self.retries:
                break
            logger.info("Archive busy (%s); waiting %.1fs before %s", _said(response), wait, url)
            self.waited += wait
            self.sleep(wait)
        raise BackfillError(
            url, f"the archive still fails after {self.retries + 1} attempts; try again later"
        )

    def _wait_for(self, url: str, response: ArchiveResponse | None, attempt: int) -> float:
        asked = None
        if response is not None and response.status in {429, 503}:
            asked = retry_after(response.header("Retry-After"), datetime.now(UTC))
        if asked is not None and asked > self.max_retry_after:
            raise BackfillError(
                url,
                f"the archive asks to wait {asked:.0f}s (Retry-After), over the "
                f"{self.max_retry_after:.0f}s allowed; run the backfill again later: it resumes",
            )
        return asked if asked is not None else self.backoff * 2**attempt

    def _once(self, url: str) -> ArchiveResponse | None:
        pause = self._last + self.delay - time.monotonic()
        if pause > 0:
            self.sleep(pause)
        request = urllib.request.Request(  # noqa: S310 - http(s) only: get() checks
            url, headers={"User-Agent": self.user_agent, "Accept-Encoding": ACCEPT_ENCODING}
        )
        self.requests += 1
        try:
            try:
                with self._opener.open(request, timeout=self.timeout) as answer:
                    return _response(url, answer.status, answer.reason, answer.headers, answer)
            except urllib.error.HTTPError as error:
                with error:
                    return _response(url, error.code, str(error.reason), error.headers, error)
        except (urllib.error.URLError, OSError) as exc:
            logger.warning("Archive request failed: %s: %s", url, exc)
            return None
        finally:
            self._last = time.monotonic()


def _response(
    url: str, status: int, reason: str, headers: Message, body: IO[bytes]
) -> ArchiveResponse:
    data = body.read(MAX_BODY + 1)
    return ArchiveResponse(
        url,
        status,
        reason,
        tuple((str(k), str(v)) for k, v in headers.items()),
        data[:MAX_BODY],
        truncated=len(data) > MAX_BODY,
    )


def _said(response: ArchiveResponse | None) -> str:
    return "no answer" if response is None else f"HTTP {response.status}"
