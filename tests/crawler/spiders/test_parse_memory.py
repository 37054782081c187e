"""What a page's parse leaves behind: nothing that waits for the garbage collector.

A crawl parses thousands of pages a minute; a parsed page kept alive by a reference
cycle (Scrapy's ``response.selector`` is cached on the response, which it refers to)
lives until a full collection, tree, decoded text and body included: at the end of a
5,000-article crawl, 145 of them were waiting (README, "Speed")."""

from __future__ import annotations

import gc
import weakref

from scrapy import Request
from scrapy.http import HtmlResponse

from crawler.sources.schema import load_source
from crawler.spiders.news import NewsSpider
from tests.helpers.crawls import component_crawler, write_source

HOST = "thoisu.test"
ARTICLE = f"""<!doctype html><html lang=vi><head><meta charset=utf-8>
<meta property="og:type" content="article"><title>Bài 1</title>
<link rel="alternate" type="application/rss+xml" href="/rss/tin.xml"></head>
<body><article><h1>Bài 1</h1><p>{"Nội dung bài báo. " * 50}</p>
<img src="/anh/1.jpg"><a href="/tin/bai-2.html">Bài 2</a><a href="/tin/bai-3.html">3</a>
</article></body></html>""".encode()


def test_a_parsed_page_is_freed_with_its_parse_not_by_the_collector(tmp_path):
    source = write_source(tmp_path / "sources", "tin", HOST)
    crawler = component_crawler(ARCHIVIST_HOME=str(tmp_path))
    spider = NewsSpider(load_source(source), run_id="t")
    spider._set_crawler(crawler)
    spider.sweep = spider._plan_sweep()
    url = f"http://{HOST}/tin/bai-1.html"
    response = HtmlResponse(url, body=ARTICLE, encoding="utf-8", request=Request(url))
    gone = weakref.ref(response)
    gc.disable()  # only reference counting frees it, as between two full collections
    try:
        followed = [r.url for r in spider.parse(response) if isinstance(r, Request)]
        del response
        assert gone() is None, gc.get_referrers(gone())
    finally:
        gc.enable()
    # It was parsed: its links, requisites and feed were followed.
    assert {f"http://{HOST}/tin/bai-2.html", f"http://{HOST}/anh/1.jpg"} <= set(followed)
    assert f"http://{HOST}/rss/tin.xml" in followed
