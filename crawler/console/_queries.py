"""The console's reads beyond ``Store``'s methods: per-run captures, articles and errors.

Read-only queries over the store's tables (captures, article versions), and over a
run's log for the download errors that left no capture.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive._store_schema import ArticleVersionRow, CaptureRow

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime
    from pathlib import Path

    from archive.store import Store

__all__ = [
    "ArticleQuality",
    "RunArticle",
    "article_quality",
    "errors_by_host",
    "run_articles",
    "timestamp14",
]

# Scrapy's core logs a request that got no response as "Error downloading <GET url>".
_DOWNLOAD_ERROR = re.compile(r"Error downloading <[A-Z]+ (\S+)>(?::\s*(.*))?")


@dataclass(frozen=True)
class ArticleQuality:
    """How many articles a run captured, and how many of them have a date, an author."""

    articles: int = 0
    dated: int = 0
    authored: int = 0

    def share(self, part: int) -> float | None:
        return None if not self.articles else 100.0 * part / self.articles


@dataclass(frozen=True)
class RunArticle:
    """An article captured by a run, with what a replay link needs."""

    title: str
    url: str
    collection: str
    fetched_at: datetime


def timestamp14(when: datetime) -> str:
    """pywb's 14-digit timestamp (UTC) of a capture time."""
    return when.strftime("%Y%m%d%H%M%S")


def _host(url: str) -> str:
    return urlsplit(url).hostname or "(no host)"


def article_quality(store: Store, run_ids: Iterable[str]) -> dict[str, ArticleQuality]:
    """Per run: the articles whose page it captured, with a date, with an author."""
    ids = list(run_ids)
    if not ids:
        return {}
    statement = (
        select(
            CaptureRow.run_id,
            ArticleVersionRow.article_id,
            ArticleVersionRow.published,
            ArticleVersionRow.authors,
        )
        .join(ArticleVersionRow, ArticleVersionRow.url == CaptureRow.url)
        .where(CaptureRow.run_id.in_(ids))
    )
    seen: dict[str, dict[int, tuple[bool, bool]]] = {}
    with Session(store.engine) as session:
        for run_id, article_id, published, authors in session.execute(statement):
            flags = seen.setdefault(run_id or "", {})
            dated, authored = flags.get(article_id, (False, False))
            flags[article_id] = (dated or published is not None, authored or bool(authors))
    return {
        run_id: ArticleQuality(
            len(flags),
            sum(1 for d, _ in flags.values() if d),
            sum(1 for _, a in flags.values() if a),
        )
        for run_id, flags in seen.items()
    }


def run_articles(store: Store, run_id: str, limit: int = 200) -> list[RunArticle]:
    """The articles a run captured (latest title), in capture order, once each."""
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
    found: dict[str, RunArticle] = {}
    with Session(store.engine) as session:
        for title, url, collection, fetched_at in session.execute(statement):
            first = found.get(url)
            when = first.fetched_at if first else fetched_at
            found[url] = RunArticle(title, url, collection, when)
    return list(found.values())[:limit]


def errors_by_host(store: Store, run_id: str, log_path: Path | None) -> list[tuple[str, str, int]]:
    """(host, kind, count), most first: HTTP errors from the run's captures (status 400
    and up, as ``http:<code>``), and requests that got no response from its log."""
    counts: Counter[tuple[str, str]] = Counter()
    statement = select(CaptureRow.url, CaptureRow.status).where(
        CaptureRow.run_id == run_id, CaptureRow.status >= 400
    )
    with Session(store.engine) as session:
        for url, status in session.execute(statement):
            counts[_host(url), f"http:{status}"] += 1
    if log_path is not None:
        counts.update(_log_download_errors(log_path))
    return sorted(((h, k, n) for (h, k), n in counts.items()), key=lambda e: (-e[2], e[0], e[1]))


def _log_download_errors(path: Path) -> Counter[tuple[str, str]]:
    counts: Counter[tuple[str, str]] = Counter()
    try:
        with path.open(encoding="utf-8", errors="replace") as log:
            for line in log:
                match = _DOWNLOAD_ERROR.search(line)
                if match:
                    reason = (match.group(2) or "").strip()[:60]
                    counts[_host(match.group(1)), f"download{': ' + reason if reason else ''}"] += 1
    except OSError:
        pass
    return counts
