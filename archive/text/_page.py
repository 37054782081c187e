"""Small readers of a parsed page, shared by the extractor's parts: NFC text on one line,
the first XPath match or meta tag, and whether the page is Vietnamese.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from lxml.html import HtmlElement

    from archive.text._head import Head


# Letters of Vietnamese and of no other language's usual alphabet (â, ê, ô are French too,
# ă Romanian; đ is also Croatian, hence two of them).
_VIET_ONLY = re.compile(r"[ơưđạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.IGNORECASE)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def one_line(text: str) -> str:
    """NFC, every run of white space (no-break and ideographic spaces too) as one space."""
    return nfc(" ".join(text.split()))


def first_match(tree: HtmlElement, xpath: str) -> str | None:
    values = [" ".join(str(v).split()) for v in tree.xpath(xpath)]
    return next((nfc(v) for v in values if v), None)


def first_meta(head: Head, attribute: str, value: str) -> str | None:
    line = head.first(attribute, value)
    return nfc(line) if line else None


def is_vietnamese(tree: HtmlElement, url: str) -> bool:
    """Whether the page is Vietnamese by its language, host or title: where a visible
    "05/04/2012" is the 5th of April and a time without a zone is Vietnam's.

    Elsewhere the order and the zone are unknown ("05/04/2012" is May 4th in the US, a
    Japanese page's "2018/6/18 14:10" is +09:00), and trafilatura's htmldate reads the
    date instead, as plain trafilatura would.
    """
    if (tree.get("lang") or "").lower().startswith("vi"):
        return True
    if (urlsplit(url).hostname or "").endswith(".vn"):
        return True
    title = next(tree.iter("title"), None)
    return title is not None and len(_VIET_ONLY.findall(title.text_content())) >= 2
