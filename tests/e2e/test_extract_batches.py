"""Pages batched to the extraction pool: one transaction for a batch's rows, outcomes told
only once it commits, a failing page failing alone, a process killed mid-batch."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import event

from archive import RecordRef
from archive.store import Store
from tests.helpers.crawls import component_crawler, read_records, warcio_check


def _pages(world, count):
    from crawler.items import ArticlePage

    found = []
    for n, url in enumerate(world.article_urls("thoisu.test")[:count]):
        response = world.url_response(url)
        assert response is not None
        ref = RecordRef("raw.warc.gz", n * 100, 10, f"<urn:uuid:{n:032x}>", f"sha1:{n}")
        headers = tuple(dict(response.headers).items())
        found.append(
            ArticlePage(url, response.body, headers, 200, ref, datetime.now(UTC), "d", "goc")
        )
    return found


def _counts(url):
    with Store(url) as store, store.engine.connect() as connection:
        return {
            table: connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar()
            for table in ("captures", "articles", "article_versions")
        }


def test_a_batch_is_one_transaction_and_a_failing_page_fails_alone(tmp_path, world):
    from crawler.pipelines._recorder import Recorder

    url = f"sqlite:///{tmp_path / 'a.db'}"
    recorder = Recorder(url, tmp_path / "derived", "t")
    assert recorder.store is not None
    commits = []
    event.listen(recorder.store.engine, "commit", lambda _connection: commits.append(1))
    first, second, third, fourth, fifth = _pages(world, 5)
    unreadable = replace(second, fetched_at=second.fetched_at.replace(tzinfo=None))
    unkept = replace(third, status=None)  # its capture row refuses it: NOT NULL
    try:
        outcomes = recorder.pages([first, unreadable, unkept, fourth])
        commits.clear()
        again = recorder.pages([second, third, fifth])
    finally:
        recorder.close()
    new = ("extract/articles", "extract/new")
    assert [o.stats for o in outcomes] == [new, (), (), new]
    assert [o.error is None for o in outcomes] == [True, False, False, True]
    assert "offset-naive" in outcomes[1].error  # extraction raised
    assert "IntegrityError" in outcomes[2].error  # its rows failed the batch: kept alone
    assert [o.stats for o in again] == [new, new, new]
    assert commits == [1]  # three pages' rows: one transaction
    assert _counts(url) == {"captures": 5, "articles": 5, "article_versions": 5}


def _pipeline(tmp_path, store_url):
    from scrapy.statscollectors import MemoryStatsCollector

    from crawler.pipelines.extract import ExtractPipeline

    crawler = component_crawler(
        ARCHIVIST_HOME=str(tmp_path), EXTRACT_WORKERS=1, STORE_URL=store_url
    )
    crawler.stats = MemoryStatsCollector(crawler)
    pipeline = ExtractPipeline.from_crawler(crawler)
    pipeline.open_spider()
    return crawler, pipeline


def test_pages_that_wait_for_a_busy_pool_go_together(tmp_path, world):
    url = f"sqlite:///{tmp_path / 'a.db'}"
    crawler, pipeline = _pipeline(tmp_path, url)
    pages = _pages(world, 6)

    async def run():
        return await asyncio.gather(*(pipeline.process_item(page) for page in pages))

    try:
        done = asyncio.run(run())
    finally:
        pipeline.close_spider()
    assert [item.url for item in done] == [page.url for page in pages]
    stats = crawler.stats.get_stats()
    # The first page alone (the process was free), the five that came meanwhile together.
    assert stats["extract/batches"] == 2
    assert stats["extract/articles"] == stats["extract/new"] == 6
    assert _counts(url) == {"captures": 6, "articles": 6, "article_versions": 6}


def test_a_process_killed_mid_batch_leaves_nothing_counted_and_each_page_is_kept_once(
    tmp_path, world
):
    """Killed before its batch commits: no page of it is counted, the store holds none of
    its rows; each is tried again on a new pool and kept once, its derived records with it."""
    import multiprocessing
    import os
    import signal

    url = f"sqlite:///{tmp_path / 'a.db'}"
    crawler, pipeline = _pipeline(tmp_path, url)
    pages = _pages(world, 5)

    async def run():
        pipeline.busy = 1  # as if the process had a batch: the pages wait, then go as one
        tasks = [asyncio.ensure_future(pipeline.process_item(page)) for page in pages]
        await asyncio.sleep(0)
        assert len(pipeline.waiting) == len(pages)
        pipeline.busy = 0
        pipeline._dispatch()
        assert not pipeline.waiting
        for _ in range(1000):  # the process starting (spawned, it imports for a second)
            children = multiprocessing.active_children()
            if children:
                break
            await asyncio.sleep(0.01)
        (process,) = children
        os.kill(process.pid, signal.SIGKILL)
        process.join(10)
        return await asyncio.gather(*tasks)

    try:
        done = asyncio.run(run())
    finally:
        pipeline.close_spider()
    assert [item.url for item in done] == [page.url for page in pages]
    stats = crawler.stats.get_stats()
    assert stats["extract/pool_restarts"] == 1
    assert stats["extract/articles"] == stats["extract/new"] == 5
    assert "extract/errors" not in stats
    assert _counts(url) == {"captures": 5, "articles": 5, "article_versions": 5}
    derived = sorted(tmp_path.rglob("*-extracted-*.warc.gz"))
    assert warcio_check(derived).returncode == 0
    conversions = [r for r in read_records(derived) if r["type"] == "conversion"]
    ids = {r["warc"].get_header("WARC-Record-ID") for r in conversions}
    with Store(url) as store:
        kept = {a.conversion_id for a in store.articles()}
    assert len(kept) == 5
    assert kept <= ids  # every version's text is in a derived WARC
