"""Publication and modification dates: machine-readable signals first, then visible text.

Vietnamese visible dates are day-first ("23/4/2012", "Thứ Hai, ngày 23 tháng 4 năm
2012", "15:30 GMT+7"); a time without a zone is Asia/Ho_Chi_Minh's (+07:00). A date
after the capture is never taken; a candidate far from a ``/YYYY/MM/`` in the URL
loses to one that agrees with it.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from archive.article import DatedValue

if TYPE_CHECKING:
    from collections.abc import Iterator

    from archive._head import Head

__all__ = ["choose_dates", "date_candidates", "json_ld_objects", "parse_iso", "parse_vietnamese"]

VN_TZ = timezone(timedelta(hours=7))
_MAX_URL_GAP_DAYS = 62


class _Meta(NamedTuple):
    """A meta tag's content, by one of its attributes: ``<meta property=... content>``."""

    attribute: str
    names: tuple[str, ...]


class _Dated(NamedTuple):
    """A dated element's attribute (``Head.dated``), by its tag and a test: a class token
    (" published "), a class substring ("entry-date") or its itemprop."""

    tag: str
    test: Literal["token", "substring", "itemprop"]
    value: str
    attribute: str


# Machine-readable dates, best first.
_PUBLISHED: tuple[tuple[str, _Meta | _Dated], ...] = (
    ("meta:article:published_time", _Meta("property", ("article:published_time",))),
    ("meta:datePublished", _Meta("itemprop", ("datePublished",))),
    ("abbr.published", _Dated("abbr", "token", "published", "title")),
    ("time.published", _Dated("time", "token", "published", "datetime")),
    ("time[itemprop=datePublished]", _Dated("time", "itemprop", "datePublished", "datetime")),
    ("time.entry-date", _Dated("time", "substring", "entry-date", "datetime")),
    ("meta:pubdate", _Meta("name", ("pubdate", "publishdate", "date"))),
)
_MODIFIED: tuple[tuple[str, _Meta | _Dated], ...] = (
    ("meta:article:modified_time", _Meta("property", ("article:modified_time",))),
    ("meta:og:updated_time", _Meta("property", ("og:updated_time",))),
    ("time.updated", _Dated("time", "token", "updated", "datetime")),
    ("meta:dateModified", _Meta("itemprop", ("dateModified",))),
)
_ISO = re.compile(
    r"^\s*(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*"
    r"(Z|[+-]\d{2}:?\d{2})?\s*$"
)
_DMY = re.compile(
    r"(?<!\d)(\d{1,2})\s*(?:/|-|\.|\s+tháng\s+)\s*(\d{1,2})\s*(?:/|-|\.|,|\s+năm\s+)\s*(\d{4})(?!\d)",
    re.IGNORECASE,
)
_TIME = re.compile(r"(?<!\d)(\d{1,2})\s*(?::|g|h)\s*(\d{2})(?!\d)")
_GMT = re.compile(r"GMT\s*([+-])\s*(\d{1,2})", re.IGNORECASE)
_URL_MONTH = re.compile(r"/((?:19|20)\d{2})/(0[1-9]|1[0-2])/")


def parse_iso(value: str) -> datetime | None:
    """An ISO 8601 date or datetime; a missing zone is Vietnam's."""
    match = _ISO.match(value)
    if not match:
        return None
    year, month, day, hour, minute, second, zone = match.groups()
    try:
        moment = datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            tzinfo=VN_TZ,
        )
    except ValueError:
        return None
    if zone:
        offset = timedelta(0) if zone == "Z" else _offset(zone)
        moment = moment.replace(tzinfo=timezone(offset))
    return moment


def _offset(zone: str) -> timedelta:
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    return sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))


def parse_vietnamese(text: str) -> datetime | None:
    """The first day-first date in ``text``, with its time and GMT offset if given."""
    match = _DMY.search(text)
    if not match:
        return None
    day, month, year = (int(g) for g in match.groups())
    window = text[max(0, match.start() - 40) : match.end() + 40]
    hour = minute = 0
    if clock := _TIME.search(window):
        hour, minute = int(clock[1]), int(clock[2])
    zone = VN_TZ
    if gmt := _GMT.search(window):
        zone = timezone((-1 if gmt[1] == "-" else 1) * timedelta(hours=int(gmt[2])))
    try:
        return datetime(year, month, day, hour % 24, minute % 60, tzinfo=zone)
    except ValueError:
        return None


def _json_ld(scripts: list[str]) -> Iterator[dict[str, Any]]:
    for script in scripts:
        try:
            data = json.loads(script)
        except ValueError:
            continue
        stack = data if isinstance(data, list) else [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, dict):
                yield item
                graph = item.get("@graph")
                if isinstance(graph, list):
                    stack.extend(graph)


def json_ld_objects(head: Head) -> list[dict[str, Any]]:
    """The page's JSON-LD objects, those in a ``@graph`` included; invalid scripts skipped."""
    return list(_json_ld(head.json_ld))


def _values(head: Head, where: _Meta | _Dated) -> list[str]:
    if isinstance(where, _Meta):
        return head.contents(where.attribute, *where.names)
    found = []
    for element in head.dated:
        if element.tag != where.tag or (date := element.get(where.attribute)) is None:
            continue
        if where.test == "itemprop":
            matched = element.get("itemprop") == where.value
        elif (classes := element.get("class")) is None:
            matched = False
        elif where.test == "token":
            matched = f" {where.value} " in f" {classes} "
        else:
            matched = where.value in classes
        if matched:
            found.append(date)
    return found


def _candidates(head: Head, kind: str, ld: list[dict[str, Any]]) -> Iterator[DatedValue]:
    key = "datePublished" if kind == "published" else "dateModified"
    for item in ld:
        value = item.get(key)
        if isinstance(value, str) and (moment := parse_iso(value)):
            yield DatedValue(moment, "json-ld")
    for source, where in _PUBLISHED if kind == "published" else _MODIFIED:
        for value in _values(head, where):
            if moment := parse_iso(value) or parse_vietnamese(value):
                yield DatedValue(moment, source)


def _url_month(url: str) -> tuple[int, int] | None:
    match = _URL_MONTH.search(url)
    return (int(match[1]), int(match[2])) if match else None


def _agrees(moment: datetime, month: tuple[int, int] | None) -> bool:
    if month is None:
        return True
    anchor = datetime(month[0], month[1], 15, tzinfo=VN_TZ)
    return abs((moment - anchor).days) <= _MAX_URL_GAP_DAYS


def pick(candidates: list[DatedValue], url: str, captured_at: datetime) -> DatedValue | None:
    """The first candidate not after the capture, preferring one that fits the URL's month."""
    limit = captured_at + timedelta(hours=1)
    usable = [c for c in candidates if c.value <= limit]
    month = _url_month(url)
    for candidate in usable:
        if _agrees(candidate.value, month):
            return candidate
    return usable[0] if usable else None


def settled(candidates: list[DatedValue], url: str, captured_at: datetime | None) -> bool:
    """Whether ``pick`` would take one of these for sure: no later candidate could win."""
    limit = (captured_at or datetime.now(UTC)) + timedelta(hours=1)
    month = _url_month(url)
    return any(c.value <= limit and _agrees(c.value, month) for c in candidates)


def date_candidates(
    head: Head, ld: list[dict[str, Any]]
) -> tuple[list[DatedValue], list[DatedValue]]:
    """Machine-readable (published, modified) candidates, best signal first."""
    return list(_candidates(head, "published", ld)), list(_candidates(head, "modified", ld))


def choose_dates(
    published: list[DatedValue],
    modified: list[DatedValue],
    url: str,
    captured_at: datetime | None,
) -> tuple[DatedValue | None, DatedValue | None]:
    """The (published, modified) pair: in order of the candidates, checked as ``pick`` does."""
    now = captured_at or datetime.now(UTC)
    first = pick(published, url, now)
    last = pick(modified, url="", captured_at=now)
    if first and last and last.value < first.value:
        last = None
    return first, last
