"""Publication and modification dates: machine-readable signals first, then visible text.

Vietnamese visible dates are day-first ("23/4/2012", "Thứ Hai, ngày 23 tháng 4 năm
2012", "15:30 GMT+7"). A date keeps the offset the page stated and gets none it did not:
a zone-less time is Asia/Ho_Chi_Minh's (+07:00) only on a Vietnamese page, and then marked
as assumed (``DatedValue.zone_assumed``); elsewhere, and for a day without a time, the
stand-in is UTC, which keeps the page's wall clock and day. Which candidate is taken is
``archive.text._choice``'s part.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from htmldate.core import DATE_ATTRIBUTES

from archive.text.article import DatedValue

if TYPE_CHECKING:
    from collections.abc import Iterator

    from archive.text._head import Head

__all__ = [
    "Stamp",
    "date_candidates",
    "date_span",
    "dated",
    "json_ld_objects",
    "parse_iso",
    "parse_vietnamese",
    "url_month",
]

VN_TZ = timezone(timedelta(hours=7))


class Stamp(NamedTuple):
    """A date as the page wrote it: ``moment`` is naive where the page gave no offset;
    ``timed`` says whether it gave a time of day (else ``moment`` is the day's midnight)."""

    moment: datetime
    timed: bool


def dated(stamp: Stamp, source: str, *, vietnamese: bool) -> DatedValue:
    """``stamp`` as a ``DatedValue``: its own offset, else a stand-in marked as assumed
    (+07:00 for a time of day on a Vietnamese page, else UTC); the wall clock never moves."""
    if stamp.moment.tzinfo is not None:
        return DatedValue(stamp.moment, source, time_given=stamp.timed)
    stand_in = VN_TZ if vietnamese and stamp.timed else UTC
    moment = stamp.moment.replace(tzinfo=stand_in)
    return DatedValue(moment, source, zone_assumed=True, time_given=stamp.timed)


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
# Then the other publication-date meta tags htmldate knows (Dublin Core "dcterms.date",
# "citation_date", "parsely-pub-date"...), by name or property in any case.
_READ = {("property", "article:published_time")} | {
    ("name", name) for name in ("pubdate", "publishdate", "date")
}
_MODIFIED: tuple[tuple[str, _Meta | _Dated], ...] = (
    ("meta:article:modified_time", _Meta("property", ("article:modified_time",))),
    ("meta:og:updated_time", _Meta("property", ("og:updated_time",))),
    ("time.updated", _Dated("time", "token", "updated", "datetime")),
    ("meta:dateModified", _Meta("itemprop", ("dateModified",))),
)
_ISO_START = re.compile(r"\s*\d{4}-?\d{2}")  # what Python's ISO 8601 parser is given
_DMY = re.compile(
    r"(?<!\d)(\d{1,2})\s*(?:/|-|\.|\s+tháng\s+)\s*(\d{1,2})\s*(?:/|-|\.|,|\s+năm\s+)\s*(\d{4})(?!\d)",
    re.IGNORECASE,
)
# "23 tháng Tư 2012", "1 tháng Giêng năm 2012": the month in words (longest first; "năm" is
# both May and "year": "tháng năm năm 2012").
_VI_MONTHS = {
    "mười một": 11, "mười hai": 12, "mười": 10, "giêng": 1, "một": 1, "hai": 2, "ba": 3,
    "tư": 4, "bốn": 4, "năm": 5, "sáu": 6, "bảy": 7, "tám": 8, "chín": 9, "chạp": 12,
}  # fmt: skip
_DMY_WORDS = re.compile(
    rf"(?<!\d)(\d{{1,2}})\s+tháng\s+({'|'.join(_VI_MONTHS)})(?!\w)\s*(?:,\s*|năm\s+)?(\d{{4}})(?!\d)",
    re.IGNORECASE,
)
# English editions (QĐND, VietnamPlus, VnExpress International) and sites elsewhere:
# "October 27, 2010", "27 Oct. 2010".
_EN_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11,
    "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
_EN_MONTH = "|".join(sorted(_EN_MONTHS, key=len, reverse=True))
_MDY_EN = re.compile(
    rf"(?<!\w)({_EN_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})(?!\d)", re.IGNORECASE
)
_DMY_EN = re.compile(
    rf"(?<!\d)(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_EN_MONTH})\.?,?\s+(\d{{4}})(?!\d)",
    re.IGNORECASE,
)
_YMD = re.compile(r"(?<!\d)((?:19|20)\d{2})([-/.])(\d{1,2})\2(\d{1,2})(?!\d)")
_TIME = re.compile(
    r"(?<!\d)(\d{1,2})\s*(?:giờ|[:gh])\s*(\d{2})(?:\s*:\s*(\d{2}))?(?!\d)",
    re.IGNORECASE,
)
# After the time: "03:30 PM", "9:05 SA" (sáng, Blogger's Vietnamese AM), "3:30 CH" (chiều).
_MERIDIEM = re.compile(
    r"\s*(?:(a\.?m\b\.?|sa\b|sáng)|(p\.?m\b\.?|ch\b|chiều|tối))",
    re.IGNORECASE,
)
_GMT = re.compile(r"GMT\s*([+-])\s*(\d{1,2})", re.IGNORECASE)
_URL_MONTH = re.compile(r"/((?:19|20)\d{2})/(0?[1-9]|1[0-2])/")


def parse_iso(value: str) -> Stamp | None:
    """An ISO 8601 date or datetime (extended or basic: "20180619T055000+0900"), with its
    offset if it states one."""
    if not _ISO_START.match(value):
        return None
    text = value.strip()
    try:
        return Stamp(datetime.combine(date.fromisoformat(text), time()), timed=False)
    except ValueError:
        pass
    try:
        return Stamp(datetime.fromisoformat(text), timed=True)
    except ValueError:
        return None


def _day(text: str) -> tuple[re.Match[str], int, int, int] | None:
    """The first date in ``text``: its match, day, month and year."""
    found: list[tuple[re.Match[str], int, int, int]] = []
    if match := _DMY.search(text):
        found.append((match, int(match[1]), int(match[2]), int(match[3])))
    if match := _DMY_WORDS.search(text):
        found.append((match, int(match[1]), _VI_MONTHS[match[2].lower()], int(match[3])))
    if match := _MDY_EN.search(text):
        found.append((match, int(match[2]), _EN_MONTHS[match[1].lower()], int(match[3])))
    if match := _DMY_EN.search(text):
        found.append((match, int(match[1]), _EN_MONTHS[match[2].lower()], int(match[3])))
    if match := _YMD.search(text):
        found.append((match, int(match[4]), int(match[3]), int(match[1])))
    return min(found, key=lambda f: f[0].start()) if found else None


def date_span(text: str) -> tuple[int, int] | None:
    """Where the first date (as ``parse_vietnamese`` finds it) starts and ends in ``text``."""
    found = _day(text)
    return found[0].span() if found else None


def parse_vietnamese(text: str, url: str | None = None) -> Stamp | None:
    """The first date in ``text``, with its time and GMT offset if given (else naive).

    Numeric dates are day-first ("23/4/2012", "23-04-2012", "23 tháng 4 năm 2012"), as
    in Vietnamese; also the month in words ("23 tháng Tư 2012"), English dates ("October
    27, 2010", "27 Oct 2010") and year-first ones ("2012-04-23"). A 12-hour time says so
    ("3:30 PM", "9:05 SA", "3:30 CH", "2g30 chiều").

    Blogger lets a Vietnamese blog show US dates: a numeric date that cannot be day-first
    ("2/27/2018") is month-first, and one that reads both ways ("2/7/2018") takes the
    reading that agrees with a ``/YYYY/MM/`` in ``url``.
    """
    day_found = _day(text)
    if day_found is None:
        return None
    match, day, month, year = day_found
    numeric = match.re is _DMY and "tháng" not in match[0].lower()  # not "23 tháng 4"
    us_order = month > 12 >= day
    fits_url = day <= 12 and url_month(url or "") == (year, day) != (year, month)
    if numeric and (us_order or fits_url):
        day, month = month, day
    window = text[max(0, match.start() - 40) : match.end() + 40]
    hour = minute = second = 0
    clock = _TIME.search(window)
    if clock:
        hour, minute, second = int(clock[1]), int(clock[2]), int(clock[3] or 0)
        if meridiem := _MERIDIEM.match(window, clock.end()):
            if meridiem[1] and hour == 12:  # 12:05 AM
                hour = 0
            elif meridiem[2] and hour < 12:  # 3:30 PM; 14g38 chiều stays 14
                hour += 12
    zone = None
    if gmt := _GMT.search(window):
        zone = timezone((-1 if gmt[1] == "-" else 1) * timedelta(hours=int(gmt[2])))
    try:
        moment = datetime(year, month, day, hour % 24, minute % 60, second % 60, tzinfo=zone)
    except ValueError:
        return None
    return Stamp(moment, clock is not None)


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


def _candidates(
    head: Head, kind: str, ld: list[dict[str, Any]], *, vietnamese: bool
) -> Iterator[DatedValue]:
    key = "datePublished" if kind == "published" else "dateModified"
    for item in ld:
        value = item.get(key)
        if isinstance(value, str) and (stamp := parse_iso(value)):
            yield dated(stamp, "json-ld", vietnamese=vietnamese)
    for source, where in _PUBLISHED if kind == "published" else _MODIFIED:
        for value in _values(head, where):
            if stamp := parse_iso(value) or parse_vietnamese(value):
                yield dated(stamp, source, vietnamese=vietnamese)
    if kind == "published":
        for name, value in _publisher_meta(head):
            if stamp := parse_iso(value):
                yield dated(stamp, f"meta:{name}", vietnamese=vietnamese)


def _publisher_meta(head: Head) -> list[tuple[str, str]]:
    """(name, content) of the publication-date meta tags not read above, in page order."""
    found = [
        (place, value, content)
        for (attribute, value), pairs in head.meta.items()
        if attribute != "itemprop"
        and (attribute, value) not in _READ
        and value.lower() in DATE_ATTRIBUTES
        for place, content in pairs
    ]
    return [(value, content) for _, value, content in sorted(found)]


def url_month(url: str) -> tuple[int, int] | None:
    """The ``/YYYY/MM/`` a URL names, as (year, month)."""
    match = _URL_MONTH.search(url)
    return (int(match[1]), int(match[2])) if match else None


def date_candidates(
    head: Head, ld: list[dict[str, Any]], *, vietnamese: bool = False
) -> tuple[list[DatedValue], list[DatedValue]]:
    """Machine-readable (published, modified) candidates, best signal first; ``vietnamese``:
    the page or its site is known Vietnamese (a zone-less time is then +07:00, assumed)."""
    found = [list(_candidates(head, kind, ld, vietnamese=vietnamese)) for kind in _KINDS]
    return found[0], found[1]


_KINDS = ("published", "modified")
