"""The records store, on SQLite and on PostgreSQL (127.0.0.1:5432, database ``test``)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from archive.store import Store, StoreError
from archive.store._schema import Base
from archive.text._fold import fold
from archive.text.article import Article, DatedValue
from archive.warc.records import RecordRef
from tests.helpers.records import (
    ICT,
    T0,
    TABLES,
    add_article,
    add_capture,
    sample_article,
    sample_ref,
)


def test_migrations_create_every_table_and_reopen_is_a_no_op(store_url):
    with Store(store_url) as store:
        add_capture(store, 1, "http://news.test/")
        with store.engine.connect() as connection:
            assert set(inspect(connection).get_table_names()) == TABLES
            version = connection.execute(text("SELECT version_num FROM alembic_version"))
            assert version.scalars().all() == ["0010_capture_origin"]
    with Store(store_url) as again:
        assert add_capture(again, 1, "http://news.test/") == 1


def test_models_match_the_migrations(store):
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_a_newer_database_is_refused(store_url):
    with Store(store_url) as store, store.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(StoreError, match="newer archivist"):
        Store(store_url)


def test_sqlite_runs_in_wal_mode_in_a_new_folder(tmp_path):
    with Store.for_home(tmp_path / "new" / "home") as store:
        assert (tmp_path / "new" / "home" / "archivist.db").exists()
        with store.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL


def test_add_capture_is_idempotent_on_record_id(store):
    store.start_run("run-1", "demo", "demo")
    first = add_capture(store, 1, "http://news.test/a", run_id="run-1")
    assert add_capture(store, 1, "http://news.test/a") == first
    assert add_capture(store, 2, "http://news.test/a") != first
    with pytest.raises(ValueError, match="timezone-aware"):
        add_capture(store, 3, "http://news.test/a", when=T0.replace(tzinfo=None))
    with pytest.raises(StoreError, match="no capture 999"):
        store.record_article(sample_article(), 999, "demo")


def test_new_then_unchanged_then_changed(store):
    article = sample_article()
    first, status = add_article(store, 1, article)
    assert status == "new"
    assert add_article(store, 2, article, T0 + timedelta(days=1)) == (first, "unchanged")
    edited = replace(article, body="Nội dung đã sửa.", body_hash="hash-2")
    second, status = add_article(store, 3, edited, T0 + timedelta(days=2))
    assert status == "changed"
    assert second != first
    [current] = store.articles()
    assert (current.version_id, current.article) == (second, edited)
    assert current.first_seen == T0
    assert current.last_seen == T0 + timedelta(days=2)
    assert current.capture == sample_ref(3)
    versions = store.versions(article.url)
    assert [v.version_id for v in versions] == [first, second]
    assert versions[0].capture == sample_ref(1)  # the capture the body was first seen in
    # Back to the first body: no new version, the current one moves back.
    assert add_article(store, 4, article, T0 + timedelta(days=3)) == (first, "changed")
    assert store.articles()[0].version_id == first


def test_an_older_capture_read_late_does_not_become_current(store):
    article = sample_article()
    newest, _ = add_article(store, 1, article, T0 + timedelta(days=5))
    older = replace(article, body="Bản cũ.", body_hash="hash-old")
    old_id, status = add_article(store, 2, older, T0)
    assert status == "changed"
    [current] = store.articles()
    assert current.version_id == newest
    assert current.first_seen == T0
    assert [v.version_id for v in store.versions(article.url)] == [old_id, newest]


def test_key_is_the_canonical_url(store):
    article = sample_article("http://news.test/a/1?utm=x", canonical_url="http://news.test/a/1")
    first, _ = add_article(store, 1, article)
    again = replace(article, url="http://m.news.test/a/1")
    assert add_article(store, 2, again)[1] == "unchanged"
    assert [v.version_id for v in store.versions("http://news.test/a/1?utm=x")] == [first]
    assert len(store.versions("http://news.test/a/1")) == 1


def test_aware_datetimes_round_trip(store):
    when = datetime(2026, 11, 28, 22, 48, 42, 5, ICT)
    add_article(store, 1, sample_article(), when)
    [stored] = store.articles()
    assert stored.fetched_at == when
    assert stored.fetched_at.utcoffset() == timedelta(0)
    published = stored.article.published
    assert published is not None
    assert published.value == datetime(2026, 11, 27, 21, 15, 5, 123456, ICT)
    assert published.value.utcoffset() == timedelta(hours=7)
    assert published.value.isoformat() == "2026-11-27T21:15:05.123456+07:00"
    assert stored.extracted_at.tzinfo is not None


def test_article_round_trips_through_the_store(store):
    article = sample_article()
    add_article(store, 1, article)
    [stored] = store.articles()
    assert stored.article == article
    assert stored.article.to_dict() == article.to_dict()
    bare = Article(url="http://news.test/bare", title="Bare", body="Just text.", body_hash="h")
    add_article(store, 2, bare)
    assert store.versions(bare.url)[0].article == bare


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("truong tan sang", True),
        ("TRƯƠNG", True),
        ("trương   tấn", True),
        ("dang", True),  # "Đảng", in the body
        ("Đức", True),  # an author
        ("duc hoa", True),  # two authors, both words must match
        ("nhan dan", True),  # the credit's name
        ("sang hanoi", False),  # every word must match
        ("tan_sang", False),  # "_" is literal, not any one character
        ("truong%sang", False),  # "%" is literal, not any run of characters
    ],
)
def test_search_folds_case_and_diacritics(store, query, found):
    add_article(store, 1, sample_article(body="Ban chấp hành Trung ương Đảng họp."))
    assert bool(store.articles(query=query)) is found


def test_search_matches_literal_wildcards(store):
    add_article(store, 1, sample_article(body="Tăng 50% so với năm trước, mã tan_sang."))
    assert len(store.articles(query="50%")) == 1
    assert len(store.articles(query="tan_sang")) == 1
    assert store.articles(query="5_%") == []


def test_fold():
    assert fold("  Trương\tTấn\nSang  ") == "truong tan sang"
    assert fold("ĐẢNG đảng Dang") == "dang dang dang"
    assert fold("Ơn Ưu") == "on uu"


def test_filters_and_order(store):
    for n, (source, days) in enumerate([("news", 1), ("blog", 2), ("news", 3)]):
        published = DatedValue(T0 + timedelta(days=days), "meta")
        article = sample_article(f"http://x.test/{n}", published=published)
        add_article(store, n, article, T0 + timedelta(days=days), source)
    urls = [s.article.url for s in store.articles()]
    assert urls == ["http://x.test/2", "http://x.test/1", "http://x.test/0"]
    assert [s.article.url for s in store.articles(source="news")] == [urls[0], urls[2]]
    recent = store.articles(since=T0 + timedelta(days=2))
    assert [s.article.url for s in recent] == urls[:2]
    assert [s.article.url for s in store.articles(limit=1)] == urls[:1]
    assert store.articles(source="news", since=T0 + timedelta(days=4)) == []
    assert {s.collection for s in store.articles()} == {"demo"}


def test_runs(store):
    queued = store.start_run("20261128T080000-demo-1", "demo", "demo", status="queued")
    assert (queued.status, queued.started_at) == ("queued", None)
    run = store.start_run("20261128T090000-demo-2", "demo", "demo", log_path="logs/2.log")
    assert run.status == "running"
    assert run.started_at is not None
    store.start_run("20261128T100000-blog-3", "blog", "blog", started_at=T0)
    store.heartbeat(run.id, pages=3)
    done = store.finish_run(
        run.id,
        "finished",
        exit_code=0,
        finish_reason="finished",
        archived_bytes=5_000_000_000,
        articles_new=2,
        errors={"http/500": 1},
        warc_files=("a.warc.gz",),
    )
    assert done == store.get_run(run.id)
    assert (done.pages, done.archived_bytes, done.errors) == (3, 5_000_000_000, {"http/500": 1})
    assert done.warc_files == ("a.warc.gz",)
    assert done.finished_at is not None
    assert done.finished_at.tzinfo is not None
    assert store.get_run("nope") is None
    assert [r.id for r in store.runs(source="demo")] == [queued.id, run.id]
    assert [r.id for r in store.runs(status="running")] == ["20261128T100000-blog-3"]
    with pytest.raises(ValueError, match="unknown run status"):
        store.finish_run(run.id, "exploded")
    with pytest.raises(ValueError, match="cannot set"):
        store.update_run(run.id, colour="red")
    with pytest.raises(StoreError, match="no run"):
        store.heartbeat("nope")


def test_clear_articles_keeps_runs_and_captures(store):
    store.start_run("run-1", "demo", "demo")
    add_article(store, 1, sample_article())
    add_article(store, 2, sample_article(body="Khác.", body_hash="hash-2"))
    digest = store.last_response("http://news.test/a/1")
    assert digest is not None
    store.clear_articles()
    assert store.articles() == []
    assert store.versions("http://news.test/a/1") == []
    assert store.get_run("run-1") is not None
    assert store.last_response("http://news.test/a/1") == digest  # the digest index stays
    version, status = add_article(store, 1, sample_article())
    assert status == "new"
    assert len(store.versions("http://news.test/a/1")) == 1
    assert version > 0


def test_concurrent_writers_share_the_database(store_url):
    """Two stores (as a crawl and the CLI would be) record the same articles at once."""
    articles = [sample_article(f"http://news.test/c/{n}") for n in range(15)]

    def work(worker: int) -> list[str]:
        with Store(store_url) as mine:
            statuses: list[str] = []
            for n, article in enumerate(articles):
                capture_id = add_capture(mine, n, article.url)  # the same record ids
                statuses.append(mine.record_article(article, capture_id, "demo")[1])
            return statuses

    with ThreadPoolExecutor(2) as pool:  # both also migrate the new database at once
        results = list(pool.map(work, range(2)))
    assert sorted(results[0] + results[1]) == ["new"] * 15 + ["unchanged"] * 15
    with Store(store_url) as store:
        assert len(store.articles()) == 15


def test_capture_log_batches_upserts_and_finds_originals(store):
    from archive.warc.records import Original

    log = store.capture_log("tin", None)
    first = RecordRef("a.warc.gz", 0, 100, "<urn:uuid:1>", "sha1:AAA")
    log.add("http://news.test/1", T0, 200, "text/html", first, None, '"e1"', "Mon, 23 Apr 2012")
    # Not flushed yet: found in memory, not in the database.
    assert log.find_original("sha1:AAA") == Original(
        "<urn:uuid:1>", "http://news.test/1", T0, "sha1:AAA"
    )
    assert store.find_original("sha1:AAA") is None
    # The extraction pipeline added the revisit's capture first, as a plain response.
    again = RecordRef("b.warc.gz", 0, 50, "<urn:uuid:2>", "sha1:AAA")
    later = T0 + timedelta(hours=6)
    store.add_capture("tin", "http://news.test/1", later, 200, "text/html", "sha1:AAA", again)
    original = log.find_original("sha1:AAA")
    log.add("http://news.test/1", later, 200, "text/html", again, original, '"e1"', None)
    log.close()
    # The upsert made it a revisit of the first capture, which stays the original.
    assert store.find_original("sha1:AAA", "tin").record_id == "<urn:uuid:1>"
    assert store.find_original("sha1:AAA", "other") is None
    last = store.last_response("http://news.test/1", "tin")
    assert (last.original.record_id, last.etag, last.filename) == (
        "<urn:uuid:1>",
        '"e1"',
        "a.warc.gz",
    )
    log = store.capture_log("tin", None)
    assert log.last_response("http://news.test/1").original.record_id == "<urn:uuid:1>"
    assert log.find_original("sha1:BBB") is None
    log.close()
