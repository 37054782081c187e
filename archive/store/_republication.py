"""A republication as the store reports it: the two articles (each at the version that
matched) and what one holds of the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datetime import datetime


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
    sources: tuple[str, ...] = ()  # every source that captured it (``source`` found it first)

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "title": self.title,
            "site": self.site,
            "platform": self.platform,
            "source": self.source,
            "sources": list(self.sources or (self.source,)),
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
