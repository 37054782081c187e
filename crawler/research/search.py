"""What a search hit matched: a few words of the article around the query's words.

The store finds articles by their folded search text (``archive.store``: every query
word inside the title, authors, body or credit, ignoring case and diacritics), with a
plain ``LIKE`` on SQLite and PostgreSQL alike. The snippet is cut here, in Python, from
the version's own text with the same folding, rather than by SQLite FTS5's ``snippet()``
or PostgreSQL's ``ts_headline``: neither has an index to work from here (that would be
a full-text table and a migration), ``ts_headline`` does not fold diacritics without the
``unaccent`` extension, and the two would cut and mark different words. Here both
backends show the same words, marked where the search matched them, at the cost of
folding one article's words per hit shown (a page of 50 hits: a few milliseconds).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from archive.text._fold import fold

if TYPE_CHECKING:
    from archive.text.article import Article

__all__ = ["Piece", "marked", "snippet"]

Piece = tuple[str, bool]
"""Some text, and whether it is a word the query matched."""

_WORD = re.compile(r"\S+")
ELLIPSIS = "…"


def marked(text: str, query: str) -> list[Piece]:
    """``text`` cut into pieces, the words holding a query word marked."""
    wanted = fold(query).split()
    pieces: list[Piece] = []
    last = 0
    for found in _WORD.finditer(text):
        if _hit(found.group(), wanted):
            pieces.append((text[last : found.start()], False))
            pieces.append((found.group(), True))
            last = found.end()
    pieces.append((text[last:], False))
    return [p for p in pieces if p[0]]


def snippet(article: Article, query: str, words: int = 24) -> list[Piece]:
    """About ``words`` words of the body (else the authors, else the credit) around where
    most of the query's words meet, those words marked; [] when none of them holds one
    (the match was in the title)."""
    wanted = fold(query).split()
    credit = article.credit.name if article.credit else ""
    for text in (article.body, ", ".join(article.authors), credit):
        tokens = text.split()
        hits = [_hit(token, wanted) for token in tokens]
        if any(hits):
            start = _best_window(tokens, hits, wanted, words)
            return _pieces(tokens, hits, start, start + words)
    return []


def _hit(token: str, wanted: list[str]) -> bool:
    folded = fold(token)
    return any(word in folded for word in wanted)


def _best_window(tokens: list[str], hits: list[bool], wanted: list[str], size: int) -> int:
    """Where a window of ``size`` words holding the most distinct query words starts
    (the first such, a few words before its first hit)."""
    best, best_count = 0, -1
    lead = min(size // 4, 6)
    for index in (i for i, hit in enumerate(hits) if hit):
        start = max(0, index - lead)
        folded = " ".join(fold(t) for t in tokens[start : start + size])
        count = sum(word in folded for word in wanted)
        if count > best_count:
            best, best_count = start, count
    return best


def _pieces(tokens: list[str], hits: list[bool], start: int, end: int) -> list[Piece]:
    pieces: list[Piece] = [(ELLIPSIS + " ", False)] if start > 0 else []
    for index in range(start, min(end, len(tokens))):
        space = " " if index > start else ""
        pieces.append((space, False))
        pieces.append((tokens[index], hits[index]))
    if end < len(tokens):
        pieces.append((" " + ELLIPSIS, False))
    return [p for p in pieces if p[0]]
