"""Commands for archivists: declare and check sources, crawl them now or on schedule.

``archivist demo``, ``crawl``, ``schedule validate|list`` and ``scheduler``
(``backfill``, from other web archives, is in ``crawler.cli.backfill``).
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console

from crawler.demo import DemoServer, World
from crawler.demo.run import route_settings, run_demo
from crawler.runs.progress import CrawlProgress, human_size
from crawler.runs.resume import resumable
from crawler.runs.runbook import RunOptions, run_source
from crawler.runs.scheduler import Daemon, SchedulerError
from crawler.sources.overlap import overlaps
from crawler.sources.schema import Source, SourceError, faults_of, find_source, load_source

if TYPE_CHECKING:
    from archive.store import RunRecord, Store


from crawler.cli._demo import demo_changes, print_results
from crawler.cli._env import data_home, evidence_signer, open_store, shown_zone, sources_dir
from crawler.cli._text import count_of
from crawler.cli.operators import print_runs
from crawler.cli.workers import crawl_distributed, scheduled_runner
from crawler.runs.watch import SchedulerState, read_state
from crawler.sources.times import shown_time


@click.group(invoke_without_command=True)
@click.option("--size", default=30, show_default=True, help="Articles on the demo news site.")
@click.option(
    "--changes",
    "changing",
    is_flag=True,
    help="Crawl three times, editing, taking down and restoring news articles in between; "
    "then show what archivist changes and history say.",
)
@click.pass_context
def demo(ctx: click.Context, size: int, changing: bool) -> None:
    """Serve the demo sites on loopback, crawl each demo source once, show the results."""
    if ctx.invoked_subcommand is not None:
        return
    if changing:
        demo_changes(size)
        return
    home = data_home()
    click.echo(f"Crawling the demo world ({size} articles) into {home.resolve()} ...")
    try:
        with open_store() as store:
            report = run_demo(home, sources_dir(), size, store)
            reposts = store.republications()
    except (SourceError, FileNotFoundError) as exc:
        raise click.ClickException(str(exc)) from exc
    print_results(report.results)
    pages = sum(r.pages for r in report.results)
    archived = sum(r.archived_bytes for r in report.results)
    warcs = sum(len(r.warc_files) for r in report.results)
    articles = sum(r.articles for r in report.results)
    click.echo(
        f"\n{len(report.results)} sources, {pages} pages, {articles} articles, {human_size(archived)} "
        f"in {warcs} WARC files, {report.seconds:.1f}s."
        f"\n{count_of(len({r.original.url for r in reposts}), 'article')} republished in "
        f"{count_of(len(reposts), 'copy', 'copies')} (archivist reposts)."
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


@click.command()
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
@click.option(
    "--resume",
    is_flag=True,
    help="Continue the source's latest run if it was cut short (interrupted or stopped).",
)
@click.option(
    "--distributed",
    is_flag=True,
    help="Crawl on the workers (archivist worker) sharing ARCHIVIST_REDIS_URL, and follow it "
    "here; the default (or the source's `distributed: true`) crawls in one local process.",
)
def crawl(
    source: str,
    overrides: tuple[str, ...],
    max_run_time: float | None,
    resume: bool,
    distributed: bool,
) -> None:
    """Crawl SOURCE (a name in the sources folder, or a .yaml file) once, now.

    The run is recorded like a scheduled one (``archivist runs``); if the source is
    being crawled already, it is recorded as skipped and nothing starts. Ctrl-C asks
    the crawl to finish cleanly. With --resume, the source's latest run, cut short by a
    crash or a stop, goes on as the same run: what it captured is not fetched again,
    and its time limit counts from its first start.
    """
    settings = {}
    for item in overrides:
        name, sep, value = item.partition("=")
        if not sep:
            raise click.BadParameter(f"{item!r} is not NAME=VALUE", param_hint="-s")
        settings[name] = value
    try:
        path = find_source(source, sources_dir())
        src = load_source(path)
    except SourceError as exc:
        raise click.UsageError(str(exc)) from exc
    if max_run_time is None and src.schedule is not None:
        max_run_time = src.schedule.max_run_time
    home = data_home()
    with open_store() as store:
        earlier = _to_resume(store, src.name) if resume else None
        what = f"Resuming run {earlier.id} of" if earlier else "Crawling"
        click.echo(f"{what} {src.name}; log under {(home / 'logs').resolve()}/")
        if distributed and resume:
            raise click.UsageError("--resume continues a local run; drop --distributed")
        distributed = distributed or src.distributed
        with CrawlProgress(src.name, Console()) as progress:
            if distributed:
                options = RunOptions(max_run_time=max_run_time)
                record = crawl_distributed(
                    store, src, path, settings=settings, options=options, on_beat=progress
                )
            else:
                record = run_source(
                    store,
                    src,
                    path,
                    home,
                    settings=settings,
                    options=RunOptions(max_run_time=max_run_time),
                    on_beat=progress,
                    resume=earlier,
                )
    if record.status == "skipped":  # another crawl holds the source: nothing to show
        raise click.ClickException(
            f"not crawling {src.name}: {record.finish_reason}; wait for it, or see "
            f"`archivist runs --source {src.name}`"
        )
    print_runs([record])
    if record.log_path:
        click.echo(f"log: {record.log_path}")
    if record.status != "finished":
        raise click.ClickException(
            f"crawl of {src.name} {record.status}: {record.finish_reason} (run {record.id})"
        )


def _to_resume(store: Store, source: str) -> RunRecord:
    found = resumable(store, source)
    if found is None:
        latest = store.runs(source=source, limit=1)
        said = f"its latest run is {latest[0].status}" if latest else "it has no run yet"
        raise click.ClickException(
            f"no run of {source} to resume: {said} (interrupted or stopped runs resume)"
        )
    return found


@click.group("schedule")
def schedule_group() -> None:
    """Check and list the sources' schedules."""


def _source_paths(files: tuple[Path, ...]) -> list[Path]:
    if files:
        return list(files)
    folder = sources_dir()
    paths = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])
    if not paths:
        raise click.ClickException(f"no source files (*.yaml) in {folder.resolve()}")
    return paths


@schedule_group.command("validate")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
def schedule_validate(files: tuple[Path, ...]) -> None:
    """Check FILES (default: every source file in the sources folder); exit 1 on any fault.

    Every fault of a file is told, one line each. Sources that crawl the same hosts (or
    scope prefixes) are told as a warning: allowed, their articles belong to both.
    """
    faulty, good = 0, []
    for path in _source_paths(files):
        try:
            src = load_source(path)
        except SourceError as exc:
            for fault in faults_of(exc):
                click.echo(f"FAULT {fault}", err=True)
            faulty += 1
            continue
        good.append(src)
        what = src.schedule.describe() if src.schedule else "no schedule: crawled only by hand"
        if src.schedule is not None and not src.schedule.enabled:
            what += " [disabled]"
        click.echo(f"ok    {path}: {what}")
    for overlap in overlaps(good):
        click.echo(f"warning {overlap.describe()}", err=True)
    if faulty:
        click.echo(f"{faulty} file(s) with faults", err=True)
        raise SystemExit(1)


@schedule_group.command("list")
@click.option("--count", default=3, show_default=True, help="Fire times to show per source.")
def schedule_list(count: int) -> None:
    """Whether the scheduler runs; each source with its schedule, last run and next fire
    times (the first as the scheduler's job store holds it)."""
    now, zone = datetime.now(UTC), shown_zone()
    with open_store() as store:
        state = read_state(data_home(), store.engine, now)
        click.echo(state.summary(zone, now))
        for path in _source_paths(()):
            try:
                src = load_source(path)
            except SourceError as exc:
                click.echo(f"{path.stem:<24} FAULT {exc}")
                continue
            last = store.runs(source=src.name, limit=1)
            last_text = (
                f"{last[0].status} {shown_time(last[0].started_at or last[0].finished_at, zone)}"
                if last
                else "never run"
            )
            if src.schedule is None:
                click.echo(f"{src.name:<24} by hand only; last run: {last_text}")
                continue
            state_text = "" if src.schedule.enabled else " [disabled]"
            click.echo(
                f"{src.name:<24} {src.schedule.describe()}{state_text}; last run: {last_text}"
            )
            if src.schedule.enabled:
                for line in _fire_lines(src, state, now, count):
                    click.echo(f"{'':<26}{line}")


def _fire_lines(src: Source, state: SchedulerState, now: datetime, count: int) -> list[str]:
    """The next fire times: the job store's first, then the schedule's from it."""
    assert src.schedule is not None
    zone = shown_zone()
    stored = state.next_fires.get(src.name)
    if stored is None:
        times = src.schedule.next_fire_times(now, count)
        note = "by its schedule: the scheduler has not loaded it yet"
        return [f"{shown_time(t, zone)} ({note})" for t in times]
    if not state.up:
        return [f"none while the scheduler is down (its job store says {shown_time(stored, zone)})"]
    every = src.schedule.every
    following = (
        [stored + timedelta(seconds=every * k) for k in range(1, count)]
        if every is not None
        else src.schedule.next_fire_times(stored + timedelta(microseconds=1), count - 1)
    )
    return [f"{shown_time(stored, zone)} (next, from the scheduler)"] + [
        shown_time(t, zone) for t in following
    ]


@click.command("scheduler")
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
    home = data_home()
    (home / "logs").mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(home / "logs" / "scheduler.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(handler)
    for name in ("crawler", "apscheduler"):
        logging.getLogger(name).setLevel(logging.INFO)
    with open_store() as store:
        daemon = Daemon(
            store,
            home,
            sources_dir(),
            runner=scheduled_runner(store, home, {}),
            reload_interval=reload_interval,
            kill_after=kill_after,
            max_concurrent=max_concurrent,
            evidence_signer=evidence_signer(),
        )
        try:
            daemon.serve()
        except SchedulerError as exc:
            raise click.ClickException(str(exc)) from exc
