"""``archivist``: thin commands over the crawler's modules and ``archive``."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console

from archive.store import RUN_STATUSES, Republication, Store
from archive.text.charset import decode_html
from archive.text.extract import decode_content
from archive.warc.cdxj import INDEX_NAME, IndexEntry, lookup, reindex_collection
from archive.warc.reader import StoredRecord, read_record_at
from crawler.cli._serve import serve_command
from crawler.cli.operators import monitors_command
from crawler.cli.warcs import verify_command
from crawler.demo import DemoServer, World
from crawler.demo.run import route_settings, run_demo
from crawler.research.export import Relations, write_export
from crawler.research.history import copies_text, field_diffs, repost_lines
from crawler.research.rebuild import rebuild
from crawler.research.replay import ReplayError, ensure_pywb, prepare_indexes, wayback_command
from crawler.research.wacz import WaczError, write_wacz
from crawler.runs.child import read_stats
from crawler.runs.progress import CrawlProgress, human_size
from crawler.runs.runbook import RunOptions, run_source
from crawler.runs.scheduler import Daemon, SchedulerError
from crawler.sources.schema import SourceError, find_source, load_source
from crawler.stats import discovery_summary

if TYPE_CHECKING:
    from archive.store import RunRecord
    from crawler.runs.child import CrawlResult


def _home() -> Path:
    return Path(os.environ.get("ARCHIVIST_HOME") or "data")


def _sources_dir() -> Path:
    return Path(os.environ.get("ARCHIVIST_SOURCES") or "schedules")


def _store() -> Store:
    url = os.environ.get("ARCHIVIST_STORE_URL") or f"sqlite:///{_home().resolve() / 'archivist.db'}"
    return Store(url)


def _print_results(results: list[CrawlResult]) -> None:
    click.echo(
        f"{'source':<22} {'status':<22} {'pages':>6} {'articles':>8} {'archived':>10} "
        f"{'WARCs':>5} {'time':>7}"
    )
    for r in results:
        status = r.finish_reason if r.returncode == 0 else f"exit {r.returncode}"
        click.echo(
            f"{r.source:<22} {status:<22} {r.pages:>6} {r.articles:>8} {human_size(r.archived_bytes):>10} "
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
        with _store() as store:
            report = run_demo(home, _sources_dir(), size, store)
            reposts = store.republications()
    except (SourceError, FileNotFoundError) as exc:
        raise click.ClickException(str(exc)) from exc
    _print_results(report.results)
    pages = sum(r.pages for r in report.results)
    archived = sum(r.archived_bytes for r in report.results)
    warcs = sum(len(r.warc_files) for r in report.results)
    articles = sum(r.articles for r in report.results)
    click.echo(
        f"\n{len(report.results)} sources, {pages} pages, {articles} articles, {human_size(archived)} "
        f"in {warcs} WARC files, {report.seconds:.1f}s."
        f"\n{len({r.original.url for r in reposts})} articles republished in "
        f"{len(reposts)} copies (archivist reposts)."
        f"\nWARCs: {(home / 'collections').resolve()}/*/archive/ ; records: archivist articles ;"
        " runs: archivist runs ; replay: archivist replay"
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
@click.option(
    "--max-run-time",
    type=float,
    help="Seconds before the crawl is stopped as timed out (default: the schedule's).",
)
def crawl(source: str, overrides: tuple[str, ...], max_run_time: float | None) -> None:
    """Crawl SOURCE (a name in the sources folder, or a .yaml file) once, now.

    The run is recorded like a scheduled one (``archivist runs``); if the source is
    being crawled already, it is recorded as skipped and nothing starts. Ctrl-C asks
    the crawl to finish cleanly.
    """
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
    if max_run_time is None and src.schedule is not None:
        max_run_time = src.schedule.max_run_time
    home = _home()
    click.echo(f"Crawling {src.name}; log under {(home / 'logs').resolve()}/")
    with (
        _store() as store,
        CrawlProgress(src.name, Console()) as progress,
    ):
        record = run_source(
            store,
            src,
            path,
            home,
            settings=settings,
            options=RunOptions(max_run_time=max_run_time),
            on_beat=progress,
        )
    _print_runs([record])
    if record.log_path:
        click.echo(f"log: {record.log_path}")
    if record.status != "finished":
        raise click.ClickException(
            f"crawl of {src.name} {record.status}: {record.finish_reason} (run {record.id})"
        )


def _age(when: datetime | None) -> str:
    if when is None:
        return "-"
    return when.astimezone().strftime("%Y-%m-%d %H:%M:%S")


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


def _print_runs(records: list[RunRecord]) -> None:
    click.echo(
        f"{'run':<46} {'status':<10} {'started':<19} {'time':>7} {'pages':>6} "
        f"{'new/chg/same':>13} {'archived':>10} {'errors':>6}"
    )
    for r in records:
        articles = f"{r.articles_new}/{r.articles_changed}/{r.articles_unchanged}"
        click.echo(
            f"{r.id:<46} {r.status:<10} {_age(r.started_at):<19} {_duration(r):>7} {r.pages:>6} "
            f"{articles:>13} {human_size(r.archived_bytes):>10} {sum(r.errors.values()):>6}"
        )


@main.command("runs")
@click.option("--source", help="Only this source.")
@click.option(
    "--status",
    type=click.Choice(sorted(RUN_STATUSES)),
    help="Only runs with this status.",
)
@click.option("--limit", default=30, show_default=True)
def runs_command(source: str | None, status: str | None, limit: int) -> None:
    """List crawl runs, the latest first."""
    with _store() as store:
        records = store.runs(source=source, status=status, limit=limit)
    _print_runs(records)
    click.echo(f"{len(records)} runs")


@main.group("run")
def run_group() -> None:
    """Look at one crawl run."""


@run_group.command("show")
@click.argument("run_id")
@click.option("--lines", default=20, show_default=True, help="Lines of the log's tail.")
def run_show(run_id: str, lines: int) -> None:
    """Show run RUN_ID: its figures, errors by kind, WARC files and the tail of its log."""
    with _store() as store:
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
    rows = [
        ("run", record.id),
        ("source", f"{record.source} (collection {record.collection})"),
        ("status", record.status),
        ("finish reason", record.finish_reason or "-"),
        ("exit code", "-" if record.exit_code is None else str(record.exit_code)),
        ("started", _age(record.started_at)),
        ("finished", _age(record.finished_at)),
        ("duration", _duration(record)),
        ("last heartbeat", _age(record.heartbeat_at)),
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
    stats = read_stats(_home() / "logs" / f"{record.id}.stats.json")
    if any(key.startswith("discovery/") for key in stats):
        click.echo("discovery:")
        for label, value in discovery_summary(stats):
            click.echo(f"  {label + ':':<18}{value}")
    archive_dir = _home() / "collections" / record.collection / "archive"
    click.echo(f"WARC files:      {len(record.warc_files)} in {archive_dir.resolve()}/")
    for name in record.warc_files:
        click.echo(f"  {name}")
    if record.log_path:
        click.echo(f"log: {record.log_path}")
        tail = _tail(Path(record.log_path), lines)
        for line in tail:
            click.echo(f"  | {line}")


def _tail(path: Path, lines: int) -> list[str]:
    """The last lines of a log, read from its end (logs can be large)."""
    try:
        with path.open("rb") as log:
            log.seek(0, os.SEEK_END)
            size = log.tell()
            log.seek(max(0, size - 64 * 1024))
            text = log.read().decode("utf-8", errors="replace")
    except OSError as exc:
        return [f"(cannot read the log: {exc.strerror or exc})"]
    return text.splitlines()[-lines:] if lines > 0 else []


@main.group("schedule")
def schedule_group() -> None:
    """Check and list the sources' schedules."""


def _source_paths(files: tuple[Path, ...]) -> list[Path]:
    if files:
        return list(files)
    folder = _sources_dir()
    paths = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])
    if not paths:
        raise click.ClickException(f"no source files (*.yaml) in {folder.resolve()}")
    return paths


@schedule_group.command("validate")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
def schedule_validate(files: tuple[Path, ...]) -> None:
    """Check FILES (default: every source file in the sources folder); exit 1 on any fault."""
    faults = 0
    for path in _source_paths(files):
        try:
            src = load_source(path)
        except SourceError as exc:
            click.echo(f"FAULT {exc}", err=True)
            faults += 1
            continue
        what = src.schedule.describe() if src.schedule else "no schedule: crawled only by hand"
        if src.schedule is not None and not src.schedule.enabled:
            what += " [disabled]"
        click.echo(f"ok    {path}: {what}")
    if faults:
        click.echo(f"{faults} file(s) with faults", err=True)
        raise SystemExit(1)


@schedule_group.command("list")
@click.option("--count", default=3, show_default=True, help="Fire times to show per source.")
def schedule_list(count: int) -> None:
    """Each source with its schedule, next fire times (in its time zone) and last run."""
    now = datetime.now(UTC)
    with _store() as store:
        for path in _source_paths(()):
            try:
                src = load_source(path)
            except SourceError as exc:
                click.echo(f"{path.stem:<24} FAULT {exc}")
                continue
            last = store.runs(source=src.name, limit=1)
            last_text = (
                f"{last[0].status} {_age(last[0].started_at or last[0].finished_at)}"
                if last
                else "never run"
            )
            if src.schedule is None:
                click.echo(f"{src.name:<24} by hand only; last run: {last_text}")
                continue
            state = "" if src.schedule.enabled else " [disabled]"
            click.echo(f"{src.name:<24} {src.schedule.describe()}{state}; last run: {last_text}")
            for when in src.schedule.next_fire_times(now, count):
                click.echo(f"{'':<26}{when:%Y-%m-%d %H:%M:%S %Z (%z)}")


@main.command("scheduler")
@click.option(
    "--reload-interval",
    default=10.0,
    show_default=True,
    help="Seconds between readings of the sources folder.",
)
@click.option(
    "--kill-after",
    default=30.0,
    show_default=True,
    help="Seconds a crawl asked to stop may take before it is killed.",
)
@click.option("--max-concurrent", default=4, show_default=True, help="Crawls at once.")
def scheduler_command(reload_interval: float, kill_after: float, max_concurrent: int) -> None:
    """Run the scheduler daemon: crawl each source when its schedule says, until SIGTERM."""
    home = _home()
    (home / "logs").mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(home / "logs" / "scheduler.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(handler)
    for name in ("crawler", "apscheduler"):
        logging.getLogger(name).setLevel(logging.INFO)
    with _store() as store:
        daemon = Daemon(
            store,
            home,
            _sources_dir(),
            reload_interval=reload_interval,
            kill_after=kill_after,
            max_concurrent=max_concurrent,
        )
        try:
            daemon.serve()
        except SchedulerError as exc:
            raise click.ClickException(str(exc)) from exc


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
    """Write the current version of every article to a JSON Lines, CSV or Parquet file.

    Each row also names the archived article it republishes (original_url) and counts
    the archived articles that republish it (copies), as archivist reposts finds them.
    """
    with _store() as store:
        found = store.articles(source=source)
        relations = Relations(store.republications())
    try:
        count = write_export(found, output, fmt, relations)
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{count} articles written to {output}")


# -- replay and look-ups ------------------------------------------------------------------


def _collections(collection: str | None) -> list[Path]:
    root = _home() / "collections"
    if collection is not None:
        folder = root / collection
        if not (folder / "archive").is_dir():
            raise click.ClickException(f"no collection {collection!r} in {root.resolve()}")
        return [folder]
    return sorted(p.parent for p in root.glob("*/archive"))


@main.command("index")
@click.option("--collection", help="Only this collection (default: every one).")
def index_command(collection: str | None) -> None:
    """Rebuild the CDXJ index of each collection from its WARC files (crawls keep it current)."""
    for folder in _collections(collection):
        files, captures = reindex_collection(folder)
        click.echo(
            f"{folder.name}: {files} WARC files, {captures} captures -> indexes/{INDEX_NAME}"
        )


def _parse_at(value: str | None) -> str:
    """A 14-digit timestamp from '2026', '20261128', '2026-11-28T10:00' or a full one."""
    if not value:
        return "99991231235959"  # the latest
    digits = "".join(ch for ch in value if ch.isdigit())
    if not digits or len(digits) > 14:
        raise click.BadParameter(f"{value!r} is not a time such as 2026-11-28T10:00 or 20261128")
    return digits.ljust(14, "0") if len(digits) >= 8 else (digits + "0101").ljust(14, "0")[:14]


def _captures(url: str, collection: str | None) -> list[tuple[str, IndexEntry]]:
    found: list[tuple[str, IndexEntry]] = []
    for folder in _collections(collection):
        found.extend((folder.name, entry) for entry in lookup(folder / "indexes", url))
    return sorted(found, key=lambda pair: pair[1].timestamp)


def _when(timestamp: str) -> str:
    return f"{timestamp[:4]}-{timestamp[4:6]}-{timestamp[6:8]} {timestamp[8:10]}:{timestamp[10:12]}:{timestamp[12:14]}Z"


@main.command("captures")
@click.argument("url")
@click.option("--collection", help="Only this collection.")
def captures_command(url: str, collection: str | None) -> None:
    """List every capture of URL: time, status, type, digest, size and where it is."""
    found = _captures(url, collection)
    if not found:
        raise click.ClickException(f"no capture of {url} (archivist index rebuilds the indexes)")
    click.echo(
        f"{'time (UTC)':<20} {'status':>6}  {'type':<24} {'digest':<38} {'bytes':>8}  collection/file@offset"
    )
    for coll, entry in found:
        click.echo(
            f"{_when(entry.timestamp):<20} {entry.status:>6}  {entry.mime[:24]:<24} "
            f"{entry.digest[:38]:<38} {entry.length:>8}  {coll}/{entry.filename}@{entry.offset}"
        )
    click.echo(f"{len(found)} captures of {url}")


@main.command("show")
@click.argument("url")
@click.option("--at", "at", help="The capture nearest this time (default: the latest).")
@click.option("--collection", help="Only this collection.")
@click.option("--raw", is_flag=True, help="Write the record's bytes exactly as stored.")
def show_command(url: str, at: str | None, collection: str | None, raw: bool) -> None:
    """Print the capture of URL nearest a time: its headers, then its decoded body."""
    target = int(_parse_at(at))
    found = _captures(url, collection)
    if not found:
        raise click.ClickException(f"no capture of {url} (archivist index rebuilds the indexes)")
    coll, entry = min(
        found, key=lambda pair: (abs(int(pair[1].timestamp) - target), pair[1].timestamp)
    )
    path = _home() / "collections" / coll / "archive" / entry.filename
    try:
        record = read_record_at(path, entry.offset, entry.length)
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"cannot read {path} at offset {entry.offset}: {exc}") from exc
    if raw:
        sys.stdout.buffer.write(record.stored)
        sys.stdout.flush()
        return
    click.echo(
        f"# {record.rec_type} of {url} at {_when(entry.timestamp)} ({coll}/{entry.filename}@{entry.offset})"
    )
    for name, value in record.warc_headers:
        if name.startswith("WARC-") and name != "WARC-Target-URI":
            click.echo(f"# {name}: {value}")
    if record.status is not None:
        click.echo(f"HTTP {record.status}")
    for name, value in record.http_headers:
        click.echo(f"{name}: {value}")
    click.echo("")
    body = record.payload
    if record.rec_type == "revisit":
        body = _revisited_payload(record, coll)
    try:
        body = decode_content(body, record.header("Content-Encoding"))
    except Exception:  # noqa: BLE001 - shown as stored, with a note, if it will not decode
        click.echo("(the body does not decode with its Content-Encoding; shown as stored)")
    content_type = record.header("Content-Type") or ""
    if (
        content_type.startswith(
            (
                "text/",
                "application/xhtml",
                "application/json",
                "application/xml",
                "application/rss",
                "application/atom",
            )
        )
        or not content_type
    ):
        click.echo(decode_html(body, content_type or None).text)
    else:
        click.echo(f"({len(body)} bytes of {content_type}; --raw writes the record as stored)")


def _revisited_payload(record: StoredRecord, collection: str) -> bytes:
    """A revisit's body: the payload of the capture it refers to, found in the index."""
    fields = dict(record.warc_headers)
    target = fields.get("WARC-Refers-To-Target-URI", "")
    stamp = "".join(ch for ch in fields.get("WARC-Refers-To-Date", "") if ch.isdigit())[:14]
    folder = _home() / "collections" / collection
    for entry in lookup(folder / "indexes", target):
        if entry.timestamp == stamp and entry.mime != "warc/revisit":
            original = read_record_at(
                folder / "archive" / entry.filename, entry.offset, entry.length
            )
            click.echo(f"(a revisit: the body is the capture of {target} at {_when(stamp)})")
            return original.payload
    click.echo(f"(a revisit of {target} at {stamp}, which is not in this collection's index)")
    return b""


@main.command("replay")
@click.option("--port", default=8080, show_default=True, help="Port to serve on.")
@click.option("--bind", default="127.0.0.1", show_default=True, help="Address to listen on.")
def replay_command(port: int, bind: str) -> None:
    """Serve the data folder with pywb (built in its own environment on first use)."""
    home = _home()
    if not (home / "collections").is_dir():
        raise click.ClickException(
            f"{home.resolve()} has no collections/ yet: crawl something first"
        )
    try:
        wayback = ensure_pywb()
    except ReplayError as exc:
        raise click.ClickException(str(exc)) from exc
    for prepared in prepare_indexes(home):
        how = (
            "index rebuilt"
            if prepared.rebuilt
            else f"{prepared.merged_files} new index files merged"
        )
        click.echo(f"  http://{bind}:{port}/{prepared.name}/  ({how})")
    command, env = wayback_command(wayback, port, bind)
    click.echo(f"pywb on http://{bind}:{port}/ ; Ctrl-C stops it", nl=True)
    sys.stdout.flush()
    # Become pywb: signals sent to this process (Ctrl-C, a service manager's SIGTERM)
    # then reach the server itself, and nothing is left running behind it.
    os.chdir(home)
    os.execve(command[0], command, env)  # noqa: S606 - pywb's own wayback, from its venv


@main.command("wacz")
@click.argument("collection")
@click.option("--run", "run_id", help="Only the WARC files of this run.")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="The .wacz file."
)
def wacz_command(collection: str, run_id: str | None, output: Path | None) -> None:
    """Package COLLECTION (or one run of it) as a WACZ file for ReplayWeb.page."""
    (folder,) = _collections(collection)
    with _store() as store:
        names = None
        if run_id is not None:
            record = store.get_run(run_id)
            if record is None:
                raise click.ClickException(f"no run {run_id!r}")
            names = list(record.warc_files)
        target = output or Path(f"{collection}{'-' + run_id if run_id else ''}.wacz")
        try:
            report = write_wacz(folder, target, store, names)
        except WaczError as exc:
            raise click.ClickException(str(exc)) from exc
    size = human_size(report.path.stat().st_size)
    click.echo(
        f"{report.path}: {report.warc_files} WARC files, {report.pages} article pages, {size}"
    )


@main.command("history")
@click.argument("url")
@click.option("--diff", "pair", nargs=2, type=int, metavar="OLD NEW", help="Two version ids.")
def history_command(url: str, pair: tuple[int, int] | None) -> None:
    """List the versions of the article at URL and show what changed, word by word.

    Without --diff, the last two versions are compared.
    """
    with _store() as store:
        versions = store.versions(url)
        events = [e for e in store.events() if e.url == url]
    if not versions:
        raise click.ClickException(f"no article recorded at {url}")
    click.echo(f"{'version':>7}  {'captured (UTC)':<20} {'words':>6}  title")
    for stored in versions:
        when = stored.fetched_at.strftime("%Y-%m-%d %H:%M:%S")
        click.echo(
            f"{stored.version_id:>7}  {when:<20} {stored.article.word_count:>6}  {stored.article.title}"
        )
    for event in events:
        click.echo(f"{event.kind:>7}  {event.at:%Y-%m-%d %H:%M:%S}  {event.detail}")
    by_id = {stored.version_id: stored for stored in versions}
    if pair:
        missing = [n for n in pair if n not in by_id]
        if missing:
            raise click.ClickException(f"{url} has no version {missing[0]}; see the list above")
        old, new = by_id[pair[0]], by_id[pair[1]]
    elif len(versions) >= 2:
        old, new = versions[-2], versions[-1]
    else:
        return
    click.echo(f"\nversion {old.version_id} -> {new.version_id}:")
    changed = field_diffs(old, new)
    for name, text in changed.items():
        click.echo(f"{name}: {text}")
    if not changed:
        click.echo("(no difference in title, authors, dates, credit or body)")


@main.command("reposts")
@click.argument("url", required=False)
@click.option("--source", help="Only pairs with an article of this source.")
@click.option(
    "--min-share",
    type=click.FloatRange(0, 1, min_open=True),
    default=0.5,
    show_default=True,
    help="Pair two articles when this share of either one's passages is in the other.",
)
@click.option("--format", "fmt", type=click.Choice(["text", "jsonl"]), default="text")
@click.option(
    "--diff",
    "other",
    metavar="URL2",
    help="With URL: what URL2 (its copy or original) changed, word by word.",
)
def reposts_command(
    url: str | None, source: str | None, min_share: float, fmt: str, other: str | None
) -> None:
    """List republications: articles that hold another article's text, whole or in part.

    Each original comes with its copies: how much of the original each holds, how much
    text of its own each adds, and how the original was told apart (the copy's credit
    links it, else names its site, else it was published first, else captured first).
    Text is matched by passages (six words in a row, ignoring case and diacritics)
    across every version, so a copy made before an edit or a takedown still finds its
    original. With URL, only that article's original and copies; with --diff URL2 as
    well, the words the copy changed against the version of the original it copied.
    """
    if other is not None and url is None:
        raise click.UsageError("--diff compares with the article at URL: give URL too")
    with _store() as store:
        known = None if url is None else store.article_source(url)
        if url is not None and known is None:
            raise click.ClickException(f"no article recorded at {url}")
        found = store.republications(url, source=source, min_share=min_share)
        if url is not None and known is not None and other is not None:
            _repost_diff(store, found, (url, known[1]), other)
            return
    if fmt == "jsonl":
        for item in found:
            click.echo(json.dumps(item.to_dict(), ensure_ascii=False))
        return
    for line in repost_lines(found):
        click.echo(line)


def _repost_diff(
    store: Store, found: list[Republication], article: tuple[str, str], other: str
) -> None:
    """The word diff from the original's matched version to its copy's; ``article`` is
    (URL as given, key) of the article the pairs were found for."""
    url, key = article
    known = store.article_source(other)
    if known is None:
        raise click.ClickException(f"no article recorded at {other}")
    keys = {known[1], key}
    pair = next((r for r in found if keys == {r.original.url, r.copy.url}), None)
    if pair is None:
        raise click.ClickException(f"{other} is neither the original nor a copy of {url}")
    original = store.versions(pair.original.url)[pair.original.version - 1]
    copy = store.versions(pair.copy.url)[pair.copy.version - 1]
    click.echo(
        f"{pair.original.site} (version {pair.original.version} of "
        f"{pair.original.versions}) -> {pair.copy.site}: {pair.holds:.0%} held, "
        f"{pair.adds:.0%} added"
    )
    changed = field_diffs(original, copy)
    for name, text in changed.items():
        click.echo(f"{name}: {text}")
    if not changed:
        click.echo("(no difference in title, authors, dates, credit or body)")


@main.command("changes")
@click.option("--since", type=click.DateTime(), help="Only changes since this date (UTC).")
@click.option("--source", help="Only this source.")
@click.option("--format", "fmt", type=click.Choice(["text", "jsonl"]), default="text")
def changes_command(since: datetime | None, source: str | None, fmt: str) -> None:
    """List edits, removals and restorations of articles, oldest first.

    A removal says how many archived copies on other sites keep the article (JSON Lines:
    their URLs, in ``copies``).
    """
    when = since.replace(tzinfo=UTC) if since else None
    with _store() as store:
        found = store.changes(since=when, source=source)
        kept = {
            c.url: [copy.url for copy in store.copies(c.url)] for c in found if c.kind == "removed"
        }
    for change in found:
        copies = kept.get(change.url, []) if change.kind == "removed" else []
        if fmt == "jsonl":
            row = change.to_dict()
            if change.kind == "removed":
                row["copies"] = copies
            click.echo(json.dumps(row, ensure_ascii=False))
        else:
            also = (
                f"  (kept by {copies_text(len(copies))}: archivist reposts URL)" if copies else ""
            )
            click.echo(
                f"{change.at:%Y-%m-%d %H:%M:%S}  {change.kind:<8} {change.source:<16} "
                f"{change.url}  {change.detail}{also}"
            )
    if fmt == "text":
        click.echo(f"{len(found)} changes")


main.add_command(verify_command)
main.add_command(monitors_command)
main.add_command(serve_command)
