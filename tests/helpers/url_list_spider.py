"""Fetches ``-a requests=<JSON list of [method, url]>`` in order, each after the last one
is done, so that answers the server keeps alive share one connection (see raw_http.py)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import scrapy

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from scrapy.http import Response
    from twisted.python.failure import Failure


class UrlListSpider(scrapy.Spider):
    name = "url_list"

    def __init__(self, *args: Any, requests: str = "[]", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queue = [tuple(pair) for pair in json.loads(requests)]

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for request in self._next():
            yield request

    def _next(self) -> Iterator[scrapy.Request]:
        if self.queue:
            method, url = self.queue.pop(0)
            yield scrapy.Request(
                url,
                method=method,
                callback=self.done,
                errback=self.failed,
                dont_filter=True,
                meta={"handle_httpstatus_all": True},
            )

    def done(self, response: Response) -> Iterator[scrapy.Request]:
        yield from self._next()

    def failed(self, failure: Failure) -> Iterator[scrapy.Request]:
        self.logger.error("failed: %s", failure.getErrorMessage())
        yield from self._next()
