"""The extraction pool on its own: which pages are articles, a pool process's imports,
the recorder with and without a database, and pool processes that die (split from
test_extract_crawl.py, which crawls)."""

from __future__ import annotations

import pytest

from archive.store import Store
from tests.helpers.crawls import component_crawler, read_records, warcio_check


def test_only_post_pages_are_articles_on_blogs():
    import lxml.html

    from crawler.sites.articles import ArticleRule

    listing = lxml.html.document_fromstring(
        '<html><script type="application/ld+json">{"@type": "BlogPosting"}</script></html>'
    )
    blogger = ArticleRule("blogger")
    assert blogger.matches("http://b.blogspot.test/2012/04/bai-viet.html", listing)
    assert not blogger.matches("http://b.blogspot.test/", listing)
    assert not blogger.matches("http://b.blogspot.test/search/label/X", listing)
    news = ArticleRule("news", (r"-\d{6}\.html$",))
    assert news.matches(
        "http://thoisu.test/a-510001.html", lxml.html.document_fromstring("<p>x</p>")
    )
    assert news.matches("http://thoisu.test/x", listing)
    assert not news.matches("http://thoisu.test/", lxml.html.document_fromstring("<p>x</p>"))


def _page(world, url, status=200):
    from datetime import UTC, datetime

    from archive import RecordRef
    from crawler.items import ArticlePage

    response = world.url_response(url)
    assert response is not None
    ref = RecordRef("raw.warc.gz", 0, 10, "<urn:uuid:00000000-0000-4000-8000-000000000001>", "")
    return ArticlePage(
        url, response.body, tuple(dict(response.headers).items()), status, ref,
        datetime.now(UTC), "default", "nhip-cau",
    )  # fmt: skip


def test_pool_recorder_without_a_database_writes_warc_and_says_so_once(tmp_path, world):
    from crawler.pipelines.extract import Recorder

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    recorder = Recorder(f"sqlite:///{blocker / 'archivist.db'}", tmp_path / "derived", "t")
    page = _page(world, world.seed_repost_url)
    first, second = recorder.page(page), recorder.page(page)
    recorder.close()
    assert first.stats == second.stats == ("extract/articles", "extract/not_stored")
    assert len(first.warnings) == 1
    assert str(blocker) in first.warnings[0]
    assert second.warnings == ()
    derived = sorted((tmp_path / "derived").glob("*.warc.gz"))
    assert [r["type"] for r in read_records(derived)].count("conversion") == 2
    assert warcio_check(derived).returncode == 0


def test_a_pool_process_imports_neither_scrapy_nor_twisted(tmp_path, world):
    """What a spawned pool process imports (the job's module, the item's) leaves Scrapy
    and Twisted out: each would cost every pool process tens of MB for nothing."""
    import pickle
    import subprocess
    import sys

    page = tmp_path / "page.pickle"
    page.write_bytes(pickle.dumps(_page(world, world.seed_repost_url)))
    code = (
        "import pickle, sys\n"
        "from pathlib import Path\n"
        "from crawler.pipelines._recorder import Recorder, page_job, start_process\n"
        f"start_process(None, Path({str(tmp_path / 'derived')!r}), 't')\n"
        f"print(page_job(pickle.loads(Path({str(page)!r}).read_bytes())).stats)\n"
        "print(sorted(m for m in ('scrapy', 'twisted') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["('extract/articles', 'extract/not_stored')", "[]"]


def test_pool_recorder_keeps_the_record_and_drops_pages_without_an_article(tmp_path, world):
    from dataclasses import replace

    from archive.store import soft_404
    from crawler.pipelines.extract import Recorder

    recorder = Recorder(f"sqlite:///{tmp_path / 'a.db'}", tmp_path / "derived", "t")
    outcome = recorder.page(_page(world, world.seed_repost_url))
    blank = replace(_page(world, world.seed_repost_url), body=b"<html><body><p>.</p></body></html>")
    empty = recorder.page(blank)
    empty_detail = soft_404(None, None)
    assert outcome.stats == ("extract/articles", "extract/new")
    assert outcome.dropped is None
    # A known article's URL that now serves no article with a 200 is a soft 404.
    assert empty.stats == ("recrawl/removed", "extract/empty")
    assert empty.warnings == (f"Article removed: {world.seed_repost_url} {empty_detail}",)
    assert empty.dropped == f"no article text in {world.seed_repost_url}"
    unknown = recorder.page(replace(blank, url="http://nhipcau.blogspot.test/p/x.html"))
    assert unknown.stats == ("extract/empty",)
    assert unknown.warnings == ()
    recorder.close()
    with Store(f"sqlite:///{tmp_path / 'a.db'}") as store:
        (stored,) = store.articles()
    assert stored.article.url == world.seed_repost_url
    assert stored.capture.record_id == "<urn:uuid:00000000-0000-4000-8000-000000000001>"


def test_a_dead_extraction_process_is_replaced_and_its_pages_tried_again(tmp_path, world):
    """A pool process killed mid-crawl (out of memory, say) breaks the whole pool: the
    pipeline starts a new one, tries the page again and closes the dead one's WARC."""
    import asyncio
    import multiprocessing
    import os
    import signal

    from scrapy.statscollectors import MemoryStatsCollector

    from crawler.pipelines.extract import ExtractPipeline

    crawler = component_crawler(ARCHIVIST_HOME=str(tmp_path), EXTRACT_WORKERS=1, STORE_URL="")
    crawler.stats = MemoryStatsCollector(crawler)
    pipeline = ExtractPipeline.from_crawler(crawler)
    pipeline.open_spider()
    try:

        async def run():
            first = await pipeline.process_item(_page(world, world.seed_repost_url))
            (process,) = multiprocessing.active_children()
            assert list(tmp_path.rglob("*.warc.gz.open"))  # its derived WARC, being written
            os.kill(process.pid, signal.SIGKILL)
            process.join(10)
            second = await pipeline.process_item(
                _page(world, world.article_urls("goc-nhin.test")[0])
            )
            return first, second

        first, second = asyncio.run(run())
    finally:
        pipeline.close_spider()
    assert first.url == world.seed_repost_url
    assert second.url == world.article_urls("goc-nhin.test")[0]
    stats = crawler.stats.get_stats()
    assert stats["extract/pool_restarts"] == 1
    assert stats["extract/articles"] == 2
    assert "extract/errors" not in stats
    derived = sorted(tmp_path.rglob("*-extracted-*.warc.gz"))
    assert len(derived) == 2  # the dead process's file, closed, and the new one's
    assert not list(tmp_path.rglob("*.open"))
    assert warcio_check(derived).returncode == 0
    conversions = [r for r in read_records(derived) if r["type"] == "conversion"]
    assert len(conversions) == 2


def _killing_pool_processes(pipeline, page, deaths):
    """Process ``page`` while killing each new pool process as it starts, ``deaths``
    times; then, if the pipeline gave the page up, process one more page."""
    import asyncio
    import multiprocessing
    import os
    import signal

    from scrapy.exceptions import DropItem

    async def kill_new_processes():
        killed: set[int] = set()
        while len(killed) < deaths:
            for process in multiprocessing.active_children():
                if process.pid not in killed:
                    os.kill(process.pid, signal.SIGKILL)
                    process.join(10)
                    killed.add(process.pid)
            await asyncio.sleep(0.02)

    async def run():
        task = asyncio.ensure_future(pipeline.process_item(page))
        await asyncio.wait_for(kill_new_processes(), 60)
        with pytest.raises(DropItem, match="extraction failed"):
            await task

    asyncio.run(run())


def _pipeline(tmp_path):
    from scrapy.statscollectors import MemoryStatsCollector

    from crawler.pipelines.extract import ExtractPipeline

    crawler = component_crawler(ARCHIVIST_HOME=str(tmp_path), EXTRACT_WORKERS=1, STORE_URL="")
    crawler.stats = MemoryStatsCollector(crawler)
    pipeline = ExtractPipeline.from_crawler(crawler)
    pipeline.open_spider()
    return crawler, pipeline


def test_a_page_whose_process_dies_twice_is_given_up_and_the_crawl_goes_on(tmp_path, world, caplog):
    """A page that kills its process (a crash in a C library on its markup, say) is tried
    once more on a new pool, then given up: counted, logged with its URL; the next page is
    extracted."""
    import asyncio

    crawler, pipeline = _pipeline(tmp_path)
    poison = _page(world, world.seed_repost_url)
    after = world.article_urls("goc-nhin.test")[0]
    try:
        _killing_pool_processes(pipeline, poison, deaths=2)
        item = asyncio.run(pipeline.process_item(_page(world, after)))
    finally:
        pipeline.close_spider()
    assert item.url == after
    stats = crawler.stats.get_stats()
    assert stats["extract/pool_restarts"] == 2
    assert stats["extract/errors"] == 1
    assert stats["extract/articles"] == 1
    failed = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert failed == [f"Extraction failed for {world.seed_repost_url}: its process died"]
    assert not list(tmp_path.rglob("*.open"))


def test_past_the_restart_limit_pages_are_captured_but_not_extracted(
    tmp_path, world, caplog, monkeypatch
):
    """Processes dying over and over (memory exhausted for good): past the limit no new pool
    is started; each later page fails at once, counted and logged, and the crawl goes on."""
    import asyncio

    from scrapy.exceptions import DropItem

    from crawler.pipelines import extract as pipelines_extract

    monkeypatch.setattr(pipelines_extract, "_MAX_RESTARTS", 1)
    crawler, pipeline = _pipeline(tmp_path)
    urls = world.article_urls("goc-nhin.test")[:2]
    try:
        # The first death starts a new pool (the one restart allowed); the second is past it.
        _killing_pool_processes(pipeline, _page(world, world.seed_repost_url), deaths=2)
        for url in urls:
            with pytest.raises(DropItem, match="extraction failed"):
                asyncio.run(pipeline.process_item(_page(world, url)))
    finally:
        pipeline.close_spider()
    stats = crawler.stats.get_stats()
    assert stats["extract/pool_restarts"] == 1
    assert stats["extract/errors"] == 3
    assert "extract/articles" not in stats
    failed = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert failed == [
        f"Extraction failed for {url}: its process died (1 restarts already: no more)"
        for url in [world.seed_repost_url, *urls]
    ]
