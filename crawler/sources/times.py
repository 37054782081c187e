"""Times as people read them: one display zone, and every time shown with its zone.

The display zone is ``ARCHIVIST_TIMEZONE`` (read by the CLI, passed to the console),
by default the schedules' zone (``DEFAULT_TIMEZONE``). ``shown_time`` is the one format
of the console's pages and of ``archivist schedule list``, ``runs`` and ``run show``:
``2026-05-01 14:03:07 +07``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crawler.errors import ConfigError
from crawler.sources.schedule import DEFAULT_TIMEZONE

__all__ = ["TIMEZONE_ENV", "aware", "display_zone", "shown_clock", "shown_time"]

TIMEZONE_ENV = "ARCHIVIST_TIMEZONE"


def display_zone(name: str | None = None) -> ZoneInfo:
    """The zone called ``name`` (default: the schedules' zone); a ``ConfigError``
    naming the setting if it is not an IANA zone."""
    if not name or not name.strip():
        return ZoneInfo(DEFAULT_TIMEZONE)
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            f"{TIMEZONE_ENV}: {name!r} is not an IANA time zone; give one such as "
            f"{DEFAULT_TIMEZONE} or UTC"
        ) from exc


def aware(moment: datetime) -> datetime:
    """A stored time with its zone: the store keeps UTC, sometimes without saying so."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def shown_time(moment: datetime | None, zone: ZoneInfo) -> str:
    """``2026-05-01 14:03:07 +07``: to the second, in ``zone``, its zone written."""
    if moment is None:
        return "-"
    return aware(moment).astimezone(zone).strftime("%Y-%m-%d %H:%M:%S %Z")


def shown_clock(moment: datetime, zone: ZoneInfo, now: datetime) -> str:
    """``14:03 +07``, or ``2026-05-01 14:03 +07`` when not on ``now``'s day in ``zone``."""
    local = aware(moment).astimezone(zone)
    today = aware(now).astimezone(zone).date()
    return local.strftime("%H:%M %Z" if local.date() == today else "%Y-%m-%d %H:%M %Z")
