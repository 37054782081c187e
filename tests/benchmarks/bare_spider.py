"""The references: a plain Scrapy CrawlSpider, no capture (run by bench_crawl.py).

``-a deny=<JSON list of regexes>`` keeps it out of the world's endless traps, as an
operator would configure a plain CrawlSpider for a site they know. ``-a warc=<path>``
adds the usual way to archive with Scrapy, a downloader middleware writing each
request and response with warcio (``WarcioMiddleware``, enabled by the benchmark with
``DOWNLOADER_MIDDLEWARES``); ``-a extract=1`` runs ``trafilatura.extract`` inline on
each article page, in the callback.
"""

from __future__ import annotations

import json
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals
from scrapy.linkextractors import LinkExtractor
from scrapy.spiders import CrawlSpider, Rule

if TYPE_CHECKING:
    from collections.abc import Iterator

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

ARTICLE = r"-\d+\.html$"


class BareSpider(CrawlSpider):
    name = "bare"
    allowed_domains = ["thoisu.test"]
    start_urls = ["http://thoisu.test/"]

    def __init__(
        self, *args: Any, deny: str = "[]", extract: str = "", warc: str = "", **kwargs: Any
    ) -> None:
        denied = json.loads(deny)
        links = LinkExtractor(allow_domains=["thoisu.test"], deny=denied)
        articles = LinkExtractor(allow=[ARTICLE], allow_domains=["thoisu.test"], deny=denied)
        self.warc = warc
        self.rules = (
            (Rule(articles, callback="parse_article", follow=True),) if extract else ()
        ) + (Rule(links, follow=True),)
        super().__init__(*args, **kwargs)

    def parse_article(self, response: Response) -> Iterator[dict[str, Any]]:
        import trafilatura

        text = trafilatura.extract(response.text, url=response.url)
        yield {"url": response.url, "chars": len(text or "")}


class WarcioMiddleware:
    """Each request and response as WARC records, with warcio (gzip), in the callback
    path: the plain way to archive from Scrapy."""

    def __init__(self, path: str) -> None:
        from warcio.warcwriter import WARCWriter

        self.fh = Path(path).open("wb")  # noqa: SIM115 - closed on spider_closed
        self.writer = WARCWriter(self.fh, gzip=True)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.spider is not None or crawler.spidercls is not None
        path = crawler.settings.get("BENCH_WARC")
        o = cls(path)
        crawler.signals.connect(o.close, signal=signals.spider_closed)
        return o

    def process_response(self, request: Request, response: Response) -> Response:
        from warcio.statusandheaders import StatusAndHeaders

        pairs = [
            (k.decode("latin-1"), v.decode("latin-1"))
            for k, values in response.headers.items()
            for v in values
        ]
        http = StatusAndHeaders(f"{response.status} OK", pairs, protocol="HTTP/1.1")
        record = self.writer.create_warc_record(
            response.url, "response", payload=BytesIO(response.body), http_headers=http
        )
        asked = [
            (k.decode("latin-1"), v.decode("latin-1"))
            for k, values in request.headers.items()
            for v in values
        ]
        target = request.url.split("/", 3)[-1]
        req = StatusAndHeaders(f"{request.method} /{target} HTTP/1.1", asked, is_http_request=True)
        request_record = self.writer.create_warc_record(
            request.url, "request", payload=BytesIO(request.body), http_headers=req
        )
        self.writer.write_request_response_pair(request_record, record)
        return response

    def close(self) -> None:
        self.fh.close()
