"""``archivist monitors``: evaluate each source's monitors now and print the findings."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from archive.store import Store
from crawler.monitoring.alerts import AlertConfigError, AlertManager
from crawler.monitoring.monitors import evaluate
from crawler.sources.schema import SourceError, find_source, load_source, load_sources

if TYPE_CHECKING:
    from crawler.monitoring.monitors import Finding
    from crawler.sources.schema import Source


def _home() -> Path:
    return Path(os.environ.get("ARCHIVIST_HOME") or "data")


def _store() -> Store:
    url = os.environ.get("ARCHIVIST_STORE_URL") or f"sqlite:///{_home().resolve() / 'archivist.db'}"
    return Store(url)


def _sources(name: str | None) -> list[Source]:
    folder = Path(os.environ.get("ARCHIVIST_SOURCES") or "schedules")
    try:
        if name is not None:
            return [load_source(find_source(name, folder))]
        return load_sources(folder)
    except SourceError as exc:
        raise click.UsageError(str(exc)) from exc


def _print(findings: list[Finding], checked: int) -> None:
    for finding in findings:
        click.echo(f"{finding.severity:<8} {finding.key:<40} {finding.message}")
    click.echo(f"{checked} sources checked, {len(findings)} findings")


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
    with _store() as store:
        if notify:
            try:
                manager = AlertManager.from_home(_home(), webhooks)
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
