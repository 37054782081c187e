"""Republications: which stored articles hold another's text, found by the passage
fingerprints they share (``archive/text/passages.py``, the ``passages`` table).

Every version of every article takes part, so a blog copy made before the original was
edited matches the original's earlier version, and a copy of a taken-down article still
points at it. Of two articles that share text, the original is the one the other's
credit links to; else the one whose site the other's credit names; else the one
published first; else the one captured first.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from archive.store._originals import Version, direction
from archive.store._passages import (
    INDEX_BATCH,
    MIN_SHARED,
    SITE_REPEATS,
    article_ids,
    articles_of,
    chunks,
    held,
    index_batch,
    shared_counts,
    site_boilerplate,
)
from archive.store._republication import Republication, TextSide
from archive.store._rows import local_time
from archive.store._schema import (
    ArticleEventRow,
    ArticleRow,
    ArticleSourceRow,
    ArticleVersionRow,
    CaptureRow,
    PassageRow,
)

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime
    from threading import Event

    from sqlalchemy.engine import Engine

__all__ = ["MIN_SHARED", "SITE_REPEATS", "RepostsMixin", "Republication", "TextSide"]

T = TypeVar("T")
logger = logging.getLogger(__name__)


class RepostsMixin:
    """``Store``'s republication queries, and the fingerprints they read."""

    engine: Engine

    def _write(self, work: Callable[[Session], T]) -> T:  # pragma: no cover - Store's
        raise NotImplementedError

    def index_passages(self, batch: int = INDEX_BATCH, stop: Event | None = None) -> int:
        """Compute the passage fingerprints of every version that has none yet; return
        how many versions were done.

        Off the crawl's path: a 50 KB page's body costs several milliseconds (a
        fingerprint per eight words, each an index entry). The crawl's runner calls
        this after each crawl, and every look-up first. Each batch is a transaction of
        its own, so a crawl writing meanwhile waits for one batch at most, and two
        callers at once never do a version twice (PostgreSQL: ``SKIP LOCKED``; SQLite
        runs one writer at a time). ``stop`` set ends it after the batch in hand; the
        rest is done at the next call.
        """
        done = 0
        while not (stop and stop.is_set()) and self._unindexed():  # no write lock if done
            count = self._write(lambda session: index_batch(session, batch))
            done += count
            if count < batch:
                break
        return done

    def _unindexed(self) -> bool:
        statement = select(ArticleVersionRow.id).where(ArticleVersionRow.passages.is_(None))
        with Session(self.engine) as session:
            return session.execute(statement.limit(1)).first() is not None

    def copies(self, url: str) -> list[TextSide]:
        """The archived copies of the article whose key is ``url`` (as a removal event
        names it): what its readers can still find if it is taken down."""
        return [r.copy for r in self.republications(url) if r.original.url == url]

    def republications(
        self, url: str | None = None, source: str | None = None, min_share: float = 0.5
    ) -> list[Republication]:
        """Each copy with its original, oldest original first.

        Two articles pair when at least ``min_share`` of either one's fingerprints are
        in the other: an excerpt holds little of its original, but is nearly all
        original. Each pair is taken at its best-matching versions. A copy is listed
        once, with one original: one its credit links, else one whose site its credit
        names, else one that copies nothing itself (not a sibling copy, nor a copy it
        was copied from), else the one it holds most of.

        ``url``: only the article seen at ``url`` (its key or any URL it was seen at),
        as copy or original. ``source``: only pairs with an article of that source.
        """
        if not 0 < min_share <= 1:
            raise ValueError(
                f"min_share is a share of the text, above 0 and at most 1: {min_share}"
            )
        try:
            self.index_passages()
        except SQLAlchemyError as exc:  # a read-only database, say: look up what is there
            logger.warning(
                "Passage fingerprints of new article versions not computed (%s): "
                "they are left out of this look-up",
                str(exc).splitlines()[0],
            )
        with Session(self.engine) as session:
            seed = None if url is None else article_ids(session, url)
            if seed is None:
                boilerplate = site_boilerplate(None)
                counts = shared_counts(session, None, boilerplate)
            else:  # the article's partners, and theirs: to tell siblings from originals
                first = held(session, site_boilerplate(seed))
                near = shared_counts(session, seed, first)
                wider = seed | articles_of(session, near)
                boilerplate = first + held(session, site_boilerplate(wider - seed, seed))
                counts = shared_counts(session, wider, boilerplate)
            ids = {v for pair in counts for v in pair}
            versions = _versions(session, ids, boilerplate)
        found = []
        for chosen in _one_original_each(_pairs(counts, versions), min_share):
            sides = {chosen.original.url, chosen.copy.url}
            if seed is not None and not sides & _keys(versions, seed):
                continue
            if source is not None and source not in {
                *chosen.original.sources,
                *chosen.copy.sources,
            }:
                continue
            found.append(chosen)
        return sorted(found, key=_order)


def _pairs(counts: dict[tuple[int, int], int], versions: dict[int, Version]) -> list[Republication]:
    """One ``Republication`` per pair of articles, at its versions sharing the most."""
    best: dict[tuple[int, int], tuple[int, Version, Version]] = {}
    for (one, two), shared in counts.items():
        a, b = sorted((versions[one], versions[two]), key=lambda v: (v.article_id, v.id))
        if a.article_id == b.article_id:
            continue
        pair = (a.article_id, b.article_id)
        if pair not in best or shared > best[pair][0]:
            best[pair] = (shared, a, b)
    found = []
    for shared, a, b in best.values():
        original, copy, why = direction(a, b)
        holds, adds = shared / original.prints, 1 - shared / copy.prints
        found.append(Republication(original.side, copy.side, shared, holds, adds, why))
    return found


def _share(pair: Republication) -> float:
    """The larger share: of the original in the copy, or of the copy in the original."""
    return max(pair.holds, 1 - pair.adds)


_CREDITED = {"credit link": 2, "credit names the site": 1}


def _one_original_each(pairs: list[Republication], min_share: float) -> list[Republication]:
    """Each copy with its original (see ``republications``).

    Copies are the articles on the copy side of a pair sharing ``min_share``. A copy's
    original is chosen among all its pairs, weak ones too: a post quoting a paragraph
    that an excerpt also quotes pairs with the excerpt, but its original is the article
    both took it from. The chosen pair must share ``min_share`` itself.
    """
    copies = {p.copy.url for p in pairs if _share(p) >= min_share}
    by_copy: dict[str, list[Republication]] = defaultdict(list)
    for pair in pairs:
        if pair.copy.url in copies:
            by_copy[pair.copy.url].append(pair)
    chosen = (
        max(
            options,
            key=lambda p: (_CREDITED.get(p.why, 0), p.original.url not in copies, p.holds),
        )
        for options in by_copy.values()
    )
    return [pair for pair in chosen if _share(pair) >= min_share]


def _order(found: Republication) -> tuple[datetime, str, datetime, str]:
    o, c = found.original, found.copy
    return (o.published or o.first_seen, o.url, c.published or c.first_seen, c.url)


def _keys(versions: dict[int, Version], articles: set[int]) -> set[str]:
    return {v.side.url for v in versions.values() if v.article_id in articles}


def _versions(session: Session, ids: set[int], boilerplate: Any) -> dict[int, Version]:
    """Version id -> its ``Version`` (fingerprints counted without ``boilerplate``)."""
    found: dict[int, Version] = {}
    for chunk in chunks(ids):
        found.update(_some_versions(session, chunk, boilerplate))
    return found


def _some_versions(session: Session, ids: list[int], boilerplate: Any) -> dict[int, Version]:
    v = ArticleVersionRow
    rows = session.execute(
        select(
            v.id,
            v.article_id,
            v.url,
            v.canonical_url,
            v.title,
            v.site,
            v.platform,
            v.published,
            v.published_offset,
            v.credit_name,
            v.credit_url,
            ArticleRow.url,
            ArticleRow.source,
            ArticleRow.first_seen,
        )
        .join(ArticleRow, ArticleRow.id == v.article_id)
        .where(v.id.in_(ids))
    ).all()
    articles = {row[1] for row in rows}
    order = _version_order(session, articles)
    prints = dict(
        session.execute(
            select(PassageRow.version_id, func.count())
            .where(PassageRow.version_id.in_(ids), PassageRow.hash.not_in(boilerplate))
            .group_by(PassageRow.version_id)
        ).all()
    )
    removed = _removed(session, {row[11] for row in rows})
    owners: dict[int, list[str]] = {}
    for aid, owner in session.execute(
        select(ArticleSourceRow.article_id, ArticleSourceRow.source)
        .where(ArticleSourceRow.article_id.in_(articles))
        .order_by(ArticleSourceRow.first_seen, ArticleSourceRow.source)
    ):
        owners.setdefault(aid, []).append(owner)
    found = {}
    for (
        vid,
        aid,
        url,
        canonical,
        title,
        site,
        platform,
        pub,
        offset,
        cname,
        curl,
        key,
        src,
        first,
    ) in rows:
        published = None if pub is None else local_time(pub, offset)
        side = TextSide(
            url=key,
            title=title,
            site=site,
            platform=platform,
            source=src,
            published=published,
            first_seen=first,
            version=order[aid].index(vid) + 1,
            versions=len(order[aid]),
            credit_name=cname,
            credit_url=curl,
            removed_at=removed.get(key),
            sources=tuple(owners.get(aid) or (src,)),
        )
        found[vid] = Version(vid, aid, url, canonical, side, int(prints[vid]))
    return found


def _version_order(session: Session, articles: set[int]) -> dict[int, list[int]]:
    """Article id -> its version ids, first captured first."""
    order: dict[int, list[int]] = defaultdict(list)
    statement = (
        select(ArticleVersionRow.article_id, ArticleVersionRow.id)
        .join(CaptureRow, CaptureRow.id == ArticleVersionRow.capture_id)
        .where(ArticleVersionRow.article_id.in_(articles))
        .order_by(CaptureRow.fetched_at, ArticleVersionRow.id)
    )
    for article_id, version_id in session.execute(statement):
        order[article_id].append(version_id)
    return order


def _removed(session: Session, urls: set[str]) -> dict[str, datetime]:
    """Article key -> when it was seen taken down, for those whose last event is a removal."""
    last: dict[str, tuple[str, datetime]] = {}
    statement = (
        select(ArticleEventRow.url, ArticleEventRow.kind, ArticleEventRow.at)
        .where(ArticleEventRow.url.in_(urls))
        .order_by(ArticleEventRow.at, ArticleEventRow.id)
    )
    for url, kind, at in session.execute(statement):
        last[url] = (kind, at)
    return {url: at for url, (kind, at) in last.items() if kind == "removed"}
