"""Source credits of reposts: "(Theo website ...)", "Nguồn: ...", "Theo TTXVN", "Trích từ ...".

Only the last few short paragraphs of a body are looked at (a credit closes a
repost); "Theo đó" ("accordingly") and other sentences that merely start with "Theo"
are not credits.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from archive.text._dates import date_span
from archive.text.article import Credit

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["lead_in_credit", "split_credit"]

_MAX_LINE = 120
_LOOK_BACK = 3
_URL = re.compile(r"https?://[^\s)\]>\"']+")
_CREDIT = re.compile(
    r"^[\(\[]?\s*(?:theo|nguồn|nguon|trích\s+(?:từ|dẫn)|dẫn\s+theo|lược\s+trích|đăng\s+lại\s+từ"
    r"|bài\s+đăng\s+trên|source|via)\s*[:：\-–]?\s*(?P<src>.+?)\s*[\)\]]?\s*\.?\s*$",
    re.IGNORECASE,
)
# "Theo đó, ..." (accordingly), "Theo ông ..." (according to him): sentences, not credits.
_NOT_CREDIT = re.compile(
    r"^[\(\[]?\s*theo\s+(?:đó|đây|ông|bà|anh|chị|em|tôi|chúng|họ|kế\s+hoạch|quy\s+định|luật"
    r"|thống\s+kê|báo\s+cáo|nghị|dự\s+báo|kết\s+quả|số\s+liệu|tin\s+từ|lời|như|nhiều)\b",
    re.IGNORECASE,
)


# What a credit's source may start with before the name: "Lược trích từ bài của Dân trí".
_LEAD = re.compile(r"^(?:từ\s+)?(?:(?:bài|bài\s+viết)\s+(?:của|trên)\s+)?", re.IGNORECASE)
# A weekday before a date that closes the credit: "nguoiviet.com-Monday, March 24, 2014".
_WEEKDAY = re.compile(
    r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|(?:mon|tue|wed|thu|fri|sat|sun)\.?"
    r"|thứ\s+(?:hai|ba|tư|năm|sáu|bảy|[2-7])|chủ\s+nhật|t[2-7]|cn)\s*,?\s*$",
    re.IGNORECASE,
)


def _name(source: str) -> str:
    """The outlet's name in a credit's source: without a lead-in, or a date after it."""
    name = _LEAD.sub("", source)
    if (span := date_span(name)) is not None and span[0] > 0:
        before = name[: span[0]].rstrip(" -–—,|(")
        before = _WEEKDAY.sub("", before).rstrip(" -–—,|(")
        name = before or name
    return name.strip(" -–—:,") or source


def _credit_of(line: str, links: Mapping[str, str]) -> Credit | None:
    text = unicodedata.normalize("NFC", line.strip())
    if not text or len(text) > _MAX_LINE or _NOT_CREDIT.match(text):
        return None
    match = _CREDIT.match(text)
    if not match:
        return None
    source = match["src"].strip(" :-–()[]")
    if not source or source.endswith((",", ";")) or len(source.split()) > 12:
        return None
    url_match = _URL.search(source)
    url = url_match[0].rstrip(".,") if url_match else links.get(text)
    name = _name(_URL.sub("", source)) or urlsplit(url or source).hostname or source
    return Credit(name=name, url=url, line=text)


def split_credit(
    paragraphs: list[str], links: Mapping[str, str] | None = None
) -> tuple[list[str], Credit | None]:
    """The body without its credit line, and the credit (None when there is none).

    ``links`` maps the text of a short block that holds a link to the link's href, so
    "Nguồn: <a href=...>VnExpress</a>" keeps its link.
    """
    links = links if links is not None else {}  # not `or`: a lazy mapping stays unread
    start = max(0, len(paragraphs) - _LOOK_BACK)
    for index in range(len(paragraphs) - 1, start - 1, -1):
        credit = _credit_of(paragraphs[index], links)
        if credit is not None:
            return paragraphs[:index] + paragraphs[index + 1 :], credit
    return paragraphs, None


# The original's lead-in dateline, kept by a repost: "(Chinhphu.vn) - Thủ tướng ...",
# "(GDVN) – ...", "(Dân trí) - ..." (research notes, section 5.1).
_LEAD_IN = re.compile(r"^\((?P<name>[^()\n]{2,40})\)\s*[-–—]\s+\S")
_LEAD_IN_WORDS = 4


def lead_in_credit(paragraphs: list[str]) -> Credit | None:
    """The outlet that the first paragraph's dateline names, as a blog repost's credit.

    The line stays in the body: it is the original's own text, and a copy's body should
    hash as the original's does. Only for blog posts without a closing credit: on a news
    site the dateline is the site's own.
    """
    if not paragraphs or (match := _LEAD_IN.match(paragraphs[0])) is None:
        return None
    name = match["name"].strip()
    if not name or len(name.split()) > _LEAD_IN_WORDS or date_span(name) is not None:
        return None
    return Credit(name=name, url=None, line=paragraphs[0][: match.end() - 1].rstrip())
