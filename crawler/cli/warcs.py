"""``archivist verify``: check WARC/ARC files and a collection's index (archive.warc.verify)."""

from __future__ import annotations

import os
from pathlib import Path

import click

from archive.warc.verify import Report, collection_files, verify_paths


def _home() -> Path:
    return Path(os.environ.get("ARCHIVIST_HOME") or "data")


def _gather(paths: tuple[Path, ...], collection: str | None) -> tuple[list[Path], list[Path]]:
    files: list[Path] = []
    indexes: list[Path] = []
    folders = [_home() / "collections" / collection] if collection else []
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
def verify_command(paths: tuple[Path, ...], collection: str | None) -> None:
    """Check WARC/ARC files (structure, gzip, lengths, dates, digests, links, index)."""
    if not paths and not collection:
        raise click.UsageError("give files, a collection folder, or --collection")
    files, indexes = _gather(paths, collection)
    report = verify_paths(files, indexes)
    _print(report)
    if report.faults:
        raise SystemExit(1)
