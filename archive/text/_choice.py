"""Which of a page's dated candidates is its publication (and modification) date.

Candidates come from ``archive.text._dates`` best signal first. A date after the capture
is never taken; a URL naming the day (``/2019/01/01/``) wins, as in htmldate; a candidate
far from a ``/YYYY/MM/`` in the URL loses to one that agrees.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from typing import TYPE_CHECKING

from archive.text._dates import VN_TZ, dated, parse_iso, url_month
from archive.text.article import DatedValue

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["choose_dates", "on_page_day", "pick", "settled"]

_MAX_URL_GAP_DAYS = 62
_URL_DAY = re.compile(r"/((?:19|20)\d{2})/(0?[1-9]|1[0-2])/(0?[1-9]|[12]\d|3[01])(?:/|$)")
# The offsets in use: a UTC moment is on a URL's day if some zone puts it there.
_ZONES = sorted(range(-12, 15), key=abs)


def _agrees(moment: datetime, month: tuple[int, int] | None) -> bool:
    if month is None:
        return True
    anchor = datetime(month[0], month[1], 15, tzinfo=VN_TZ)
    return abs((moment - anchor).days) <= _MAX_URL_GAP_DAYS


def _url_day(url: str) -> date | None:
    match = _URL_DAY.search(url)
    try:
        return date(int(match[1]), int(match[2]), int(match[3])) if match else None
    except ValueError:
        return None


def _on_day(candidate: DatedValue, day: date) -> DatedValue | None:
    """``candidate`` on the URL's ``day``: as it is, or a UTC moment (a server's "Z" or
    "+00:00", not the page's zone) at the nearest whole-hour offset that puts it there,
    marked as assumed. The moment never changes."""
    if candidate.day == day:
        return candidate
    if candidate.zone_assumed or candidate.value.utcoffset() != timedelta(0):
        return None
    for hours in _ZONES:
        local = candidate.value.astimezone(timezone(timedelta(hours=hours)))
        if local.date() == day:
            return DatedValue(local, candidate.source, zone_assumed=True)
    return None


def on_page_day(chosen: DatedValue | None, page_day: str | None) -> DatedValue | None:
    """A UTC moment (a server's "Z") on the day the page itself shows, when that is the
    day before or after: UTC says the moment, not the publisher's day ("2019-10-18T22:00Z"
    on a German page dated 19.10.2019). Put at the nearest whole-hour offset that lands on
    that day, marked as assumed; the moment never changes. ``page_day``: the page's own
    date as htmldate reads it (visible text, meta, URL)."""
    if chosen is None or page_day is None or not chosen.time_given or chosen.zone_assumed:
        return chosen
    if chosen.value.utcoffset() != timedelta(0):
        return chosen
    try:
        day = date.fromisoformat(page_day[:10])
    except ValueError:
        return chosen
    if abs((day - chosen.value.date()).days) != 1:
        return chosen
    return _on_day(chosen, day) or chosen


def _local(chosen: DatedValue, candidates: list[DatedValue]) -> DatedValue:
    """``chosen`` in the offset the page states for it elsewhere: a zone-less time takes
    the offset of another of the page's dates with the same wall clock ("2023-11-08
    22:19:12" beside "2023-11-08T22:19:12+00:00"), a UTC moment that of another with the
    same moment ("08:29:46Z" beside "10:29:46+02:00")."""
    if chosen.zone_assumed and not chosen.time_given:
        return chosen
    stated = [c for c in candidates if not c.zone_assumed]
    if chosen.zone_assumed:
        wall = chosen.value.replace(tzinfo=None)
        same = (c for c in stated if c.value.replace(tzinfo=None) == wall)
    elif chosen.value.utcoffset() == timedelta(0):
        same = (c for c in stated if c.value == chosen.value and c.value.utcoffset())
    else:
        return chosen
    found = next(same, None)
    return chosen if found is None else DatedValue(found.value, chosen.source)


def pick(candidates: list[DatedValue], url: str, captured_at: datetime) -> DatedValue | None:
    """The first candidate not after the capture, preferring one that fits the URL.

    A URL naming the day (``/2019/01/01/``) wins, as in htmldate: the first candidate on
    that day, else the day itself (no time, no zone). A ``/YYYY/MM/`` month is weaker:
    the first candidate near it, else the first candidate."""
    limit = captured_at + timedelta(hours=1)
    usable = [c for c in candidates if c.value <= limit]
    if (day := _url_day(url)) is not None:
        found = (on for c in usable if (on := _on_day(_local(c, usable), day)) is not None)
        midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
        url_day = DatedValue(midnight, "url", zone_assumed=True, time_given=False)
        return next(found, url_day if midnight <= limit else None)
    month = url_month(url)
    for candidate in usable:
        if _agrees(candidate.value, month):
            return _local(candidate, usable)
    return _local(usable[0], usable) if usable else None


def settled(candidates: list[DatedValue], url: str, captured_at: datetime | None) -> bool:
    """Whether ``pick`` would take one of these for sure: no later candidate could win."""
    limit = (captured_at or datetime.now(UTC)) + timedelta(hours=1)
    usable = [c for c in candidates if c.value <= limit]
    if (day := _url_day(url)) is not None:
        return any(_on_day(c, day) for c in usable)
    month = url_month(url)
    return any(_agrees(c.value, month) for c in usable)


def choose_dates(
    published: list[DatedValue],
    modified: list[DatedValue],
    url: str,
    captured_at: datetime | None,
    page_day: Callable[[], str | None] | None = None,
    *,
    tie_break: bool = True,
) -> tuple[DatedValue | None, DatedValue | None]:
    """The (published, modified) pair: in order of the candidates, checked as ``pick`` does.

    ``page_day`` gives the page's own day as htmldate reads it (its date meta tags in page
    order, then its visible dates), asked for only where it is needed: as the published
    date of a page with no candidate; to move a UTC moment onto it (``on_page_day``); and,
    with ``tie_break``, to settle candidates that contradict each other (``_by_page_day``).
    """
    now = captured_at or datetime.now(UTC)
    if page_day is not None and not published:
        published = _htmldate(page_day())
    elif page_day is not None and tie_break:
        published = _by_page_day(published, page_day, now)
    first = pick(published, url, now)
    if page_day is not None and first and first.time_given and not first.value.utcoffset():
        first = on_page_day(first, page_day())
    last = pick(modified, url="", captured_at=now)
    if first and last and last.value < first.value:
        last = None
    return first, last


def _htmldate(day: str | None) -> list[DatedValue]:
    """htmldate's day (a day only: no time, no zone)."""
    if day and (stamp := parse_iso(day)):
        return [dated(stamp, "htmldate", vietnamese=False)]
    return []


def _by_page_day(
    candidates: list[DatedValue], page_day: Callable[[], str | None], captured_at: datetime
) -> list[DatedValue]:
    """Candidates that contradict each other (different days, and not one moment in two
    offsets), those on the page's own day first. A page whose JSON-LD says one day and its
    ``article:published_time`` or Dublin Core meta another (a plugin's stale copy, a
    republished story) is settled as htmldate settles it: by the meta tags in page order
    and the date the page shows, not by which kind of signal we happen to rank first."""
    limit = captured_at + timedelta(hours=1)
    usable = [c for c in candidates if c.value <= limit]
    if len({c.day for c in usable}) < 2 or len({c.value for c in usable}) < 2:
        return candidates
    try:
        day = date.fromisoformat((page_day() or "")[:10])
    except ValueError:
        return candidates
    # Stable: otherwise in order. On the day as ``_on_day`` puts it: a UTC moment that
    # some offset puts there ("2019-10-18T22:00Z" for a page dated 19.10.2019) is on it.
    return sorted(candidates, key=lambda c: _on_day(c, day) is None)
