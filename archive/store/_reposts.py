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
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from sqlalchemy import distinct, func, insert, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, aliased

from archive.store._rows import local_time
from archive.store._schema import (
    ArticleEventRow,
    ArticleRow,
    ArticleVersionRow,
    CaptureRow,
    PassageRow,
)
from archive.text._fold import fold, names_host, squash
from archive.text.passages import fingerprints

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from datetime import datetime
    from threading import Event

    from sqlalchemy.engine import Engine

__all__ = ["MIN_SHARED", "SITE_REPEATS", "RepostsMixin", "Republication", "TextSide"]

T = TypeVar("T")
logger = logging.getLogger(__name__)

MIN_SHARED = 3
"""Fingerprints two versions must share before their share counts at all: one or two
can be a stock phrase ("theo thông tin từ ...") that unrelated short texts both hold."""

SITE_REPEATS = 5
"""A passage that this many articles of one site hold is that site's boilerplate (a
footer, a disclaimer, a signature that leaked into the bodies), not a republication: it
neither pairs articles nor counts in their shares. Fewer would take a blog that posts
one article as a copy, an excerpt and a commentary for a site that repeats itself."""

_CHUNK = 5000  # ids per IN (...): SQLite takes at most 32,766 parameters a statement
_INDEX_BATCH = 100  # versions fingerprinted per transaction


@dataclass(frozen=True, slots=True)
class TextSide:
    """One article of a republication, at the version that matched."""

    url: str  # the article's key: its canonical URL, else its URL
    title: str
    site: str
    platform: str
    source: str
    published: datetime | None  # in the page's own UTC offset
    first_seen: datetime
    version: int  # which of the article's versions matched, 1 the first captured
    versions: int
    credit_name: str | None
    credit_url: str | None
    removed_at: datetime | None  # when it was seen taken down, if it is gone now

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "title": self.title,
            "site": self.site,
            "platform": self.platform,
            "source": self.source,
            "published": self.published.isoformat() if self.published else None,
            "first_seen": self.first_seen.isoformat(),
            "version": self.version,
            "versions": self.versions,
            "credit": None
            if self.credit_name is None
            else {"name": self.credit_name, "url": self.credit_url},
            "removed_at": self.removed_at.isoformat() if self.removed_at else None,
        }


@dataclass(frozen=True, slots=True)
class Republication:
    """``copy`` holds text of ``original``.

    ``holds``: the share of the original's fingerprints found in the copy (1.0: all of
    it). ``adds``: the share of the copy's fingerprints not in the original (its own
    text). ``why``: how the original was told from the copy.
    """

    original: TextSide
    copy: TextSide
    shared: int
    holds: float
    adds: float
    why: str  # "credit link", "credit names the site", "published first", "captured first"
    # or "undecided"; the last three with "; both credit X" when both credit one source

    def to_dict(self) -> dict[str, Any]:
        return {
            "original": self.original.to_dict(),
            "copy": self.copy.to_dict(),
            "shared": self.shared,
            "holds": round(self.holds, 3),
            "adds": round(self.adds, 3),
            "why": self.why,
        }


@dataclass(frozen=True, slots=True)
class _Version:
    """What a ``TextSide`` needs of a version, and the fingerprints it has."""

    id: int
    article_id: int
    url: str
    canonical_url: str | None
    side: TextSide
    prints: int

    def names(self) -> set[str]:
        return {_key(u) for u in (self.side.url, self.url, self.canonical_url) if u}


def _key(url: str) -> str:
    """A URL as a credit link is compared with it: no scheme, "www.", fragment or end slash."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").removeprefix("www.")
    query = f"?{parts.query}" if parts.query else ""
    return f"{host}{parts.path.rstrip('/')}{query}"


def _credits_site(copy: _Version, original: _Version) -> bool:
    """Whether the copy's credit names the original's site by its host ("Theo website
    Báo Thời Sự" and thoisu.vn), the two being on different sites."""
    host = urlsplit(original.side.url).hostname or ""
    if not copy.side.credit_name or host == urlsplit(copy.side.url).hostname:
        return False
    return names_host(copy.side.credit_name, host)


def _credits_link(copy: _Version, original: _Version) -> bool:
    """Whether the copy's credit links to the original (any URL it was seen at)."""
    return bool(copy.side.credit_url) and _key(copy.side.credit_url or "") in original.names()


def _published(version: _Version) -> datetime | None:
    return version.side.published


def _captured(version: _Version) -> datetime | None:
    return version.side.first_seen


_CREDITS = (("credit link", _credits_link), ("credit names the site", _credits_site))
_TIMES = (("published first", _published), ("captured first", _captured))


def _same_credit(a: _Version, b: _Version) -> str | None:
    """The source both credit, when both credit the same one (by link, or by name
    ignoring case, diacritics and spaces): two copies of an original not archived."""
    one, two = a.side, b.side
    if one.credit_url and two.credit_url and _key(one.credit_url) == _key(two.credit_url):
        return one.credit_name or one.credit_url
    if one.credit_name and two.credit_name and squash(one.credit_name) == squash(two.credit_name):
        return one.credit_name
    return None


def _direction(a: _Version, b: _Version) -> tuple[_Version, _Version, str]:
    """(original, copy, why) of two versions that share text."""
    for why, credited in _CREDITS:
        if credited(b, a):
            return a, b, why
        if credited(a, b):
            return b, a, why
    both = _same_credit(a, b)
    also = f"; both credit {both}" if both else ""
    for why, time in _TIMES:
        ta, tb = time(a), time(b)
        if ta is not None and tb is not None and ta != tb:
            return (a, b, why + also) if ta < tb else (b, a, why + also)
    return a, b, "undecided" + also


class RepostsMixin:
    """``Store``'s republication queries, and the fingerprints they read."""

    engine: Engine

    def _write(self, work: Callable[[Session], T]) -> T:  # pragma: no cover - Store's
        raise NotImplementedError

    def index_passages(self, batch: int = _INDEX_BATCH, stop: Event | None = None) -> int:
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
            count = self._write(lambda session: _index_batch(session, batch))
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
            seed = None if url is None else _article_ids(session, url)
            if seed is None:
                boilerplate = _boilerplate(None)
                counts = _shared_counts(session, None, boilerplate)
            else:  # the article's partners, and theirs: to tell siblings from originals
                first = _held(session, _boilerplate(seed))
                near = _shared_counts(session, seed, first)
                wider = seed | _articles_of(session, near)
                boilerplate = first + _held(session, _boilerplate(wider - seed, seed))
                counts = _shared_counts(session, wider, boilerplate)
            ids = {v for pair in counts for v in pair}
            versions = _versions(session, ids, boilerplate)
        found = []
        for chosen in _one_original_each(_pairs(counts, versions), min_share):
            sides = {chosen.original.url, chosen.copy.url}
            if seed is not None and not sides & _keys(versions, seed):
                continue
            if source is not None and source not in {chosen.original.source, chosen.copy.source}:
                continue
            found.append(chosen)
        return sorted(found, key=_order)


def _index_batch(session: Session, batch: int) -> int:
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


def _pairs(
    counts: dict[tuple[int, int], int], versions: dict[int, _Version]
) -> list[Republication]:
    """One ``Republication`` per pair of articles, at its versions sharing the most."""
    best: dict[tuple[int, int], tuple[int, _Version, _Version]] = {}
    for (one, two), shared in counts.items():
        a, b = sorted((versions[one], versions[two]), key=lambda v: (v.article_id, v.id))
        if a.article_id == b.article_id:
            continue
        pair = (a.article_id, b.article_id)
        if pair not in best or shared > best[pair][0]:
            best[pair] = (shared, a, b)
    found = []
    for shared, a, b in best.values():
        original, copy, why = _direction(a, b)
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


def _shared_counts(
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


def _boilerplate(articles: set[int] | None, examined: set[int] | None = None) -> Any:
    """A subquery: the fingerprints ``SITE_REPEATS`` articles of one site hold; of all, or
    only among the fingerprints of ``articles`` that those of ``examined`` do not hold."""
    if articles is None:
        # Most fingerprints are held by one to a few versions: the hash index alone
        # rules them out before any join.
        candidates = (
            select(PassageRow.hash).group_by(PassageRow.hash).having(func.count() >= SITE_REPEATS)
        )
    else:
        candidates = _hashes(articles)
        if examined:
            candidates = candidates.where(PassageRow.hash.not_in(_hashes(examined)))
    return (
        select(PassageRow.hash)
        .join(ArticleVersionRow, ArticleVersionRow.id == PassageRow.version_id)
        .join(ArticleRow, ArticleRow.id == ArticleVersionRow.article_id)
        .where(PassageRow.hash.in_(candidates))
        .group_by(PassageRow.hash, ArticleRow.site)
        .having(func.count(distinct(ArticleRow.id)) >= SITE_REPEATS)
    )


def _hashes(articles: set[int]) -> Any:
    """A subquery: the fingerprints of every version of ``articles``."""
    return (
        select(PassageRow.hash)
        .join(ArticleVersionRow, ArticleVersionRow.id == PassageRow.version_id)
        .where(ArticleVersionRow.article_id.in_(articles))
    )


def _held(session: Session, boilerplate: Any) -> list[int]:
    """The boilerplate among some articles' fingerprints, found once: a handful of
    numbers, where the subquery would run again in each statement that excludes them."""
    return [int(h) for h in session.scalars(boilerplate)]


def _article_ids(session: Session, url: str) -> set[int]:
    """The id of the article seen at ``url`` (its key or any URL it was seen at)."""
    seen_at = select(ArticleVersionRow.article_id).where(ArticleVersionRow.url == url)
    keyed = select(ArticleRow.id).where(ArticleRow.url == url)
    return {int(i) for i in session.scalars(keyed.union(seen_at))}


def _chunks(ids: set[int]) -> Iterator[list[int]]:
    """``ids`` in sorted lists of at most ``_CHUNK``, one per ``IN (...)``."""
    listed = sorted(ids)
    for start in range(0, len(listed), _CHUNK):
        yield listed[start : start + _CHUNK]


def _articles_of(session: Session, counts: dict[tuple[int, int], int]) -> set[int]:
    found: set[int] = set()
    for chunk in _chunks({v for pair in counts for v in pair}):
        statement = select(ArticleVersionRow.article_id).where(ArticleVersionRow.id.in_(chunk))
        found.update(int(i) for i in session.scalars(statement))
    return found


def _keys(versions: dict[int, _Version], articles: set[int]) -> set[str]:
    return {v.side.url for v in versions.values() if v.article_id in articles}


def _versions(session: Session, ids: set[int], boilerplate: Any) -> dict[int, _Version]:
    """Version id -> its ``_Version`` (fingerprints counted without ``boilerplate``)."""
    found: dict[int, _Version] = {}
    for chunk in _chunks(ids):
        found.update(_some_versions(session, chunk, boilerplate))
    return found


def _some_versions(session: Session, ids: list[int], boilerplate: Any) -> dict[int, _Version]:
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
        )
        found[vid] = _Version(vid, aid, url, canonical, side, int(prints[vid]))
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
