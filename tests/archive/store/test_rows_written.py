"""What recording writes, row by row and column by column: the values an article and its
capture must leave in every table (the rows the ORM wrote before Core statements did).

A scenario covers each branch of recording: a new article, the same body again (a second
source, an older capture read late), a new body, a removal then the article back.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from archive.store import CaptureFields, Store
from tests.helpers.records import T0, sample_article, sample_ref

URL = "http://news.test/a/1"
COLLECTION = "demo"

_ORDER = {
    "captures": "id",
    "articles": "id",
    "article_sources": "article_id, source",
    "article_versions": "id",
    "article_events": "id",
}


def _rows(store: Store, table: str) -> list[dict[str, Any]]:
    with store.engine.connect() as connection:
        result = connection.execute(text(f"SELECT * FROM {table} ORDER BY {_ORDER[table]}"))
        return [dict(row._mapping) for row in result]


def _utc(value: Any) -> Any:
    """A stored value as SQLite gives it: a moment as the text of its UTC time
    (PostgreSQL gives it aware), a JSON column's value as its text (PostgreSQL parses it)."""
    if isinstance(value, list):
        return json.dumps(value)
    if not isinstance(value, datetime):
        return value
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


def _capture(n: int, when: datetime) -> CaptureFields:
    return CaptureFields(COLLECTION, URL, when, 200, "text/html", f"sha1:D{n}", sample_ref(n))


def _scenario(store: Store) -> list[tuple[int, int, str]]:
    article = sample_article(URL)
    edited = replace(article, body="Nội dung đã sửa.", body_hash="hash-2")
    done = [
        store.add_capture_with_article(_capture(1, T0), article, "cu", "<c1>", "<m1>"),
        store.add_capture_with_article(_capture(2, T0 + timedelta(days=1)), article, "moi"),
        store.add_capture_with_article(_capture(3, T0 - timedelta(days=1)), article, "cu"),
        store.add_capture_with_article(_capture(4, T0 + timedelta(days=2)), edited, "cu"),
    ]
    removed_at = T0 + timedelta(days=3)
    assert store.mark_removed(URL, COLLECTION, removed_at, "answers 404", 404, lambda: None)
    done.append(store.add_capture_with_article(_capture(5, T0 + timedelta(days=4)), article, "cu"))
    return done


def test_recording_writes_exactly_these_rows(store):
    before = datetime.now(UTC)
    done = _scenario(store)
    after = datetime.now(UTC)
    assert [change for _, _, change in done] == ["new", "new", "unchanged", "changed", "changed"]
    captures = _rows(store, "captures")
    assert [c["id"] for c in captures] == [c for c, _, _ in done]
    days = [0, 1, -1, 2, 4]
    for n, (row, day) in enumerate(zip(captures, days, strict=True), start=1):
        ref = sample_ref(n)
        assert {k: _utc(v) for k, v in row.items()} == {
            "id": row["id"],
            "run_id": None,
            "collection": COLLECTION,
            "url": URL,
            "fetched_at": _utc(T0 + timedelta(days=day)),
            "status": 200,
            "content_type": "text/html",
            "payload_digest": f"sha1:D{n}",
            "warc_filename": ref.filename,
            "warc_offset": ref.offset,
            "warc_length": ref.length,
            "record_id": ref.record_id,
            "record_type": "response",
            "refers_to": None,
            "etag": None,
            "last_modified": None,
            "origin": None,
        }
    ids = [c["id"] for c in captures]
    [article_row] = _rows(store, "articles")
    versions = _rows(store, "article_versions")
    assert [v["id"] for v in versions] == [done[0][1], done[3][1]]
    assert done[4][1] == done[0][1]  # back to the first body: its version again
    assert {k: _utc(v) for k, v in article_row.items()} == {
        "id": article_row["id"],
        "url": URL,
        "source": "cu",
        "site": "news.test",
        "platform": "news",
        "first_seen": _utc(T0 - timedelta(days=1)),
        "last_seen": _utc(T0 + timedelta(days=4)),
        "current_version_id": versions[0]["id"],
    }
    article_id = article_row["id"]
    assert [{k: _utc(v) for k, v in s.items()} for s in _rows(store, "article_sources")] == [
        {
            "article_id": article_id,
            "source": "cu",
            "first_seen": _utc(T0 - timedelta(days=1)),
            "last_seen": _utc(T0 + timedelta(days=4)),
            "first_capture_id": ids[2],
        },
        {
            "article_id": article_id,
            "source": "moi",
            "first_seen": _utc(T0 + timedelta(days=1)),
            "last_seen": _utc(T0 + timedelta(days=1)),
            "first_capture_id": ids[1],
        },
    ]
    first, second = versions
    for version in versions:
        extracted = version.pop("extracted_at")
        assert _utc(before) <= _utc(extracted) <= _utc(after)
    assert {k: _utc(v) for k, v in first.items()} == _version(
        first["id"], article_id, ids[0], "<c1>"
    )
    assert {k: _utc(v) for k, v in second.items()} == {
        **_version(second["id"], article_id, ids[3], None),
        "body": "Nội dung đã sửa.",
        "body_hash": "hash-2",
        "search_text": _search("noi dung da sua."),
        "metadata_id": None,
    }
    removed, restored = _rows(store, "article_events")
    assert removed["kind"] == "removed"
    assert {k: _utc(v) for k, v in restored.items()} == {
        "id": restored["id"],
        "url": URL,
        "source": "cu",
        "collection": COLLECTION,
        "kind": "restored",
        "at": _utc(T0 + timedelta(days=4)),
        "status": 200,
        "detail": "back with status 200 after: answers 404",
        "capture_id": ids[4],
    }


def _search(body: str) -> str:
    return f"ong truong tan sang tham da nang nguyen van duc le thi hoa {body} bao nhan dan"


def _version(
    version_id: int, article_id: int, capture_id: int, conversion: str | None
) -> dict[str, Any]:
    """A version row of ``sample_article(URL)``, every column but its extraction time."""
    return {
        "id": version_id,
        "article_id": article_id,
        "capture_id": capture_id,
        "body_hash": "hash-Nội dung bài báo.",
        "url": URL,
        "canonical_url": URL,
        "title": "Ông Trương Tấn Sang thăm Đà Nẵng",
        "authors": _utc(["Nguyễn Văn Đức", "Lê Thị Hoa"]),
        "published": _utc(datetime(2026, 11, 27, 14, 15, 5, 123456)),
        "published_offset": 7 * 3600,
        "published_source": "json-ld",
        "modified": _utc(datetime(2026, 11, 28, 1, 0)),
        "modified_offset": 0,
        "modified_source": "meta",
        "language": "vi",
        "site": "news.test",
        "platform": "news",
        "tags": _utc(["chính trị", "Đảng"]),
        "body": "Nội dung bài báo.",
        "comments": _utc(["Hay quá!"]),
        "credit_name": "Báo Nhân Dân",
        "credit_url": "http://nhandan.test/",
        "credit_line": "(Theo Báo Nhân Dân)",
        "word_count": 4,
        "encoding": "cp1258",
        "encoding_confidence": 0.75,
        "encoding_note": "",
        "extractor": "archivist+trafilatura",
        "extractor_version": "2.3.0",
        "extractor_options": _utc([["favor_precision", "True"], ["include_comments", "False"]]),
        "search_text": _search("noi dung bai bao."),
        "conversion_id": conversion,
        "metadata_id": "<m1>" if conversion else None,
        "passages": None,
    }


def test_a_batch_is_kept_whole_or_not_at_all(store):
    from sqlalchemy.exc import IntegrityError

    from archive.store import ArticleCapture

    first = sample_article("http://news.test/a/1")
    second = sample_article("http://news.test/a/2", body="Bài thứ hai.")
    unkept = replace(_capture(2, T0), status=None)  # NOT NULL: the whole batch fails
    with pytest.raises(IntegrityError):
        store.add_captures_with_articles(
            [ArticleCapture(_capture(1, T0), first, "cu"), ArticleCapture(unkept, second, "cu")]
        )
    assert _rows(store, "captures") == []
    assert _rows(store, "articles") == []
    done = store.add_captures_with_articles(
        [
            ArticleCapture(_capture(1, T0), first, "cu"),
            ArticleCapture(_capture(2, T0), second, "cu"),
        ]
    )
    assert [change for _, _, change in done] == ["new", "new"]
    assert [a.article for a in store.articles()] == [second, first]
