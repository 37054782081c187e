"""Article histories for researchers: versions side by side, what changed in words, and
who republished what."""

from __future__ import annotations

import difflib
import re
import textwrap
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from archive.store import Republication, StoredArticle, TextSide

__all__ = [
    "field_diffs",
    "pick_version",
    "repost_lines",
    "shown_diff",
    "word_diff",
]

_MARK = re.compile(r"\[-|-\]|\{\+|\+\}")
_STYLES = {"[-": {"fg": "red"}, "{+": {"fg": "green"}}


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


def shown_diff(name: str, diff: str, width: int) -> list[str]:
    """A field's word diff as ``name: ...`` wrapped to ``width`` columns, continuation
    lines indented under the text; words are never split, so a marker stays with its word.

    In a terminal, removed words are red and added ones green (``click.echo`` drops the
    colours elsewhere); the markers stay, so the diff reads the same without colour."""
    indent = " " * (len(name) + 2)
    lines = textwrap.wrap(
        diff,
        width=max(width, len(indent) + 20),
        initial_indent=f"{name}: ",
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [f"{name}: "]
    return _coloured(lines)


def _coloured(lines: list[str]) -> list[str]:
    """Each ``[-...-]`` and ``{+...+}`` run styled, across line ends too."""
    out, open_mark = [], ""
    for line in lines:
        parts, last = [], 0
        for found in _MARK.finditer(line):
            mark = found.group()
            if mark in _STYLES:
                parts.append(_styled(line[last : found.start()], open_mark))
                open_mark, last = mark, found.start()
            else:
                parts.append(_styled(line[last : found.end()], open_mark))
                open_mark, last = "", found.end()
        parts.append(_styled(line[last:], open_mark))
        out.append("".join(parts))
    return out


def _styled(text: str, mark: str) -> str:
    if not mark or not text.strip():
        return text
    return click.style(text, **_STYLES[mark])  # type: ignore[arg-type]


def pick_version(versions: list[StoredArticle], given: str) -> StoredArticle | None:
    """The version a user names: its number in the history (1 = first seen), or its
    database id as ``id:N``; None if there is no such version."""
    text = given.strip().lower()
    if text.startswith("id:") and text[3:].isdigit():
        wanted = int(text[3:])
        return next((v for v in versions if v.version_id == wanted), None)
    if text.isdigit() and 1 <= int(text) <= len(versions):
        return versions[int(text) - 1]
    return None


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
    original was told apart, and which version was copied."""
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
    return lines[1:] if lines and lines[0] == "" else lines
