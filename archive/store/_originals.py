"""Which of two articles that share text is the original, and why.

The one the other's credit links to (any URL it was seen at); else the one whose site
the other's credit names ("Theo website Báo Thời Sự" and thoisu.vn); else the one
published first; else the one captured first. Two copies that credit the same source
say so ("published first; both credit Báo Thời Sự").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from archive.text._fold import names_host, squash

if TYPE_CHECKING:
    from datetime import datetime

    from archive.store._republication import TextSide


@dataclass(frozen=True, slots=True)
class Version:
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


def _credits_site(copy: Version, original: Version) -> bool:
    """Whether the copy's credit names the original's site by its host ("Theo website
    Báo Thời Sự" and thoisu.vn), the two being on different sites."""
    host = urlsplit(original.side.url).hostname or ""
    if not copy.side.credit_name or host == urlsplit(copy.side.url).hostname:
        return False
    return names_host(copy.side.credit_name, host)


def _credits_link(copy: Version, original: Version) -> bool:
    """Whether the copy's credit links to the original (any URL it was seen at)."""
    return bool(copy.side.credit_url) and _key(copy.side.credit_url or "") in original.names()


def _published(version: Version) -> datetime | None:
    return version.side.published


def _captured(version: Version) -> datetime | None:
    return version.side.first_seen


_CREDITS = (("credit link", _credits_link), ("credit names the site", _credits_site))


_TIMES = (("published first", _published), ("captured first", _captured))


def _same_credit(a: Version, b: Version) -> str | None:
    """The source both credit, when both credit the same one (by link, or by name
    ignoring case, diacritics and spaces): two copies of an original not archived."""
    one, two = a.side, b.side
    if one.credit_url and two.credit_url and _key(one.credit_url) == _key(two.credit_url):
        return one.credit_name or one.credit_url
    if one.credit_name and two.credit_name and squash(one.credit_name) == squash(two.credit_name):
        return one.credit_name
    return None


def direction(a: Version, b: Version) -> tuple[Version, Version, str]:
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
