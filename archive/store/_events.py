"""When an article is gone, and when it is back: the one place that says so.

An article the store knows is **removed** when its URL answers 404 or 410, redirects to
its site's home page (``removal_reason``), or answers 200 with a "not found" page in
place of the article (``soft_404``); ``Store.mark_removed`` records it once, whichever
part of the crawl saw it (the capture sees statuses and redirects, extraction sees the
text). It is **restored** when a later capture records it again
(``archive.store._recording``, as an article is recorded).

``events`` lists those events; ``changes`` adds the edits (every version after an
article's first) for ``archivist changes`` and the console.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urljoin, urlsplit

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from archive.store._rows import articles_of
from archive.store._schema import ArticleEventRow, ArticleRow, ArticleVersionRow, CaptureRow

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from sqlalchemy.engine import Engine

__all__ = [
    "ChangeRecord",
    "EventRecord",
    "EventsMixin",
    "removal_reason",
    "soft_404",
]

T = TypeVar("T")

_GONE = frozenset({404, 410})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
# What a page that replaced an article says, in Vietnamese and English, once lower-cased
# and with its diacritics kept: news CMSs answer 200 with these instead of a 404.
_NOT_FOUND = re.compile(
    r"không (?:tồn tại|tìm thấy|còn tồn tại)|đã bị (?:xóa|xoá|gỡ|gỡ bỏ)|"
    r"\b404\b|not found|no longer available|does not exist|has been removed"
)
_SOFT_404_WORDS = 80  # a real article is longer than its "not found" notice


def removal_reason(url: str, status: int, location: str | None = None) -> str | None:
    """Why an answer at a known article's URL says it is gone (404/410, a redirect to
    the home page), or None."""
    if status in _GONE:
        return f"answers {status}"
    if status in _REDIRECTS and _to_home(url, location):
        return f"redirects to the home page ({location})"
    return None


def soft_404(title: str | None, body: str | None) -> str | None:
    """Why a 200 page at a known article's URL is a "not found" page, or None.

    No article text at all, or a short page whose title or text says the article is
    gone ("Bài viết không tồn tại", "đã bị gỡ", "404", "not found").
    """
    text = (body or "").strip()
    if not text:
        return "soft 404: no article text"
    if len(text.split(maxsplit=_SOFT_404_WORDS)) > _SOFT_404_WORDS:  # not every word
        return None
    said = _NOT_FOUND.search(f"{title or ''} {text}".lower())
    return f"soft 404: the page says {said[0]!r}" if said else None


def _to_home(url: str, location: str | None) -> bool:
    """Does a redirect from ``url`` go to its site's home page?"""
    if not location:
        return False
    target = urlsplit(urljoin(url, location))
    return target.netloc == urlsplit(url).netloc and target.path in {"", "/"} and not target.query


@dataclass(frozen=True, slots=True)
class EventRecord:
    id: int
    url: str
    source: str
    collection: str
    kind: str  # removed | restored
    at: datetime
    status: int | None
    detail: str
    capture_id: int | None


@dataclass(frozen=True, slots=True)
class ChangeRecord:
    """One line of ``archivist changes``: an edit, a removal or a restoration."""

    kind: str  # edited | removed | restored
    at: datetime
    url: str
    source: str
    title: str
    detail: str
    version_id: int | None = None
    previous_version_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "at": self.at.isoformat(),
            "url": self.url,
            "source": self.source,
            "title": self.title,
            "detail": self.detail,
            "version_id": self.version_id,
            "previous_version_id": self.previous_version_id,
        }


def _event(row: ArticleEventRow) -> EventRecord:
    return EventRecord(
        row.id,
        row.url,
        row.source,
        row.collection,
        row.kind,
        row.at,
        row.status,
        row.detail,
        row.capture_id,
    )


class EventsMixin:
    """``Store``'s article events: removals, restorations, and the edits between them."""

    engine: Engine

    def _write(self, work: Callable[[Session], T]) -> T:  # pragma: no cover - Store's
        raise NotImplementedError

    def mark_removed(  # noqa: PLR0917 - the event's fields, in order
        self,
        url: str,
        collection: str,
        at: datetime,
        detail: str,
        status: int,
        capture_id: Callable[[], int | None],
    ) -> bool:
        """Record that the article at ``url`` is gone, unless it is not an article the
        store knows or is already marked removed; ``capture_id`` gives the capture that
        shows it (called only when the event is recorded). True when recorded."""
        known = self.article_source(url)
        if known is None:
            return False
        source, key = known
        last = self.last_event(key)
        if last is not None and last.kind == "removed":
            return False
        self.add_event(key, source, collection, "removed", at, detail, status, capture_id())
        return True

    def article_source(self, url: str) -> tuple[str, str] | None:
        """(source, url key) of the article seen at ``url``, if it is one."""
        with Session(self.engine) as session:
            row = session.execute(
                select(ArticleRow.source, ArticleRow.url).where(ArticleRow.url == url)
            ).first()
            if row is None:
                row = session.execute(
                    select(ArticleRow.source, ArticleRow.url)
                    .join(ArticleVersionRow, ArticleVersionRow.article_id == ArticleRow.id)
                    .where(ArticleVersionRow.url == url)
                    .limit(1)
                ).first()
            return None if row is None else (str(row[0]), str(row[1]))

    def last_event(self, url: str) -> EventRecord | None:
        statement = (
            select(ArticleEventRow)
            .where(ArticleEventRow.url == url)
            .order_by(ArticleEventRow.at.desc(), ArticleEventRow.id.desc())
            .limit(1)
        )
        with Session(self.engine) as session:
            row = session.scalar(statement)
            return None if row is None else _event(row)

    def add_event(  # noqa: PLR0917 - the event's fields, in order
        self,
        url: str,
        source: str,
        collection: str,
        kind: str,
        at: datetime,
        detail: str,
        status: int | None = None,
        capture_id: int | None = None,
    ) -> EventRecord:
        if kind not in {"removed", "restored"}:
            raise ValueError(f"unknown article event {kind!r}: removed or restored")
        row = ArticleEventRow(
            url=url,
            source=source,
            collection=collection,
            kind=kind,
            at=at,
            status=status,
            detail=detail,
            capture_id=capture_id,
        )

        def work(session: Session) -> EventRecord:
            session.add(row)
            session.flush()
            return _event(row)

        return self._write(work)

    def events(self, since: datetime | None = None, source: str | None = None) -> list[EventRecord]:
        statement = select(ArticleEventRow)
        if since is not None:
            statement = statement.where(ArticleEventRow.at >= since)
        if source is not None:  # its own events, and those of every article it holds
            held = select(ArticleRow.url).where(ArticleRow.id.in_(articles_of(source)))
            statement = statement.where(
                or_(ArticleEventRow.source == source, ArticleEventRow.url.in_(held))
            )
        with Session(self.engine) as session:
            rows = session.scalars(statement.order_by(ArticleEventRow.at, ArticleEventRow.id))
            return [_event(row) for row in rows]

    def changes(
        self, since: datetime | None = None, source: str | None = None
    ) -> list[ChangeRecord]:
        """Edits (each version after an article's first), removals and restorations.

        An edit's detail numbers the versions as ``archivist history`` does (1 = first
        seen); ``version_id`` and ``previous_version_id`` are the records' ids."""
        found: list[ChangeRecord] = []
        with Session(self.engine) as session:
            statement = (
                select(ArticleVersionRow, ArticleRow.source, CaptureRow.fetched_at)
                .join(ArticleRow, ArticleRow.id == ArticleVersionRow.article_id)
                .join(CaptureRow, CaptureRow.id == ArticleVersionRow.capture_id)
                .order_by(ArticleVersionRow.article_id, CaptureRow.fetched_at, ArticleVersionRow.id)
            )
            if source is not None:
                statement = statement.where(ArticleRow.id.in_(articles_of(source)))
            previous: dict[int, tuple[int, int]] = {}  # article -> (number, id) of the last
            for version, article_source, fetched in session.execute(statement):
                number, before = previous.get(version.article_id, (0, None))
                previous[version.article_id] = (number + 1, version.id)
                if before is None or (since is not None and fetched < since):
                    continue
                found.append(
                    ChangeRecord(
                        "edited",
                        fetched,
                        version.url,
                        source or article_source,
                        version.title,
                        f"version {number} -> {number + 1}",
                        version.id,
                        before,
                    )
                )
            count = session.scalar(select(func.count()).select_from(ArticleEventRow)) or 0
        if count:
            found.extend(
                ChangeRecord(event.kind, event.at, event.url, event.source, "", event.detail)
                for event in self.events(since, source)
            )
        return sorted(found, key=lambda change: (change.at, change.url))
