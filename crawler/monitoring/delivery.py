"""Alert delivery off the caller's thread: webhooks (JSON POST) and e-mail, with retries.

One daemon thread sends every notice. A failed send is put back with a delay that
doubles from ``backoff`` up to ``max_backoff``, ``retries`` times; other notices go
out in the meantime, and nothing the caller does ever waits on a receiver.
"""

from __future__ import annotations

import heapq
import itertools
import json
import logging
import smtplib
import threading
import time
import urllib.error
import urllib.request
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

__all__ = ["Delivery", "Notifier", "post_json", "send_mail"]

logger = logging.getLogger(__name__)


class Delivery:
    """One notice to one receiver: ``send`` raises ``OSError`` when it did not get there."""

    def __init__(self, target: str, send: Callable[[], None]) -> None:
        self.target = target
        self.send = send
        self.attempts = 0


def post_json(
    url: str, payload: Mapping[str, Any], headers: Mapping[str, str], timeout: float
) -> None:
    """POST ``payload`` as JSON; any answer but 2xx raises ``OSError``."""
    body = json.dumps(payload, ensure_ascii=False).encode()
    request = urllib.request.Request(  # noqa: S310 - settings allow only http(s) URLs
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "archivist-alerts", **headers},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - as above
        if not 200 <= response.status < 300:
            raise urllib.error.HTTPError(
                url, response.status, response.reason, response.headers, None
            )


def send_mail(  # noqa: PLR0917 - an SMTP session's fields, in order
    host: str,
    port: int,
    sender: str,
    recipients: Sequence[str],
    subject: str,
    text: str,
    *,
    starttls: bool = False,
    username: str | None = None,
    password: str | None = None,
    timeout: float = 30.0,
) -> None:
    """Send one plain-text message; ``smtplib`` errors are ``OSError``s."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, ", ".join(recipients), subject
    message.set_content(text)
    with smtplib.SMTP(host, port, timeout=timeout) as smtp:
        if starttls:
            smtp.starttls()
        if username:
            smtp.login(username, password or "")
        smtp.send_message(message)


class Notifier:
    """Sends deliveries from a daemon thread, retrying each with exponential back-off."""

    def __init__(self, retries: int = 5, backoff: float = 2.0, max_backoff: float = 300.0) -> None:
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.failed: list[Delivery] = []  # given up on, for whoever wants to know
        self._queue: list[tuple[float, int, Delivery]] = []
        self._order = itertools.count()
        self._busy = 0
        self._closed = False
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def submit(self, delivery: Delivery) -> None:
        with self._wake:
            if self._closed:
                raise RuntimeError("the notifier is closed")
            heapq.heappush(self._queue, (time.monotonic(), next(self._order), delivery))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="alerts", daemon=True)
                self._thread.start()
            self._wake.notify_all()

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every delivery was sent or given up on; False on timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._wake:
            while self._queue or self._busy:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._wake.wait(left)
        return True

    def close(self, timeout: float | None = 10.0) -> None:
        """Send what is due within ``timeout``, then stop the thread."""
        self.flush(timeout)
        with self._wake:
            self._closed = True
            self._wake.notify_all()
        if self._thread is not None:
            self._thread.join(1.0)

    def _next(self) -> Delivery | None:
        with self._wake:
            while not self._closed:
                if self._queue and self._queue[0][0] <= time.monotonic():
                    self._busy += 1
                    return heapq.heappop(self._queue)[2]
                wait = self._queue[0][0] - time.monotonic() if self._queue else None
                self._wake.wait(wait)
            return None

    def _run(self) -> None:
        while (delivery := self._next()) is not None:
            try:
                self._attempt(delivery)
            finally:
                with self._wake:
                    self._busy -= 1
                    self._wake.notify_all()

    def _attempt(self, delivery: Delivery) -> None:
        delivery.attempts += 1
        try:
            delivery.send()
        except (OSError, ValueError) as exc:  # urllib and smtplib errors are OSErrors
            if delivery.attempts > self.retries:
                logger.error(
                    "Gave up on alert to %s after %d attempts: %s",
                    delivery.target,
                    delivery.attempts,
                    exc,
                )
                self.failed.append(delivery)
                return
            delay = min(self.max_backoff, self.backoff * 2 ** (delivery.attempts - 1))
            logger.warning("Alert to %s failed (%s); again in %.1fs", delivery.target, exc, delay)
            with self._wake:
                due = time.monotonic() + delay
                heapq.heappush(self._queue, (due, next(self._order), delivery))
            return
        logger.debug("Alert sent to %s", delivery.target)
