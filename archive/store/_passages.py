"""The passages table in SQL: fingerprinting versions (``archive/text/passages.py``),
the fingerprints two versions share, and a site's boilerplate, which pairs nothing.

What ``_reposts.py`` makes of the counts (which is the original, which the copy) is
there; this module only counts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import distinct, func, insert, select, update
from sqlalchemy.orm import Session, aliased

from archive.store._schema import (
    ArticleRow,
    ArticleVersionRow,
    PassageRow,
)
from archive.text._fold import fold
from archive.text.passages import fingerprints

if TYPE_CHECKING:
    from collections.abc import Iterator


MIN_SHARED = 3
"""Fingerprints two versions must share before their share counts at all: one or two
can be a stock phrase ("theo thông tin từ ...") that unrelated short texts both hold."""


SITE_REPEATS = 5
"""A passage that this many articles of one site hold is that site's boilerplate (a
footer, a disclaimer, a signature that leaked into the bodies), not a republication: it
neither pairs articles nor counts in their shares. Fewer would take a blog that posts
one article as a copy, an excerpt and a commentary for a site that repeats itself."""


CHUNK = 5000  # ids per IN (...): SQLite takes at most 32,766 parameters a statement


INDEX_BATCH = 100  # versions fingerprinted per transaction


def index_batch(session: Session, batch: int) -> int:
    """Fingerprint up to ``batch`` versions that have none yet; how many were done."""
    rows = session.execute(
        select(ArticleVersionRow.id, ArticleVersionRow.body)
        .where(ArticleVersionRow.passages.is_(None))
        .order_by(ArticleVersionRow.id)
        .limit(batch)
        .with_for_update(skip_locked=True)
    ).all()
    for version_id, body in rows:
        prints = fingerprints(fold(body))
        if prints:
            session.execute(
                insert(PassageRow), [{"version_id": version_id, "hash": h} for h in prints]
            )
        session.execute(
            update(ArticleVersionRow)
            .where(ArticleVersionRow.id == version_id)
            .values(passages=len(prints))
        )
    return len(rows)


def shared_counts(
    session: Session, articles: set[int] | None, boilerplate: Any
) -> dict[tuple[int, int], int]:
    """(version id, version id) -> fingerprints shared, for pairs sharing ``MIN_SHARED``
    besides ``boilerplate``: every pair, or those with a version of one of ``articles``.
    Each pair comes once, the smaller id first."""
    one, two = aliased(PassageRow), aliased(PassageRow)
    statement = (
        select(one.version_id, two.version_id, func.count())
        .join(two, one.hash == two.hash)
        .where(one.hash.not_in(boilerplate))
    )
    if articles is None:
        statement = statement.where(one.version_id < two.version_id)
    else:
        seed = select(ArticleVersionRow.id).where(ArticleVersionRow.article_id.in_(articles))
        statement = statement.where(one.version_id.in_(seed), two.version_id != one.version_id)
    statement = statement.group_by(one.version_id, two.version_id).having(
        func.count() >= MIN_SHARED
    )
    return {
        (min(a, b), max(a, b)): int(n)
        for a, b, n in ((int(a), int(b), n) for a, b, n in session.execute(statement))
    }


def site_boilerplate(articles: set[int] | None, examined: set[int] | None = None) -> Any:
    """A subquery: the fingerprints ``SITE_REPEATS`` articles of one site hold; of all, or
    only among the fingerprints of ``articles`` that those of ``examined`` do not hold."""
    if articles is None:
        # Most fingerprints are held by one to a few versions: the hash index alone
        # rules them out before any join.
        candidates = (
            select(PassageRow.hash).group_by(PassageRow.hash).having(func.count() >= SITE_REPEATS)
        )
    else:
        candidates = hashes(articles)
        if examined:
            candidates = candidates.where(PassageRow.hash.not_in(hashes(examined)))
    return (
        select(PassageRow.hash)
        .join(ArticleVersionRow, ArticleVersionRow.id == PassageRow.version_id)
        .join(ArticleRow, ArticleRow.id == ArticleVersionRow.article_id)
        .where(PassageRow.hash.in_(candidates))
        .group_by(PassageRow.hash, ArticleRow.site)
        .having(func.count(distinct(ArticleRow.id)) >= SITE_REPEATS)
    )


def hashes(articles: set[int]) -> Any:
    """A subquery: the fingerprints of every version of ``articles``."""
    return (
        select(PassageRow.hash)
        .join(ArticleVersionRow, ArticleVersionRow.id == PassageRow.version_id)
        .where(ArticleVersionRow.article_id.in_(articles))
    )


def held(session: Session, boilerplate: Any) -> list[int]:
    """The boilerplate among some articles' fingerprints, found once: a handful of
    numbers, where the subquery would run again in each statement that excludes them."""
    return [int(h) for h in session.scalars(boilerplate)]


def article_ids(session: Session, url: str) -> set[int]:
    """The id of the article seen at ``url`` (its key or any URL it was seen at)."""
    seen_at = select(ArticleVersionRow.article_id).where(ArticleVersionRow.url == url)
    keyed = select(ArticleRow.id).where(ArticleRow.url == url)
    return {int(i) for i in session.scalars(keyed.union(seen_at))}


def chunks(ids: set[int]) -> Iterator[list[int]]:
    """``ids`` in sorted lists of at most ``CHUNK``, one per ``IN (...)``."""
    listed = sorted(ids)
    for start in range(0, len(listed), CHUNK):
        yield listed[start : start + CHUNK]


def articles_of(session: Session, counts: dict[tuple[int, int], int]) -> set[int]:
    found: set[int] = set()
    for chunk in chunks({v for pair in counts for v in pair}):
        statement = select(ArticleVersionRow.article_id).where(ArticleVersionRow.id.in_(chunk))
        found.update(int(i) for i in session.scalars(statement))
    return found
