"""``archivist``: thin commands over the crawler's modules and ``archive``."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
from datetime import UTC, datetime
from pathlib import Path

import click

from archive.store import Store
from crawler.demo import DemoServer, World
from crawler.demo.run import route_settings, run_demo
from crawler.export import write_export
from crawler.rebuild import rebuild
from crawler.runs import CrawlResult, CrawlRun
from crawler.sources import SourceError, find_source, load_source


def _home() -> Path:
    return Path(os.environ.get("ARCHIVIST_HOME") or "data")


def _sources_dir() -> Path:
    return Path(os.environ.get("ARCHIVIST_SOURCES") or "schedules")


def _store() -> Store:
    url = os.environ.get("ARCHIVIST_STORE_URL") or f"sqlite:///{_home().resolve() / 'archivist.db'}"
    return Store(url)


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"


def _print_results(results: list[CrawlResult]) -> None:
    click.echo(
        f"{'source':<22} {'status':<22} {'pages':>6} {'articles':>8} {'archived':>10} "
        f"{'WARCs':>5} {'time':>7}"
    )
    for r in results:
        status = r.finish_reason if r.returncode == 0 else f"exit {r.returncode}"
        click.echo(
            f"{r.source:<22} {status:<22} {r.pages:>6} {r.articles:>8} {_size(r.archived_bytes):>10} "
            f"{len(r.warc_files):>5} {r.seconds:>6.1f}s"
        )
        if not r.ok:
            click.echo(f"  log: {r.log_path}")


@click.group()
@click.version_option(package_name="archivist")
def main() -> None:
    """archivist: an archiving crawler for news sites and the blogs that repost them."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


@main.group(invoke_without_command=True)
@click.option("--size", default=30, show_default=True, help="Articles on the demo news site.")
@click.pass_context
def demo(ctx: click.Context, size: int) -> None:
    """Serve the demo sites on loopback, crawl each demo source once, show the results."""
    if ctx.invoked_subcommand is not None:
        return
    home = _home()
    click.echo(f"Crawling the demo world ({size} articles) into {home.resolve()} ...")
    try:
        report = run_demo(home, _sources_dir(), size)
    except (SourceError, FileNotFoundError) as exc:
        raise click.ClickException(str(exc)) from exc
    _print_results(report.results)
    pages = sum(r.pages for r in report.results)
    archived = sum(r.archived_bytes for r in report.results)
    warcs = sum(len(r.warc_files) for r in report.results)
    articles = sum(r.articles for r in report.results)
    click.echo(
        f"\n{len(report.results)} sources, {pages} pages, {articles} articles, {_size(archived)} "
        f"in {warcs} WARC files, {report.seconds:.1f}s."
        f"\nWARCs: {(home / 'collections').resolve()}/*/archive/ ; records: archivist articles"
    )
    if not report.ok:
        raise click.ClickException("some demo crawls did not finish; see their logs above")


@demo.command("serve")
@click.option("--size", default=30, show_default=True, help="Articles on the demo news site.")
@click.option("--port", default=0, help="Port on 127.0.0.1 (default: any free port).")
def demo_serve(size: int, port: int) -> None:
    """Keep the demo world up and print how to crawl it by hand."""
    world = World(size)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with DemoServer(world, port=port) as server:
        click.echo(f"Demo world on {server.proxy_url} (an HTTP proxy for these hosts):")
        for host in world.hosts:
            click.echo(f"  http://{host}/")
        routes = route_settings(server)["ROUTE_PROXIES"]
        click.echo("\nTo crawl it by hand, from the checkout:")
        click.echo(f"  export ARCHIVIST_ROUTE_PROXIES='{routes}' ARCHIVIST_LOOPBACK_ONLY=1")
        click.echo("  scrapy crawl news -a source=demo-news")
        click.echo(f"  curl -x {server.proxy_url} http://{world.hosts[0]}/")
        click.echo("\nCtrl-C stops it.")
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()


@main.command()
@click.argument("source")
@click.option(
    "-s",
    "--set",
    "overrides",
    multiple=True,
    metavar="NAME=VALUE",
    help="A Scrapy setting for this crawl (repeatable).",
)
def crawl(source: str, overrides: tuple[str, ...]) -> None:
    """Crawl SOURCE (a name in the sources folder, or a .yaml file) once, now."""
    settings = {}
    for item in overrides:
        name, sep, value = item.partition("=")
        if not sep:
            raise click.BadParameter(f"{item!r} is not NAME=VALUE", param_hint="-s")
        settings[name] = value
    try:
        path = find_source(source, _sources_dir())
        src = load_source(path)
    except SourceError as exc:
        raise click.UsageError(str(exc)) from exc
    run = CrawlRun(src, path, _home(), settings)
    click.echo(f"Crawling {src.name} (run {run.run_id}); log: {run.log_path}")
    run.start()
    result = run.wait()
    _print_results([result])
    if not result.ok:
        raise click.ClickException(f"crawl of {src.name} did not finish: {result.finish_reason}")


@main.command("extract")
@click.option("--collection", help="Only this collection (default: every one).")
def extract_command(collection: str | None) -> None:
    """Rebuild every article record from the WARC files alone, with the current extractor."""
    with _store() as store:
        report = rebuild(store, _home(), _sources_dir(), collection)
    counts = ", ".join(f"{n} {status}" for status, n in sorted(report.statuses.items()))
    click.echo(
        f"{report.files} WARC files, {report.pages} responses, "
        f"{report.articles} articles ({counts or 'none'})"
    )
    for failure in report.failures:
        click.echo(f"  failed: {failure}", err=True)


@main.command("articles")
@click.argument("query", required=False)
@click.option("--source", help="Only this source.")
@click.option(
    "--since", type=click.DateTime(), help="Only articles last seen since this date (UTC)."
)
@click.option("--limit", default=50, show_default=True)
def articles_command(
    query: str | None, source: str | None, since: datetime | None, limit: int
) -> None:
    """List article records, newest first; QUERY searches ignoring case and diacritics."""
    when = since.replace(tzinfo=UTC) if since else None
    with _store() as store:
        found = store.articles(source=source, since=when, query=query, limit=limit)
    for stored in found:
        article = stored.article
        date = article.published.value.date().isoformat() if article.published else "?"
        click.echo(f"{date}  {stored.source:<16} {article.title}\n            {article.url}")
    click.echo(f"{len(found)} articles")


@main.command("export")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv", "parquet"]), default="jsonl")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--source", help="Only this source.")
def export_command(fmt: str, output: Path, source: str | None) -> None:
    """Write the current version of every article to a JSON Lines, CSV or Parquet file."""
    with _store() as store:
        found = store.articles(source=source)
    try:
        count = write_export(found, output, fmt)
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{count} articles written to {output}")
