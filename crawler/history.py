"""Article histories for researchers: versions side by side, and what changed in words."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from archive.store import StoredArticle

__all__ = ["field_diffs", "word_diff"]


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
