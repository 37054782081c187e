"""Authors: from the platform's markup, JSON-LD, meta tags or trafilatura, cleaned and split
into names; and, on Vietnamese pages that name nobody, the byline closing the text.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from archive.text._fold import host_labels, squash
from archive.text._page import first_meta, is_vietnamese, nfc, one_line

if TYPE_CHECKING:
    from lxml.html import HtmlElement

    from archive.text._head import Head
    from archive.text._lazymeta import LazyMetadata


_AUTHOR_PREFIX = re.compile(
    r"^\s*(?:đăng\s+bởi|posted\s+by|bởi|by|tác\s+giả)\s*[:\-]?\s*", re.IGNORECASE
)


_NAME_SEPARATORS = re.compile(r"\s*(?:[,;&]|\band\b|\bvà\b)\s*", re.IGNORECASE)


_NAME_WORDS = 5  # a longer part of a byline is not a name ("Nguyễn Văn A, phóng viên tại Hà Nội")


def _ld_authors(ld: list[dict[str, Any]]) -> list[str]:
    names = []
    for item in ld:
        authors = item.get("author")
        for author in authors if isinstance(authors, list) else [authors]:
            name = author.get("name") if isinstance(author, dict) else author
            if isinstance(name, str) and name.strip():
                names.append(nfc(name.strip()))
    return list(dict.fromkeys(names))


def authors_of(
    found: list[str], ld: list[dict[str, Any]], head: Head, doc: LazyMetadata, host: str
) -> list[str]:
    candidates = found or _ld_authors(ld)
    if not candidates and (meta := first_meta(head, "name", "author")):
        candidates = [meta]
    if not candidates and doc.author:
        candidates = [a.strip() for a in doc.author.split(";")]
    cleaned = (_AUTHOR_PREFIX.sub("", one_line(name)).strip() for name in candidates)
    names = list(dict.fromkeys(part for name in cleaned if name for part in _split_names(name)))
    # "By Dana A. Ford, Tom Watkins, CNN": the site beside its writers is not one of them
    # (a name that starts or ends with a label of the host, "Báo Dân trí" on dantri.vn).
    site = tuple(host_labels(host))
    people = [n for n in names if not squash(n).startswith(site) and not squash(n).endswith(site)]
    return people or names


def _split_names(byline: str) -> list[str]:
    """ "A, B and C" -> [A, B, C] when every part looks like a name; else the byline whole
    (a name with a place in it, or "Nhóm phóng viên Chính trị và Xã hội", stays as is)."""
    parts = [p.strip() for p in _NAME_SEPARATORS.split(byline) if p.strip()]
    if len(parts) > 1 and all(_looks_like_a_name(p) for p in parts):
        return parts
    return [byline]


_BYLINE_CHARS = 40


_BYLINE_NOTE = re.compile(r"\s*\((?:tổng hợp|th|lược dịch|dịch|biên dịch)\)\s*$", re.IGNORECASE)


def closing_byline(paragraphs: list[str], tree: HtmlElement, url: str) -> list[str]:
    """The names of a byline closing the text, for a page that names no author otherwise.

    Vietnamese news and reposts end with the writer's name on a line of its own, before
    any credit: "Thanh Bình", "Hồng Quân - Lê Cường", "Minh Anh (tổng hợp)". Every word
    of a Vietnamese name is capitalised; a sentence, a date or a photo credit is not one.
    Only on Vietnamese pages: elsewhere a closing "Follow Us On Twitter" is title case too.
    """
    if not paragraphs or not is_vietnamese(tree, url):
        return []
    line = _BYLINE_NOTE.sub("", paragraphs[-1])
    if not line or len(line) > _BYLINE_CHARS or any(ch.isdigit() or ch in ".:!?" for ch in line):
        return []
    parts = [p.strip() for p in re.split(r"\s+[-–]\s+", line) for p in _split_names(p)]
    if all(1 < len(p.split()) <= _NAME_WORDS and p.istitle() for p in parts):
        return parts
    return []


def _looks_like_a_name(part: str) -> bool:
    """A few words, the first and the last capitalised ("Lauren del Valle", "Lê Cường")."""
    words = part.split()
    return len(words) <= _NAME_WORDS and words[0][:1].isupper() and words[-1][:1].isupper()
