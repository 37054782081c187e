"""Full sweeps and incremental runs: which known articles a recrawl fetches again.

A full sweep fetches every page it finds (conditionally: a 304 or an identical payload
still costs only a revisit record). Between sweeps an incremental run fetches a known
article only when a feed, sitemap or the WordPress API gives it a last-modified time
after its last capture; listings, feeds and new URLs are always fetched, so new posts
are found without a sweep. A sweep comes every ``full_sweep_every_runs`` finished runs
or ``full_sweep_every`` seconds, whichever is first (``Source.recrawl``), or when the
``RECRAWL_SWEEP`` setting says ``full``.

The state is one small JSON file per source, ``<home>/state/<source>.sweep.json``,
written when a run finishes normally.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

    from crawler.sources.schema import Recrawl

__all__ = ["SWEEP_MODES", "SweepPlan", "parse_lastmod", "plan_sweep", "record_sweep"]

logger = logging.getLogger(__name__)

SWEEP_MODES = ("auto", "full", "incremental")


@dataclass(frozen=True)
class SweepPlan:
    """What this run fetches again."""

    full: bool
    reason: str
    known: dict[str, datetime] = field(default_factory=dict)
    """Article URL -> its last fetch: what incremental runs skip, and what every run
    extracts whatever it serves now (so a "not found" page with a 200 is seen)."""

    def wants(self, url: str, lastmod: str | None) -> bool:
        """Whether to fetch ``url`` in this run (always, in a full sweep)."""
        if self.full or url not in self.known:
            return True
        changed = parse_lastmod(lastmod)
        return changed is not None and changed > self.known[url]


def parse_lastmod(value: str | None) -> datetime | None:
    """A sitemap, feed or API date (W3C, RFC 822 or naive GMT) as an aware UTC datetime."""
    if not value:
        return None
    text = value.strip()
    try:
        when = datetime.fromisoformat(text)  # 3.11 reads "Z" too
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _read_state(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        logger.warning("Unreadable sweep state %s (%s): this run is a full sweep", path, exc)
        return {}
    return data if isinstance(data, dict) else {}


def plan_sweep(  # noqa: PLR0911 - one reason a line
    state_path: Path, policy: Recrawl, known: dict[str, datetime], now: datetime, mode: str = "auto"
) -> SweepPlan:
    """Decide whether this run is a full sweep, and why."""
    if mode not in SWEEP_MODES:
        raise ValueError(f"RECRAWL_SWEEP must be one of {', '.join(SWEEP_MODES)}, not {mode!r}")
    state = _read_state(state_path)
    last = parse_lastmod(state.get("last_full_sweep"))
    runs = int(state.get("incremental_runs", 0))
    if mode == "full":
        return SweepPlan(True, "asked for (RECRAWL_SWEEP=full)", known)
    if mode == "incremental" and known:
        return SweepPlan(False, "asked for (RECRAWL_SWEEP=incremental)", known)
    if not policy.incremental:
        return SweepPlan(True, "the source is not incremental", known)
    if not known or last is None:
        return SweepPlan(True, "no full sweep of this source yet", known)
    if runs + 1 >= policy.full_sweep_every_runs:
        return SweepPlan(True, f"{runs} incremental runs since the last sweep", known)
    if (now - last).total_seconds() >= policy.full_sweep_every:
        return SweepPlan(True, f"last sweep at {last:%Y-%m-%d %H:%M} UTC", known)
    return SweepPlan(False, f"{runs} incremental runs since the sweep of {last:%Y-%m-%d}", known)


def record_sweep(state_path: Path, plan: SweepPlan, now: datetime) -> None:
    """After a run that finished normally: remember the sweep, or count the incremental run."""
    state = _read_state(state_path)
    if plan.full:
        state = {"last_full_sweep": now.isoformat(), "incremental_runs": 0}
    else:
        state["incremental_runs"] = int(state.get("incremental_runs", 0)) + 1
    state_path.parent.mkdir(parents=True, exist_ok=True)
    temporary = state_path.with_suffix(".tmp")
    temporary.write_text(json.dumps(state), encoding="utf-8")
    temporary.replace(state_path)
