"""Sources that crawl the same pages: allowed, and worth a warning.

Two sources overlap when their allowed hosts meet (one host is the other, or under it:
Scrapy follows a host's subdomains) and, on those hosts, their scope prefixes meet (one
starts with the other; no prefixes is the whole host). An article both capture belongs
to both (``archive.store``'s ``article_sources``); ``archivist schedule validate`` says
which two sources share which hosts or prefixes, so a second source over the same blog
is a choice, not a surprise.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from collections.abc import Sequence

    from crawler.sources.schema import Source

__all__ = ["Overlap", "overlaps"]


@dataclass(frozen=True, slots=True)
class Overlap:
    """Two sources and what they both crawl: hosts, or URL prefixes on them."""

    first: str
    second: str
    hosts: tuple[str, ...]
    prefixes: tuple[str, ...] = ()

    def describe(self) -> str:
        shared = (
            f"prefixes {', '.join(self.prefixes)}"
            if self.prefixes
            else f"hosts {', '.join(self.hosts)}"
        )
        return (
            f"{self.first} and {self.second} overlap: both crawl {shared}; "
            "an article both capture belongs to both"
        )


def overlaps(sources: Sequence[Source]) -> list[Overlap]:
    """Every pair of ``sources`` that crawls the same pages, in name order."""
    found = []
    for one, two in combinations(sorted(sources, key=lambda s: s.name), 2):
        overlap = _overlap(one, two)
        if overlap is not None:
            found.append(overlap)
    return found


def _overlap(one: Source, two: Source) -> Overlap | None:
    hosts = _shared_hosts(one.allowed_hosts, two.allowed_hosts)
    if not hosts:
        return None
    prefixes = _shared_prefixes(_on(one.scope.prefixes, hosts), _on(two.scope.prefixes, hosts))
    if prefixes is None:
        return None
    return Overlap(one.name, two.name, hosts, prefixes)


def _within(host: str, other: str) -> bool:
    return host == other or host.endswith(f".{other}")


def _shared_hosts(one: Sequence[str], two: Sequence[str]) -> tuple[str, ...]:
    """The hosts both may crawl: the narrower of each pair that meets."""
    shared = {a for a in one for b in two if _within(a, b)}
    shared |= {b for a in one for b in two if _within(b, a)}
    return tuple(sorted(shared))


def _on(prefixes: Sequence[str], hosts: Sequence[str]) -> tuple[str, ...] | None:
    """A source's prefixes on the shared hosts; None when it has none (the whole host)."""
    if not prefixes:
        return None
    host_of = (urlsplit(p).hostname or "" for p in prefixes)
    return tuple(
        p
        for p, h in zip(prefixes, host_of, strict=True)
        if any(_within(h, s) or _within(s, h) for s in hosts)
    )


def _shared_prefixes(
    one: tuple[str, ...] | None, two: tuple[str, ...] | None
) -> tuple[str, ...] | None:
    """The prefixes both crawl: () for whole hosts, None when they never meet."""
    if one is None and two is None:
        return ()
    if one is None or two is None:
        narrower = one if two is None else two
        return narrower or None
    shared = {
        a if len(a) >= len(b) else b for a in one for b in two if a.startswith(b) or b.startswith(a)
    }
    return tuple(sorted(shared)) or None
