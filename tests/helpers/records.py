"""Records for store tests: sample refs, captures and articles, and a PostgreSQL schema
of its own per test (``ARCHIVIST_TEST_POSTGRES_URL``, default 127.0.0.1:5432/test)."""

from __future__ import annotations

import os
import secrets
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from archive.text.article import Article, Credit, DatedValue
from archive.warc.records import RecordRef

if TYPE_CHECKING:
    from collections.abc import Iterator

    from archive.store import Store

PG_SERVER = os.environ.get(
    "ARCHIVIST_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
TABLES = {
    "alembic_version",
    "runs",
    "captures",
    "articles",
    "article_versions",
    "article_events",
    "alerts",
    "passages",
    "article_sources",
}
ICT = timezone(timedelta(hours=7))
T0 = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)


def postgres_url() -> Iterator[str]:
    """A fresh schema in the ``test`` database; yields its URL, drops it afterwards."""
    schema = f"store_test_{secrets.token_hex(6)}"
    admin = create_engine(PG_SERVER, connect_args={"connect_timeout": 3})
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as exc:
        admin.dispose()
        server = make_url(PG_SERVER).render_as_string(hide_password=True)
        reason = f"PostgreSQL at {server} is unreachable: {str(exc).splitlines()[0]}"
        if os.environ.get("ARCHIVIST_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{reason} (ARCHIVIST_REQUIRE_SERVICES=1 requires it)")
        pytest.skip(reason)
    try:
        yield f"{PG_SERVER}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def sample_ref(n: int) -> RecordRef:
    return RecordRef(
        f"demo-{n // 10}.warc.gz", 1000 * n, 500 + n, f"<urn:uuid:rec-{n}>", f"sha1:D{n}"
    )


def add_capture(store: Store, n: int, url: str, when: datetime = T0, **kwargs: Any) -> int:
    return store.add_capture(
        "demo", url, when, 200, "text/html", f"sha1:D{n}", sample_ref(n), **kwargs
    )


def sample_article(
    url: str = "http://news.test/a/1", body: str = "Nội dung bài báo.", **kw: Any
) -> Article:
    values: dict[str, Any] = {
        "title": "Ông Trương Tấn Sang thăm Đà Nẵng",
        "canonical_url": url,
        "authors": ("Nguyễn Văn Đức", "Lê Thị Hoa"),
        "published": DatedValue(datetime(2026, 11, 27, 21, 15, 5, 123456, ICT), "json-ld"),
        "modified": DatedValue(datetime(2026, 11, 28, 1, 0, tzinfo=UTC), "meta"),
        "language": "vi",
        "site": "news.test",
        "platform": "news",
        "tags": ("chính trị", "Đảng"),
        "comments": ("Hay quá!",),
        "credit": Credit("Báo Nhân Dân", "http://nhandan.test/", "(Theo Báo Nhân Dân)"),
        "word_count": 4,
        "body_hash": f"hash-{body}",
        "encoding": "cp1258",
        "encoding_confidence": 0.75,
        "extractor_version": "2.3.0",
        "extractor_options": (("favor_precision", "True"), ("include_comments", "False")),
    }
    values.update(kw)
    return Article(url=url, body=body, **values)


def add_article(
    store: Store, n: int, article: Article, when: datetime = T0, source: str = "demo"
) -> tuple[int, str]:
    capture_id = add_capture(store, n, article.url, when)
    return store.record_article(article, capture_id, source)
