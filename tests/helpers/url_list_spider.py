"""Fetches ``-a requests=<JSON list of [method, url]>`` in order, each after the last one
is done, so that answers the server keeps alive share one connection (see raw_http.py);
with ``-a parallel=1``, all at once (as many at a time as the settings let), and with
``-a proxy=<url>`` through that proxy (tests/benchmarks/bench_exact.py). At the end it
logs how many responses still held their exchange's bytes on the wire when they reached
it, after their capture (tests/e2e/test_exact_capture.py)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import scrapy

from crawler.handler import wire_of

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from scrapy.http import Response
    from twisted.python.failure import Failure


class UrlListSpider(scrapy.Spider):
    name = "url_list"

    def __init__(
        self, *args: Any, requests: str = "[]", parallel: str = "", proxy: str = "", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.queue = [tuple(pair) for pair in json.loads(requests)]
        self.parallel = bool(parallel)
        self.proxy = proxy
        self.reached = self.wires_kept = 0

    async def start(self) -> AsyncIterator[scrapy.Request]:
        while self.queue:
            for request in self._next():
                yield request
            if not self.parallel:
                break

    def _next(self) -> Iterator[scrapy.Request]:
        if self.queue:
            method, url = self.queue.pop(0)
            meta: dict[str, Any] = {"handle_httpstatus_all": True}
            if self.proxy:
                meta["proxy"] = self.proxy
            yield scrapy.Request(
                url,
                method=method,
                callback=self.done,
                errback=self.failed,
                dont_filter=True,
                meta=meta,
            )

    def done(self, response: Response) -> Iterator[scrapy.Request]:
        self.reached += 1
        self.wires_kept += wire_of(response) is not None
        if not self.parallel:
            yield from self._next()

    def failed(self, failure: Failure) -> Iterator[scrapy.Request]:
        self.logger.error("failed: %s", failure.getErrorMessage())
        if not self.parallel:
            yield from self._next()

    def closed(self, reason: str) -> None:
        self.logger.info("wires kept past capture: %d of %d", self.wires_kept, self.reached)
