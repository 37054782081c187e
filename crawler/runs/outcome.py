"""What a crawl's stats say of it: its figures (pages, bytes, articles, errors by kind, the
failing URLs) and its status (the finish reason decides; a crawl that fetched nothing
failed, and says why).
"""

from __future__ import annotations

import signal
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from archive.store import FailedUrl

if TYPE_CHECKING:
    from collections.abc import Mapping


__all__ = [
    "FINISHED_REASONS",
    "KindOfFailure",
    "closing_status",
    "errors_from_stats",
    "exit_text",
    "failed_urls",
    "failures_by_kind",
    "figures_from_stats",
    "is_final",
    "nothing_fetched",
]

FINISHED_REASONS = frozenset(
    {
        "finished",
        "closespider_pagecount",
        "closespider_timeout",
        "closespider_itemcount",
        "closespider_bytes",
    }
)
"""Finish reasons of a crawl that did its job (a source's own limits count as done)."""


_OTHER_ERRORS = {  # errors of the crawl itself, not of a URL
    "extract/errors": "extraction",
    "archive/write_errors": "archive:write",
    "archive/record_errors": "archive:record",
}


def errors_from_stats(stats: Mapping[str, Any]) -> dict[str, int]:
    """Errors by kind: each URL that failed after its retries once, by the kind of its
    error (``crawler.middlewares.failures``; a probe that found nothing is none), and
    the crawl's own (extraction, archive writes)."""
    errors: dict[str, int] = {}
    for key, value in stats.items():
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            continue
        kind = key.removeprefix("failures/kind/")
        if kind == key:
            kind = _OTHER_ERRORS.get(key, "")
        if kind:
            errors[kind] = errors.get(kind, 0) + value
    return errors


def failed_urls(stats: Mapping[str, Any]) -> tuple[FailedUrl, ...]:
    """The failing URLs the crawl listed, with their lines in its log."""
    listed = stats.get("failures/urls")
    if not isinstance(listed, list):
        return ()
    return tuple(f for value in listed if (f := FailedUrl.from_json(value)) is not None)


@dataclass(frozen=True)
class KindOfFailure:
    """The URLs that failed with one kind of error: how many, the first of them."""

    kind: str
    count: int
    urls: tuple[FailedUrl, ...]

    @property
    def unlisted(self) -> int:
        return max(0, self.count - len(self.urls))


def failures_by_kind(
    errors: Mapping[str, int], failed: tuple[FailedUrl, ...]
) -> list[KindOfFailure]:
    """A run's failing URLs grouped by kind, the most frequent kind first."""
    kinds = sorted({f.kind for f in failed}, key=lambda k: (-errors.get(k, 0), k))
    return [
        KindOfFailure(
            kind,
            max(errors.get(kind, 0), sum(f.kind == kind for f in failed)),
            tuple(f for f in failed if f.kind == kind),
        )
        for kind in kinds
    ]


def figures_from_stats(stats: Mapping[str, Any]) -> dict[str, Any]:
    """A run row's figures from a crawl's stats: pages, bytes, articles, errors by kind,
    the failing URLs."""
    return {
        "pages": int(stats.get("downloader/response_count", 0)),
        "archived_bytes": int(stats.get("archive/bytes", 0)),
        "articles_new": int(stats.get("extract/new", 0)),
        "articles_changed": int(stats.get("extract/changed", 0)),
        "articles_unchanged": int(stats.get("extract/unchanged", 0)),
        "errors": errors_from_stats(stats),
        "failed_urls": failed_urls(stats),
        "warc_files": tuple(stats.get("archive/file_names", ())),
    }


def is_final(stats: Mapping[str, Any]) -> bool:
    """Whether a stats file is the crawl's last word (Scrapy closed it), not a live write."""
    return bool(stats.get("finish_reason")) and not stats.get("live")


_REFUSED_BY = (  # (stat, why every request was refused), the likeliest cause first
    ("route/refused_reserved", ("its hosts are reserved names (.test) with no route: start "
     "`archivist demo serve` and set ARCHIVIST_ROUTE_PROXIES as it prints")),
    ("route/refused_not_loopback", ("the crawl is loopback-only (ARCHIVIST_LOOPBACK_ONLY) and "
     "its hosts are not on loopback")),
    ("network/refused", ("its hosts are on private addresses the network guard refuses: list "
     "them in the source's allow_private")),
    ("robotstxt/forbidden", "robots.txt forbids its pages to this user agent"),
)  # fmt: skip


def nothing_fetched(stats: Mapping[str, Any]) -> str | None:
    """Why a crawl that ended normally fetched nothing at all, or None if it fetched."""
    if int(stats.get("downloader/response_count", 0)) > 0:
        return None
    why = next((text for key, text in _REFUSED_BY if stats.get(key)), None)
    if why is None:
        errors = errors_from_stats(stats)
        kinds = ", ".join(f"{kind}: {n}" for kind, n in sorted(errors.items()))
        failed = sum(errors.values())
        if failed:
            why = f"{failed} URLs failed ({kinds}); see the log"
        elif not int(stats.get("downloader/request_count", 0)):
            why = "no request was made"
        elif stats.get("finish_reason") == "shutdown":
            why = "the crawl was stopped before its first response"
        else:
            why = "no response came"
    return f"nothing was fetched: {why}"


def closing_status(ended_by: str | None, stats: Mapping[str, Any]) -> str:
    """A run's status once its crawl has ended: the finish reason decides, whatever the
    exit code (a crawl killed after its final stats did its job); ``ended_by`` (we
    stopped it, or its time ran out) wins; no final stats at all is ``interrupted``."""
    if ended_by is not None:
        return ended_by
    if not is_final(stats):
        return "interrupted"
    if nothing_fetched(stats) is not None:
        return "failed"
    return "finished" if stats["finish_reason"] in FINISHED_REASONS else "failed"


def exit_text(code: int | None) -> str:
    """A run's exit code as people read it: ``-15 (SIGTERM)`` for a signal, ``-`` for none."""
    if code is None:
        return "-"
    if code < 0:
        try:
            return f"{code} ({signal.Signals(-code).name})"
        except ValueError:
            return str(code)
    return str(code)
