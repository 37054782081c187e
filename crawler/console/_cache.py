"""Pages built at most once a short while, shared by the requests that ask meanwhile.

A console page costs 5 to 40 ms of Python (the overview evaluates every source's
monitors); under the GIL, 200 requests at once made the overview take 4.4 s at the
median and 7.5 s at p95. The pages already say "as of now": the running crawls' figures
refresh every 2 s from ``/api/live``, which is never cached. So each page is built once
per ``seconds`` for each path and query, and every request that arrives while it is
being built waits for that one build (a single flight) rather than building its own.
Only 200 answers are kept.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from starlette.responses import Response

if TYPE_CHECKING:
    from collections.abc import Callable

    from starlette.requests import Request

__all__ = ["PageCache"]


class PageCache:
    """Built pages by path and query, each kept ``seconds`` (0: none kept)."""

    def __init__(self, seconds: float, *, most: int = 256) -> None:
        self.seconds = seconds
        self.most = most
        self._pages: dict[tuple[str, str], tuple[float, bytes, int, dict[str, str]]] = {}
        self._locks: dict[tuple[str, str], threading.Lock] = {}
        self._guard = threading.Lock()

    def wrap(self, handler: Callable[[Request], Response]) -> Callable[[Request], Response]:
        """``handler``, answering from the cache while its page is fresh."""
        if self.seconds <= 0:
            return handler

        def cached(request: Request) -> Response:
            query = "&".join(
                f"{k}={v}" for k, v in sorted(request.query_params.multi_items()) if k != "token"
            )
            key = (request.url.path, query)
            with self._lock(key):
                kept = self._pages.get(key)
                if kept is not None and kept[0] > time.monotonic():
                    _, body, status, headers = kept
                    return Response(body, status_code=status, headers=headers)
                response = handler(request)
                if response.status_code == 200:
                    self._keep(key, response)
                return response

        return cached

    def _lock(self, key: tuple[str, str]) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

    def _keep(self, key: tuple[str, str], response: Response) -> None:
        now = time.monotonic()
        with self._guard:
            if len(self._pages) >= self.most:  # drop the stale first, then the oldest
                for old in [k for k, v in self._pages.items() if v[0] <= now] or [
                    next(iter(self._pages))
                ]:
                    self._pages.pop(old, None)
                    self._locks.pop(old, None)
            headers = {k: v for k, v in response.headers.items() if k != "content-length"}
            self._pages[key] = (now + self.seconds, bytes(response.body), 200, headers)
