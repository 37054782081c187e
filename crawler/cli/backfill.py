"""``archivist backfill``: fill a source's collection from other web archives."""

from __future__ import annotations

import click
from rich.console import Console

from crawler.backfill.cdx import cdx_time
from crawler.backfill.run import BackfillOptions, backfill
from crawler.cli._env import data_home, open_store, sources_dir
from crawler.cli.operators import print_runs
from crawler.runs.progress import CrawlProgress
from crawler.sources.schema import SourceError, find_source, load_source


def _cdx_time(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    try:
        return None if value is None else cdx_time(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


@click.command("backfill")
@click.argument("source")
@click.option(
    "--archive",
    default="https://web.archive.org/web/",
    show_default=True,
    help="The archive's replay prefix: the Wayback Machine's, or a pywb collection's "
    "(http://host/<collection>/).",
)
@click.option("--cdx", help="Its CDX server, if not <archive>/cdx (or the Wayback Machine's).")
@click.option("--from", "since", callback=_cdx_time, help="Captures from this date (2012-10-05).")
@click.option("--to", "until", callback=_cdx_time, help="Captures up to this date.")
@click.option("--delay", default=1.0, show_default=True, help="Seconds between two requests.")
@click.option(
    "--max-retry-after",
    default=600.0,
    show_default=True,
    help="The longest Retry-After waited for; longer, and the backfill stops (it resumes).",
)
def backfill_command(  # noqa: PLR0917 - click passes every option
    source: str,
    archive: str,
    cdx: str | None,
    since: str | None,
    until: str | None,
    delay: float,
    max_retry_after: float,
) -> None:
    """Fill SOURCE's collection from another web archive: what the live web lost.

    The archive's CDX index is asked for the source's hosts; every distinct version of
    each article and the newest of every other page are fetched as captured (id_), one
    request at a time, and written as WARC responses with their original URL and time,
    saying where they came from. Recorded as a run; run it again and it fetches only
    what it lacks.
    """
    try:
        src = load_source(find_source(source, sources_dir()))
    except SourceError as exc:
        raise click.UsageError(str(exc)) from exc
    options = BackfillOptions(archive, cdx, since, until, delay, max_retry_after)
    click.echo(f"Backfilling {src.name} from {archive}")
    with open_store() as store, CrawlProgress(src.name, Console()) as progress:
        report = backfill(store, data_home(), src, sources_dir(), options, on_beat=progress)
    print_runs([report.run])
    click.echo(
        f"{report.listed} captures listed, {report.wanted} distinct pages in scope, "
        f"{report.fetched} fetched ({report.planned} wanted that the collection lacked)"
        + (
            f"; {report.digest_mismatches} not matching the index's digest"
            if report.digest_mismatches
            else ""
        )
    )
    if report.run.status != "finished":
        raise click.ClickException(
            f"backfill of {src.name} {report.run.status}: {report.run.finish_reason} "
            f"(run {report.run.id})"
        )
