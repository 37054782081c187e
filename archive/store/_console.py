"""What the operators' console reads of one run's captures, beyond the runs themselves.

* ``captured_articles``: the articles a run captured, once each, with what a replay
  link needs (collection, capture time, URL).

The date/author shares of a run's articles are ``MonitorMixin.article_shares``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.store._schema import ArticleVersionRow, CaptureRow

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.engine import Engine

__all__ = ["CapturedArticle", "ConsoleMixin"]


@dataclass(frozen=True, slots=True)
class CapturedArticle:
    """An article a run captured: its title, and where and when to replay it."""

    title: str
    url: str
    collection: str
    fetched_at: datetime


class ConsoleMixin:
    """``Store``'s read-only queries for the console's run page."""

    engine: Engine

    def captured_articles(self, run_id: str, limit: int = 200) -> list[CapturedArticle]:
        """The articles ``run_id`` captured (status below 300), in capture order, once
        each: at its first capture in the run, with its latest version's title."""
        statement = (
            select(
                ArticleVersionRow.title,
                CaptureRow.url,
                CaptureRow.collection,
                CaptureRow.fetched_at,
            )
            .join(ArticleVersionRow, ArticleVersionRow.url == CaptureRow.url)
            .where(CaptureRow.run_id == run_id, CaptureRow.status < 300)
            .order_by(CaptureRow.fetched_at, ArticleVersionRow.id)
        )
        found: dict[str, CapturedArticle] = {}
        with Session(self.engine) as session:
            for title, url, collection, fetched_at in session.execute(statement):
                first = found.get(url)
                when = first.fetched_at if first else fetched_at
                found[url] = CapturedArticle(title, url, collection, when)
        return list(found.values())[:limit]
