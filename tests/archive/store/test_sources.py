"""Which sources an article belongs to: every one that captured it (``article_sources``)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import create_engine, text

from archive.store import Store
from tests.helpers.records import T0, add_capture, sample_article

URL = "http://blog.test/2012/04/bai.html"


def record(store: Store, n: int, source: str, run_id: str, body: str = "Bài.", days: int = 0):
    """``source``'s run ``run_id`` captures the article (capture ``n``) and records it."""
    if store.get_run(run_id) is None:
        store.start_run(run_id, source, source, started_at=T0 + timedelta(days=days))
    capture = add_capture(store, n, URL, T0 + timedelta(days=days), run_id=run_id)
    article = sample_article(URL, body=body, body_hash=f"hash-{body}")
    return store.record_article(article, capture, source)[1]


def test_a_second_source_over_the_same_pages_takes_nothing_from_the_first(store):
    assert record(store, 1, "cu", "cu-1") == "new"
    assert record(store, 2, "moi", "moi-1", days=1) == "new"  # new to moi
    assert record(store, 3, "cu", "cu-2", days=2) == "unchanged"
    assert [a.article.url for a in store.articles(source="cu")] == [URL]
    assert [a.article.url for a in store.articles(source="moi")] == [URL]
    assert store.articles(source="khac") == []
    assert store.run_totals().articles == {"cu": 1, "moi": 1}
    assert store.articles()[0].source == "cu"  # the source that found it first


def test_a_runs_new_and_changed_articles_are_its_sources(store):
    record(store, 1, "cu", "cu-1")
    assert store.run_articles("cu-1") == (1, 0)
    record(store, 2, "moi", "moi-1", body="Bài đã sửa.", days=1)
    assert store.run_articles("moi-1") == (1, 0)  # new to moi, though edited since
    # A version is new once, to the archive: cu finds the one moi kept already.
    assert record(store, 3, "cu", "cu-2", body="Bài đã sửa.", days=2) == "unchanged"
    assert store.run_articles("cu-2") == (0, 0)
    assert record(store, 4, "moi", "moi-2", body="Bài sửa lần hai.", days=3) == "changed"
    assert store.run_articles("moi-2") == (0, 1)


def test_changes_and_fetch_times_of_a_source_include_what_another_found_first(store):
    record(store, 1, "cu", "cu-1")
    record(store, 2, "moi", "moi-1", body="Bài đã sửa.", days=1)
    edits = store.changes(source="cu")
    assert [(c.kind, c.url, c.source) for c in edits] == [("edited", URL, "cu")]
    assert set(store.article_fetch_times("moi", "demo")) == {URL}


def test_the_migration_gives_every_capturing_source_its_articles(tmp_path):
    url = f"sqlite:///{tmp_path / 'archivist.db'}"
    with Store(url) as store:
        record(store, 1, "cu", "cu-1")
        record(store, 2, "moi", "moi-1", days=1)
    engine = create_engine(url)
    with engine.begin() as connection:  # back to revision 0006: one owner, the latest
        connection.execute(text("DROP TABLE article_sources"))
        connection.execute(text("ALTER TABLE runs DROP COLUMN failed_urls"))
        connection.execute(text("ALTER TABLE captures DROP COLUMN origin"))
        connection.execute(text("UPDATE articles SET source = 'moi'"))
        connection.execute(text("UPDATE alembic_version SET version_num = '0006'"))
    engine.dispose()
    with Store(url) as store:
        assert store.run_totals().articles == {"cu": 1, "moi": 1}
        assert store.run_articles("cu-1") == (1, 0)
        assert store.run_articles("moi-1") == (0, 0)  # it had the first version's capture
        assert record(store, 3, "cu", "cu-2", days=2) == "unchanged"
