"""Article histories for researchers: versions side by side, what changed in words, and
who republished what."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from archive.store import Republication, StoredArticle, TextSide

__all__ = ["copies_text", "field_diffs", "repost_lines", "word_diff"]


def word_diff(old: str, new: str) -> str:
    """``old`` -> ``new`` word by word: ``[-removed-]`` and ``{+added+}`` inline."""
    before, after = old.split(), new.split()
    out: list[str] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for tag, a1, a2, b1, b2 in matcher.get_opcodes():
        if tag == "equal":
            out.extend(before[a1:a2])
            continue
        if a2 > a1:
            out.append("[-" + " ".join(before[a1:a2]) + "-]")
        if b2 > b1:
            out.append("{+" + " ".join(after[b1:b2]) + "+}")
    return " ".join(out)


def _fields(stored: StoredArticle) -> dict[str, str]:
    article = stored.article
    return {
        "title": article.title,
        "authors": ", ".join(article.authors),
        "published": article.published.value.isoformat() if article.published else "",
        "modified": article.modified.value.isoformat() if article.modified else "",
        "credit": article.credit.name if article.credit else "",
        "body": article.body,
    }


def field_diffs(old: StoredArticle, new: StoredArticle) -> dict[str, str]:
    """Each field that differs between two versions, as a word diff."""
    before, after = _fields(old), _fields(new)
    return {
        name: word_diff(before[name], after[name]) for name in before if before[name] != after[name]
    }


def copies_text(count: int) -> str:
    """ "1 copy", "3 copies"."""
    return f"{count} cop{'y' if count == 1 else 'ies'}"


def _day(side: TextSide) -> str:
    when = side.published or side.first_seen
    return f"{when:%Y-%m-%d}" + ("" if side.published else " (seen)")


def _state(side: TextSide) -> str:
    notes = []
    if side.versions > 1:
        notes.append(f"version {side.version} of {side.versions}")
    if side.removed_at is not None:
        notes.append(f"taken down {side.removed_at:%Y-%m-%d %H:%M} UTC")
    return f"  [{'; '.join(notes)}]" if notes else ""


def repost_lines(found: list[Republication]) -> list[str]:
    """Each original, then its copies: how much of it each holds, what each adds, how the
    original was told apart, and which version was copied; a summary line last."""
    lines: list[str] = []
    last = None
    for item in found:
        original, copy = item.original, item.copy
        if original.url != last:
            last = original.url
            lines.append("")
            lines.append(f"{original.title}")
            lines.append(f"  {_day(original)}  {original.site}  {original.url}{_state(original)}")
        lines.append(
            f"    {item.holds:>4.0%} held {item.adds:>4.0%} added  {_day(copy)}  {copy.site}  "
            f"{copy.url}  ({item.why}){_state(copy)}"
        )
    originals = len({item.original.url for item in found})
    lines.append(f"{originals} original{'' if originals == 1 else 's'}, {copies_text(len(found))}")
    return lines[1:] if lines[0] == "" else lines
