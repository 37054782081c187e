"""Commands over the WARC files alone: ``archivist verify``, ``index`` and ``extract``."""

from __future__ import annotations

from pathlib import Path

import click

from archive.warc.cdxj import INDEX_NAME, reindex_collection
from archive.warc.verify import Report, collection_files, default_jobs, verify_paths
from crawler.cli._env import collection_folders, data_home, open_store, sources_dir
from crawler.research.rebuild import rebuild

JOBS = click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=default_jobs,
    show_default="every core",
    help="WARC files read at once, each in its own process.",
)


@click.command("index")
@click.option("--collection", help="Only this collection (default: every one).")
@JOBS
def index_command(collection: str | None, jobs: int) -> None:
    """Rebuild the CDXJ index of each collection from its WARC files (crawls keep it current)."""
    for folder in collection_folders(collection):
        files, captures = reindex_collection(folder, jobs=jobs)
        click.echo(
            f"{folder.name}: {files} WARC files, {captures} captures -> indexes/{INDEX_NAME}"
        )


@click.command("extract")
@click.option("--collection", help="Only this collection (default: every one).")
def extract_command(collection: str | None) -> None:
    """Rebuild every article record from the WARC files alone, with the current extractor."""
    with open_store() as store:
        report = rebuild(store, data_home(), sources_dir(), collection)
    counts = ", ".join(f"{n} {status}" for status, n in sorted(report.statuses.items()))
    click.echo(
        f"{report.files} WARC files, {report.pages} responses, "
        f"{report.articles} articles ({counts or 'none'})"
    )
    for failure in report.failures:
        click.echo(f"  failed: {failure}", err=True)


def _gather(paths: tuple[Path, ...], collection: str | None) -> tuple[list[Path], list[Path]]:
    files: list[Path] = []
    indexes: list[Path] = []
    folders = [data_home() / "collections" / collection] if collection else []
    for path in paths:
        if path.is_dir() and (path / "archive").is_dir():
            folders.append(path)
        elif path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.is_file()))
        else:
            files.append(path)
    for folder in folders:
        if not folder.is_dir():
            raise click.UsageError(f"no collection folder at {folder}")
        more, idx = collection_files(folder)
        files += more
        indexes += idx
    return files, indexes


def _print(report: Report) -> None:
    for finding in report.findings:
        click.echo(str(finding), err=not finding.fault)
    click.echo(
        f"{report.files} files, {report.records} records, "
        f"{len(report.faults)} faults, {len(report.warnings)} warnings"
    )


@click.command("verify")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--collection", "-c", default=None, help="Check a collection and its index.")
@JOBS
def verify_command(paths: tuple[Path, ...], collection: str | None, jobs: int) -> None:
    """Check WARC/ARC files (structure, gzip, lengths, dates, digests, links, index)."""
    if not paths and not collection:
        raise click.UsageError("give files, a collection folder, or --collection")
    files, indexes = _gather(paths, collection)
    report = verify_paths(files, indexes, jobs=jobs)
    _print(report)
    if report.faults:
        raise SystemExit(1)
