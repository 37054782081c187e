"""When a source is crawled: the ``schedule:`` part of a source file.

::

    schedule:
      cron: "0 */6 * * *"        # crontab: minute hour day month weekday (0 or 7 = Sunday)
      # every: 6h                # ... or an interval instead of cron
      timezone: Asia/Ho_Chi_Minh # the default; cron fields are read in this zone
      jitter: 5m                 # start up to this much later, at random (spreads load)
      max_run_time: 2h           # then the crawl is stopped (WARCs closed) as timed out; 0: never
      catch_up: true             # a fire missed while the scheduler was down runs once
      misfire_grace: 1h          # ... if the scheduler is back within this time (0: not made up)
      enabled: true              # false: keep the schedule but do not run it

APScheduler 3 reads crontab weekdays with 0 = Monday (its issue #286); here they mean
what cron means (0 and 7 = Sunday), so they are turned into day names before
APScheduler sees them. Cron ORs a restricted day of month with a restricted weekday;
APScheduler ANDs them: such an expression is refused rather than run differently.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from crawler.sources.durations import Delay, Duration

__all__ = ["DEFAULT_TIMEZONE", "Schedule", "ZonedCronTrigger", "cron_weekdays"]

DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_DAY_NUMBER = {name: n for n, name in enumerate(_DAYS)}
_DOW_PART = re.compile(r"^(\*|\w+(?:-\w+)?)(?:/(\d+))?$")
_LATE_WITHOUT_CATCH_UP = 60  # seconds a fire may be late when missed runs are not made up


def _day(token: str, expr: str) -> int:
    token = token.lower()
    if token.isdigit() and int(token) <= 7:
        return int(token) % 7
    if token[:3] in _DAY_NUMBER and len(token) == 3:
        return _DAY_NUMBER[token]
    raise ValueError(f"{token!r} in {expr!r} is not a weekday (0-7 or sun..sat)")


def cron_weekdays(field: str) -> str:
    """A crontab weekday field as APScheduler 3 day names: '1-5' -> 'mon,tue,wed,thu,fri'."""
    if field == "*":
        return field
    days: set[int] = set()
    for part in field.split(","):
        match = _DOW_PART.match(part)
        if not match:
            raise ValueError(f"{part!r} in weekday field {field!r} is not cron syntax")
        base, step = match[1], int(match[2] or 1)
        if step < 1:
            raise ValueError(f"step 0 in weekday field {field!r}")
        if base == "*":
            first, last = 0, 6
        elif "-" in base:
            low, high = base.split("-")
            first, last = _day(low, field), _day(high, field)
            if high == "7":
                last = 7
            if last < first:
                raise ValueError(f"range {base!r} in weekday field {field!r} runs backwards")
        else:
            first = last = _day(base, field)
            if step > 1:  # 'N/S' means N through the end, as in cron
                last = 6
        days.update(n % 7 for n in range(first, last + 1, step))
    # Monday first, as APScheduler lists them; names make the meaning unambiguous.
    return ",".join(_DAYS[n] for n in sorted(days, key=lambda n: (n + 6) % 7))


class Schedule(BaseModel):
    """A validated schedule; ``trigger()`` gives the APScheduler trigger."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cron: str | None = None
    every: Duration | None = None
    timezone: str = DEFAULT_TIMEZONE
    jitter: Delay | None = None
    """Start up to this much later, at random. 0: none."""
    max_run_time: Delay | None = None
    """Then the crawl is stopped as timed out. 0: no limit."""
    catch_up: bool = True
    misfire_grace: Delay = Field(default=3600.0)
    """How late a missed fire may still run. 0: a missed fire is not made up (as
    ``catch_up: false``)."""
    enabled: bool = True

    @field_validator("max_run_time")
    @classmethod
    def _zero_is_no_limit(cls, value: float | None) -> float | None:
        return value or None

    @field_validator("timezone")
    @classmethod
    def _check_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"{value!r} is not an IANA time zone such as Asia/Ho_Chi_Minh"
            ) from exc
        return value

    @field_validator("cron")
    @classmethod
    def _check_cron(cls, value: str | None) -> str | None:
        if value is None:
            return value
        fields = value.split()
        if len(fields) != 5:
            raise ValueError(
                f"{value!r} has {len(fields)} fields; cron has 5: minute hour day month weekday"
            )
        if fields[2] not in {"*", "?"} and fields[4] not in {"*", "?"}:
            raise ValueError(
                f"{value!r} restricts both the day of month and the weekday; cron would run "
                "on either, APScheduler only on both: restrict one of them"
            )
        try:
            _cron_trigger(value, ZoneInfo(DEFAULT_TIMEZONE), None)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a valid cron expression: {exc}") from exc
        return value

    @model_validator(mode="after")
    def _one_timing(self) -> Schedule:
        if (self.cron is None) == (self.every is None):
            raise ValueError("give either cron (e.g. '0 */6 * * *') or every (e.g. 6h), not both")
        if self.every is not None and self.jitter is not None and self.jitter >= self.every:
            raise ValueError(
                f"jitter ({self.jitter:g}s) must be shorter than every ({self.every:g}s)"
            )
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def misfire_grace_time(self) -> int:
        """Seconds a fire may be late and still run (APScheduler's ``misfire_grace_time``)."""
        if not self.catch_up or not self.misfire_grace:
            return _LATE_WITHOUT_CATCH_UP
        return max(1, round(self.misfire_grace))

    def trigger(self, start: datetime | None = None) -> Any:
        """The APScheduler trigger; an interval counts from ``start`` (default: one from now)."""
        jitter = round(self.jitter) if self.jitter else None
        if self.cron is not None:
            return _cron_trigger(self.cron, self.zone, jitter)
        assert self.every is not None
        return IntervalTrigger(
            seconds=self.every, start_date=start, timezone=self.zone, jitter=jitter
        )

    def next_fire_times(self, now: datetime, count: int = 3) -> list[datetime]:
        """The next ``count`` fire times after ``now`` (without jitter), in the zone."""
        # As APScheduler does, an interval's first fire is one interval after it is added.
        start = now + timedelta(seconds=self.every) if self.every is not None else None
        trigger = self.trigger(start=start)
        if self.jitter:
            trigger.jitter = None
        times: list[datetime] = []
        previous = None
        cursor = now
        while len(times) < count:
            fire = trigger.get_next_fire_time(previous, cursor)
            if fire is None:
                break
            times.append(fire.astimezone(self.zone))
            previous = fire
            cursor = fire.astimezone(UTC) + timedelta(microseconds=1)
        return times

    def fingerprint(self) -> str:
        """Changes when anything that decides the fire times changes."""
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:16]

    def describe(self) -> str:
        when = f"cron '{self.cron}'" if self.cron else f"every {_seconds(self.every or 0)}"
        extra = [self.timezone]
        if self.jitter:
            extra.append(f"jitter {_seconds(self.jitter)}")
        if self.max_run_time:
            extra.append(f"max {_seconds(self.max_run_time)}")
        if not self.catch_up:
            extra.append("no catch-up")
        return f"{when} ({', '.join(extra)})"


def _seconds(value: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if value >= size and value % size == 0:
            return f"{value / size:g}{unit}"
    return f"{value:g}s"


class ZonedCronTrigger(BaseTrigger):  # type: ignore[misc] # APScheduler has no types
    """A crontab expression read in a time zone, correct across daylight-saving changes.

    APScheduler 3.11's ``CronTrigger`` can return the fire time it was given as the next
    one in the repeated hour of a fall-back (its issue #1021), and its scheduler then
    loops on it forever. This trigger matches wall times with a ``CronTrigger`` in UTC,
    where no wall time repeats or is missing, and maps them to instants itself:

    * a wall time that does not exist (spring forward) fires shifted forward, and several
      such in one skipped hour fire once, as cron runs them all at once;
    * a wall time that occurs twice (fall back) fires once, at its first occurrence, if
      the hour field is fixed (``30 2 * * *``), and in both passes if it is ``*``, ``/``
      or a range (an hourly crawl keeps running through the repeated hour), as cron does;
    * the next fire time is always later than the previous one.
    """

    def __init__(self, expr: str, zone: ZoneInfo, jitter: int | None = None) -> None:
        minute, hour, day, month, weekday = expr.split()
        self.expr = expr
        self.timezone = zone
        self.jitter = jitter
        self.fixed_hours = not any(mark in hour for mark in "*/-?")
        self.wall = CronTrigger(
            minute=minute,
            hour=hour,
            day=day if day != "?" else "*",
            month=month,
            day_of_week=cron_weekdays(weekday if weekday != "?" else "*"),
            timezone=UTC,
        )

    def __str__(self) -> str:
        return f"cron[{self.expr} {self.timezone.key}]"

    def _kind(self, wall: datetime) -> str:
        """'normal', 'gap' (does not exist) or 'fold' (occurs twice) for a naive wall time."""
        first = wall.replace(tzinfo=self.timezone, fold=0)
        if first.utcoffset() == wall.replace(tzinfo=self.timezone, fold=1).utcoffset():
            return "normal"
        back = first.astimezone(UTC).astimezone(self.timezone).replace(tzinfo=None)
        return "fold" if back == wall else "gap"

    def _matches(self, wall: datetime) -> bool:
        as_utc = wall.replace(tzinfo=UTC)
        return bool(self.wall.get_next_fire_time(None, as_utc) == as_utc)

    def _next_instant(self, after: datetime) -> datetime | None:
        """The first fire instant at or after ``after`` (aware)."""
        t = after.astimezone(UTC)
        local = t.astimezone(self.timezone)
        if local.fold == 0 and self._kind(local.replace(tzinfo=None)) == "fold":
            # In the first pass of a fall-back: wall times ahead of us occur again in the
            # second pass, before later ones. Walk the (at most a few hours) repeat by minute.
            minute = t.replace(second=0, microsecond=0)
            if minute < t:
                minute += timedelta(minutes=1)
            while True:
                here = minute.astimezone(self.timezone)
                wall = here.replace(tzinfo=None)
                if self._kind(wall) != "fold":
                    break
                if self._matches(wall) and not (here.fold == 1 and self.fixed_hours):
                    return here
                minute += timedelta(minutes=1)
            t = minute
        cursor = t.astimezone(self.timezone).replace(tzinfo=None)
        for _ in range(10_000):
            found = self.wall.get_next_fire_time(None, cursor.replace(tzinfo=UTC))
            if found is None:
                return None
            match: datetime = found.replace(tzinfo=None)
            kind = self._kind(match)
            folds = (0, 1) if kind == "fold" and not self.fixed_hours else (0,)
            for fold in folds:
                instant = match.replace(tzinfo=self.timezone, fold=fold)
                if instant.astimezone(UTC) >= t:
                    # A gap's wall time with fold=0 reads with the earlier offset: shifted forward.
                    return instant.astimezone(UTC).astimezone(self.timezone)
            cursor = match + timedelta(seconds=1)
        return None

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        if previous_fire_time is not None:
            # In UTC: adding to a zoned time would drop its fold (the second 02:30).
            after = previous_fire_time.astimezone(UTC) + timedelta(microseconds=1)
        else:
            after = now
        fire = self._next_instant(after)
        if fire is None:
            return None
        # Compared in UTC: equal tzinfo compares wall times and ignores fold.
        if previous_fire_time is not None and fire.astimezone(UTC) <= previous_fire_time.astimezone(
            UTC
        ):  # pragma: no cover - a bug here must not become an endless scheduler loop
            raise RuntimeError(f"{self} went backwards from {previous_fire_time} to {fire}")
        if self.jitter:
            jittered: datetime = self._apply_jitter(fire, self.jitter, now)
            return jittered
        return fire


def _cron_trigger(expr: str, zone: ZoneInfo, jitter: int | None) -> Any:
    return ZonedCronTrigger(expr, zone, jitter)
