"""A source's ``monitors:``: monitors declared as data, the defaults and their overrides.

The declaration only (what a source file may say, validated by pydantic);
``crawler.monitoring.monitors`` evaluates them over the store. Kept here so that the
source schema needs nothing of monitoring, and monitoring imports the sources, not the
other way round.
"""

from __future__ import annotations

import operator
from typing import TYPE_CHECKING, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "DEFAULT_MONITORS",
    "RUN_STATS",
    "Monitor",
    "MonitorConfig",
    "MonitorOverride",
    "RunStat",
    "SourceStat",
]

RunStat = Literal[
    "failed",
    "timed_out",
    "pages",
    "archived_bytes",
    "articles_new",
    "articles_changed",
    "articles",
    "errors",
    "error_ratio",
    "dated_share",
    "authored_share",
    "dated_share_drop",
    "authored_share_drop",
    "duration_minutes",
]
"""The figures of one run a monitor can judge (``run_stats``)."""
SourceStat = Literal["minutes_without_progress", "minutes_overdue"]
"""The figures of a source as it is now (``source_stats``)."""
RUN_STATS = frozenset(get_args(RunStat))


Op = Literal[">", ">=", "<", "<=", "==", "!="]
Severity = Literal["info", "warning", "error", "critical"]
Stat = RunStat | SourceStat

_OPS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
}


class Monitor(BaseModel):
    """Fires when ``stat op threshold`` holds in each of the last ``runs`` judged runs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    stat: Stat
    op: Op
    threshold: float
    runs: int = Field(default=1, ge=1, le=50)
    """The window: how many consecutive judged runs must meet it (run stats only)."""
    severity: Severity = "warning"
    enabled: bool = True
    description: str = ""

    def fires(self, value: float | None) -> bool:
        return value is not None and _OPS[self.op](value, self.threshold)

    @property
    def per_run(self) -> bool:
        return self.stat in RUN_STATS


class MonitorOverride(BaseModel):
    """A default monitor retuned in a source file: only the fields given change."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    threshold: float | None = None
    runs: int | None = Field(default=None, ge=1, le=50)
    severity: Severity | None = None
    enabled: bool | None = None


DEFAULT_MONITORS: tuple[Monitor, ...] = (
    Monitor(name="run_failed", stat="failed", op="==", threshold=1, severity="error",
            description="the run failed or timed out"),
    Monitor(name="no_new_articles", stat="articles_new", op="==", threshold=0, runs=3,
            description="no new articles"),
    Monitor(name="error_ratio", stat="error_ratio", op=">", threshold=0.2,
            description="errors per page above the threshold"),
    Monitor(name="dates_dropped", stat="dated_share_drop", op=">=", threshold=0.5,
            description="far fewer articles with a date than before: a template change?"),
    Monitor(name="authors_dropped", stat="authored_share_drop", op=">=", threshold=0.5,
            description="far fewer articles with an author than before: a template change?"),
    Monitor(name="stuck", stat="minutes_without_progress", op=">=", threshold=30,
            severity="error", description="a running crawl makes no progress"),
    Monitor(name="overdue", stat="minutes_overdue", op=">", threshold=30,
            description="not run since its schedule said"),
)  # fmt: skip


class MonitorConfig(BaseModel):
    """A source's ``monitors:``: the defaults, retuned by name, plus ``custom`` ones."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    run_failed: MonitorOverride = MonitorOverride()
    no_new_articles: MonitorOverride = MonitorOverride()
    error_ratio: MonitorOverride = MonitorOverride()
    dates_dropped: MonitorOverride = MonitorOverride()
    authors_dropped: MonitorOverride = MonitorOverride()
    stuck: MonitorOverride = MonitorOverride()
    overdue: MonitorOverride = MonitorOverride()
    custom: tuple[Monitor, ...] = ()

    @model_validator(mode="after")
    def _unique_names(self) -> MonitorConfig:
        names = [m.name for m in (*DEFAULT_MONITORS, *self.custom)]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"monitor name(s) {twice} used twice; give custom ones new names")
        return self

    def monitors(self) -> tuple[Monitor, ...]:
        """Every monitor of the source, the defaults first; disabled ones included."""
        tuned = []
        for default in DEFAULT_MONITORS:
            override: MonitorOverride = getattr(self, default.name)
            changes = override.model_dump(exclude_none=True)
            tuned.append(default.model_copy(update=changes) if changes else default)
        return (*tuned, *self.custom)
