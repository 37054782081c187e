"""Commands for operators: what ran, how it went, what fires.

``archivist runs``, ``run show``, ``monitors`` and ``serve`` (the console).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from archive.store import RUN_STATUSES
from crawler.runs.child import read_stats
from crawler.runs.outcome import exit_text, failures_by_kind
from crawler.runs.progress import human_size
from crawler.runs.runlog import warning_tail
from crawler.sources.schema import SourceError, find_source, load_source
from crawler.stats import discovery_summary

if TYPE_CHECKING:
    from archive.store import RunRecord
    from crawler.monitoring.monitors import Finding
    from crawler.sources.schema import Source


from crawler.cli._env import data_home, open_store, shown_zone, sources_dir, store_url
from crawler.cli._text import count_of
from crawler.console._auth import MAKE_ONE, check_token, needs_token
from crawler.errors import ConfigError
from crawler.monitoring.alerts import AlertConfigError, AlertManager
from crawler.monitoring.monitors import evaluate
from crawler.sources.schema import load_sources
from crawler.sources.times import TIMEZONE_ENV, display_zone, shown_time


def _duration(record: RunRecord) -> str:
    if record.started_at is None:
        return "-"
    end = record.finished_at or datetime.now(UTC)
    start = record.started_at
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    if end.tzinfo is None:
        end = end.replace(tzinfo=UTC)
    return f"{(end - start).total_seconds():.1f}s"


def print_runs(records: list[RunRecord]) -> None:
    zone = shown_zone()
    click.echo(
        f"{'run':<46} {'status':<10} {'started':<23} {'time':>7} {'pages':>6} "
        f"{'new/chg/same':>13} {'archived':>10} {'errors':>6}"
    )
    for r in records:
        articles = f"{r.articles_new}/{r.articles_changed}/{r.articles_unchanged}"
        click.echo(
            f"{r.id:<46} {r.status:<10} {shown_time(r.started_at, zone):<23} {_duration(r):>7} {r.pages:>6} "
            f"{articles:>13} {human_size(r.archived_bytes):>10} {sum(r.errors.values()):>6}"
        )


@click.command("runs")
@click.option("--source", help="Only this source.")
@click.option(
    "--status",
    type=click.Choice(sorted(RUN_STATUSES)),
    help="Only runs with this status.",
)
@click.option("--limit", default=30, show_default=True)
def runs_command(source: str | None, status: str | None, limit: int) -> None:
    """List crawl runs, the latest first."""
    with open_store() as store:
        records = store.runs(source=source, status=status, limit=limit)
    print_runs(records)
    click.echo(count_of(len(records), "run"))


@click.group("run")
def run_group() -> None:
    """Look at one crawl run."""


@run_group.command("show")
@click.argument("run_id")
@click.option(
    "--lines", default=20, show_default=True, help="Lines of the log's warnings and errors."
)
def run_show(run_id: str, lines: int) -> None:
    """Show run RUN_ID: its figures, errors by kind, failing URLs, WARC files and the log's
    last warnings and errors."""
    with open_store() as store:
        record = store.get_run(run_id)
        if record is None:
            matches = [r for r in store.runs(limit=None) if r.id.startswith(run_id)]
            if len(matches) != 1:
                raise click.ClickException(
                    f"no run {run_id!r}"
                    if not matches
                    else f"{run_id!r} matches {len(matches)} runs"
                )
            record = matches[0]
    zone = shown_zone()
    rows = [
        ("run", record.id),
        ("source", f"{record.source} (collection {record.collection})"),
        ("status", record.status),
        ("finish reason", record.finish_reason or "-"),
        ("exit code", exit_text(record.exit_code)),
        ("started", shown_time(record.started_at, zone)),
        ("finished", shown_time(record.finished_at, zone)),
        ("duration", _duration(record)),
        ("last heartbeat", shown_time(record.heartbeat_at, zone)),
        ("pages", str(record.pages)),
        ("archived", human_size(record.archived_bytes)),
        (
            "articles",
            (
                f"{record.articles_new} new, {record.articles_changed} changed, "
                f"{record.articles_unchanged} unchanged"
            ),
        ),
    ]
    for label, value in rows:
        click.echo(f"{label + ':':<16}{value}")
    click.echo("errors:" + ("" if record.errors else "         none"))
    for kind, count in sorted(record.errors.items()):
        click.echo(f"  {kind:<28}{count:>8}")
    _print_failing_urls(record)
    stats = read_stats(data_home() / "logs" / f"{record.id}.stats.json")
    if any(key.startswith("discovery/") for key in stats):
        click.echo("discovery:")
        for label, value in discovery_summary(stats):
            click.echo(f"  {label + ':':<18}{value}")
    archive_dir = data_home() / "collections" / record.collection / "archive"
    click.echo(f"WARC files:      {len(record.warc_files)} in {archive_dir.resolve()}/")
    for name in record.warc_files:
        click.echo(f"  {name}")
    if record.log_path:
        click.echo(f"log: {record.log_path}")
        tail = warning_tail(Path(record.log_path), lines)
        click.echo(f"log warnings and errors (the last {lines}):" if tail else "log: no warnings")
        for line in tail:
            click.echo(f"  {line.number:>6} | {line.text}")


def _print_failing_urls(record: RunRecord) -> None:
    """The failing URLs by kind, each with its line in the run's log."""
    groups = failures_by_kind(record.errors, record.failed_urls)
    if groups:
        click.echo("failing URLs:")
    for group in groups:
        click.echo(f"  {group.kind} ({group.count})")
        for failed in group.urls:
            where = f"  log:{failed.line}" if failed.line is not None else ""
            click.echo(f"    {failed.url}{where}")
        if group.unlisted:
            click.echo(f"    ... and {group.unlisted} more, counted but not listed")


def _sources(name: str | None) -> list[Source]:
    folder = sources_dir()
    try:
        if name is not None:
            return [load_source(find_source(name, folder))]
        return load_sources(folder)
    except SourceError as exc:
        raise click.UsageError(str(exc)) from exc


def _print(findings: list[Finding], checked: int) -> None:
    for finding in findings:
        click.echo(f"{finding.severity:<8} {finding.key:<40} {finding.message}")
    click.echo(f"{count_of(checked, 'source')} checked, {count_of(len(findings), 'finding')}")


@click.command("monitors")
@click.option("--source", "source_name", default=None, help="Only this source.")
@click.option(
    "--notify",
    is_flag=True,
    help="Record incidents and send each new or resolved one (log, alerts.yaml's receivers).",
)
@click.option("--webhook", "webhooks", multiple=True, help="Also POST alerts here (with --notify).")
def monitors_command(source_name: str | None, notify: bool, webhooks: tuple[str, ...]) -> None:
    """Evaluate each source's monitors now; exit 1 if any fires."""
    sources = _sources(source_name)
    now = datetime.now(UTC)
    with open_store() as store:
        if notify:
            try:
                manager = AlertManager.from_home(data_home(), webhooks)
            except AlertConfigError as exc:
                raise click.UsageError(str(exc)) from exc
            try:
                findings = manager.check(store, sources, now)
            finally:
                manager.close(timeout=60)
        else:
            findings = [f for source in sources for f in evaluate(store, source, now)]
    _print(findings, len(sources))
    if findings:
        raise SystemExit(1)


@click.command("serve")
@click.option("--port", default=8000, show_default=True, help="Port to listen on.")
@click.option(
    "--bind",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; beyond loopback, a token is required.",
)
@click.option(
    "--token",
    envvar="ARCHIVIST_TOKEN",
    help="Token every request must carry (Bearer header or ?token=). [env: ARCHIVIST_TOKEN]",
)
@click.option(
    "--replay-url",
    default="http://127.0.0.1:8080",
    show_default=True,
    help="Where `archivist replay` serves pywb, for the replay links.",
)
@click.option(
    "--timezone",
    envvar=TIMEZONE_ENV,
    help=f"IANA zone the pages show times in (default: the schedules' zone). [env: {TIMEZONE_ENV}]",
)
@click.option(
    "--cache",
    "cache_seconds",
    type=click.FloatRange(min=0),
    default=2.0,
    show_default=True,
    help="Seconds a built page is kept and shared by the requests meanwhile; 0: none.",
)
def serve_command(
    *,
    port: int,
    bind: str,
    token: str | None,
    replay_url: str,
    timezone: str | None,
    cache_seconds: float,
) -> None:
    """Serve the web console: sources, runs, charts, changes, live progress."""
    if needs_token(bind) and not token:
        raise click.UsageError(
            f"--bind {bind} exposes the console beyond this machine: give --token "
            f"(or ARCHIVIST_TOKEN), e.g. --token $({MAKE_ONE})"
        )
    if token is not None and (weak := check_token(token)) is not None:
        raise click.UsageError(f"--token (or ARCHIVIST_TOKEN): {weak}; make one with {MAKE_ONE}")
    try:
        zone = display_zone(timezone)
    except ConfigError as exc:
        raise click.UsageError(
            str(exc).replace(TIMEZONE_ENV, f"--timezone (or {TIMEZONE_ENV})", 1)
        ) from exc
    import uvicorn  # noqa: PLC0415 - only this command needs the server

    from crawler.console import create_app  # noqa: PLC0415 - nor the console

    open_store().close()  # which closes the rows of runs whose crawl is dead
    app = create_app(
        data_home(),
        sources_dir(),
        store_url(),
        token,
        replay_url=replay_url,
        zone=zone,
        cache_seconds=cache_seconds,
    )
    shown = f"[{bind}]" if ":" in bind else bind
    click.echo(f"archivist console on http://{shown}:{port}/ (Ctrl-C to stop)")
    uvicorn.run(app, host=bind, port=port, log_level="warning")
