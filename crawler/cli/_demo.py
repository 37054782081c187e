"""What ``archivist demo`` prints: each crawl's table, and ``--changes``' three rounds."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from crawler.cli._env import data_home, open_store, shown_zone, sources_dir
from crawler.cli.researchers import print_changes, print_history
from crawler.demo.changing import run_changing_demo
from crawler.runs.progress import human_size
from crawler.sources.schema import SourceError

if TYPE_CHECKING:
    from crawler.demo.changing import Round
    from crawler.runs.child import CrawlResult

__all__ = ["demo_changes", "print_results"]


def print_results(results: list[CrawlResult]) -> None:
    """One line a source: its status, pages, articles, bytes, WARC files and time."""
    click.echo(
        f"{'source':<22} {'status':<22} {'pages':>6} {'articles':>8} {'archived':>10} "
        f"{'WARCs':>5} {'time':>7}"
    )
    for r in results:
        status = r.finish_reason if r.returncode == 0 else f"exit {r.returncode}"
        click.echo(
            f"{r.source:<22} {status:<22} {r.pages:>6} {r.articles:>8} "
            f"{human_size(r.archived_bytes):>10} {len(r.warc_files):>5} {r.seconds:>6.1f}s"
        )
        if not r.ok:
            click.echo(f"  log: {r.log_path}")


def demo_changes(size: int) -> None:
    """``archivist demo --changes``: three crawls with changes between, then what
    ``archivist changes`` and ``archivist history`` make of them."""
    home = data_home()
    click.echo(
        f"Crawling the demo world ({size} articles) into {home.resolve()} three times, "
        "changing it between crawls ..."
    )
    rounds = iter(range(1, 4))

    def told(done: Round) -> None:
        before = done.before.replace("\n", "\n  ")
        click.echo(f"\ncrawl {next(rounds)}, after: {before}")
        print_results(done.results)

    try:
        with open_store() as store:
            report = run_changing_demo(home, sources_dir(), size, store, told=told)
            since = f"{report.started.astimezone(shown_zone()):%Y-%m-%d %H:%M:%S}"
            click.echo(f"\n$ archivist changes --since '{since}'")
            print_changes(store, since=report.started)
            click.echo(f"\n$ archivist history {report.edited}")
            print_history(store, report.edited)
    except (SourceError, FileNotFoundError) as exc:
        raise click.ClickException(str(exc)) from exc
    if not report.ok:
        raise click.ClickException("some demo crawls did not finish; see their logs above")
