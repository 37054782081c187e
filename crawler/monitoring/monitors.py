"""Monitors declared as data: a stat, a comparison and a threshold, per source.

As spidermon's ``ItemCountMonitor`` names a stat, a threshold and an assertion, a
``Monitor`` here names a stat, an ``op`` and a ``threshold``; it **fires when**
``<stat> <op> <threshold>`` holds in each of the source's last ``runs`` judged runs
(finished, failed or timed out; skipped and stopped runs say nothing about the site).
Spidermon itself runs inside one crawl; these read the records store across runs.

Declared in ``crawler.sources.monitors`` (a source file's ``monitors:``). Run stats
(``crawler.monitoring._stats``): ``failed`` (1 when failed or timed out),
``timed_out``, ``pages``, ``archived_bytes``, ``articles_new``, ``articles_changed``,
``articles``, ``errors``, ``error_ratio`` (errors per page), ``dated_share`` and
``authored_share`` (of the articles whose page the run captured, revisits included:
``Store.article_shares``), ``dated_share_drop`` and
``authored_share_drop`` (the previous runs' mean share minus this run's),
``duration_minutes``. Source stats: ``minutes_without_progress`` (of a running run) and
``minutes_overdue`` (past the schedule's first fire after the last run, less jitter).
A stat that cannot be known (no articles, nothing running) never fires.

In a source file, defaults are tuned by name and more monitors added::

    monitors:
      error_ratio: {threshold: 0.5}
      stuck: {enabled: false}
      custom:
        - {name: few_pages, stat: pages, op: "<", threshold: 20, runs: 2}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from crawler.monitoring._stats import JUDGED_STATUSES, ProgressTracker, run_stats, source_stats
from crawler.sources.monitors import Monitor, MonitorConfig, MonitorOverride

if TYPE_CHECKING:
    from datetime import datetime

    from archive.store import RunRecord, Store
    from crawler.sources.schema import Source

__all__ = ["Finding", "Monitor", "MonitorConfig", "MonitorOverride", "ProgressTracker", "evaluate"]

# Judged runs read beyond the largest window: the baseline of the share drops.
BASELINE_RUNS = 5


@dataclass(frozen=True, slots=True)
class Finding:
    """A monitor that fires for a source; ``key`` names the incident it belongs to."""

    monitor: str
    source: str
    severity: str
    message: str
    key: str
    run_id: str | None = None
    value: float | None = None
    summary: str = ""
    """The finding in words for a page (the monitor's description, over how many runs);
    ``message`` keeps the figures for alerts and the CLI."""


def config_of(source: Source) -> MonitorConfig:
    """The source's monitors (the defaults until ``Source`` has a ``monitors`` field)."""
    config = getattr(source, "monitors", None)
    return config if isinstance(config, MonitorConfig) else MonitorConfig()


def evaluate(
    store: Store, source: Source, now: datetime, progress: ProgressTracker | None = None
) -> list[Finding]:
    """The findings of every enabled monitor of ``source`` at ``now``.

    ``progress`` (kept by a long-lived caller) notices a crawl whose heartbeat goes on
    while its figures stand still; without it a crawl is stuck when its heartbeat stops.
    """
    monitors = [m for m in config_of(source).monitors() if m.enabled]
    window = max((m.runs for m in monitors if m.per_run), default=0)
    runs = store.recent_runs(source.name, JUDGED_STATUSES, window + BASELINE_RUNS) if window else []
    shares = store.article_shares(r.id for r in runs)
    stats = run_stats(runs, shares)
    current = source_stats(store, source, now, progress)
    findings = []
    for monitor in monitors:
        if monitor.per_run:
            finding = _per_run(monitor, source.name, runs, stats)
        else:
            value, run_id = current.get(monitor.stat, (None, None))
            finding = (
                _finding(monitor, source.name, value, run_id, "") if monitor.fires(value) else None
            )
        if finding is not None:
            findings.append(finding)
    return findings


def _per_run(
    monitor: Monitor, source: str, runs: list[RunRecord], stats: list[dict[str, float | None]]
) -> Finding | None:
    window = stats[: monitor.runs]
    if len(window) < monitor.runs or not all(monitor.fires(s[monitor.stat]) for s in window):
        return None
    latest = runs[0]
    how = f"run {latest.id} {latest.status}"
    if latest.finish_reason:
        how += f" ({latest.finish_reason})"
    return _finding(monitor, source, window[0][monitor.stat], latest.id, how)


def _finding(
    monitor: Monitor, source: str, value: float | None, run_id: str | None, how: str
) -> Finding:
    span = (
        f" in each of the last {monitor.runs} runs" if monitor.per_run and monitor.runs > 1 else ""
    )
    said = f"{monitor.description}: " if monitor.description else ""
    message = (
        f"{source}: {said}{monitor.stat} {_number(value)} {monitor.op} "
        f"{_number(monitor.threshold)}{span}"
    )
    if how:
        message += f"; {how}"
    summary = f"{monitor.description}{span}" if monitor.description else message
    return Finding(
        monitor=monitor.name,
        source=source,
        severity=monitor.severity,
        message=message,
        key=f"{source}/{monitor.name}",
        run_id=run_id,
        value=value,
        summary=summary.removeprefix(f"{source}: "),
    )


def _number(value: float | None) -> str:
    if value is None:
        return "?"
    return f"{value:.3g}" if value != int(value) else str(int(value))
