"""Commands that read captures as they were: ``archivist captures``, ``show``, ``replay``
(pywb) and ``wacz`` (for ReplayWeb.page)."""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from archive.text.charset import decode_html
from archive.text.extract import decode_content
from archive.warc.cdxj import IndexEntry, lookup
from archive.warc.reader import StoredRecord, read_record_at
from crawler.cli._env import collection_folders, data_home, open_store, shown_zone
from crawler.cli._text import count_of
from crawler.research.replay import ReplayError, ensure_pywb, prepare_indexes, wayback_command
from crawler.research.wacz import WaczError, write_wacz
from crawler.runs.progress import human_size
from crawler.sources.times import shown_time

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo


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
    for folder in collection_folders(collection):
        found.extend((folder.name, entry) for entry in lookup(folder / "indexes", url))
    return sorted(found, key=lambda pair: pair[1].timestamp)


def _when(timestamp: str, zone: ZoneInfo | None = None) -> str:
    """A CDXJ timestamp (UTC, to the second) in the display zone."""
    zone = zone or shown_zone()
    moment = datetime.strptime(timestamp[:14], "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    return shown_time(moment, zone)


@click.command("captures")
@click.argument("url")
@click.option("--collection", help="Only this collection.")
def captures_command(url: str, collection: str | None) -> None:
    """List every capture of URL: time, status, type, digest, size and where it is."""
    found = _captures(url, collection)
    if not found:
        raise click.ClickException(f"no capture of {url} (archivist index rebuilds the indexes)")
    zone = shown_zone()
    click.echo(
        f"{'time':<24} {'status':>6}  {'type':<24} {'digest':<38} {'bytes':>8}  collection/file@offset"
    )
    for coll, entry in found:
        click.echo(
            f"{_when(entry.timestamp, zone):<24} {entry.status:>6}  {entry.mime[:24]:<24} "
            f"{entry.digest[:38]:<38} {entry.length:>8}  {coll}/{entry.filename}@{entry.offset}"
        )
    click.echo(f"{count_of(len(found), 'capture')} of {url}")


@click.command("show")
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
    path = data_home() / "collections" / coll / "archive" / entry.filename
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
    folder = data_home() / "collections" / collection
    for entry in lookup(folder / "indexes", target):
        if entry.timestamp == stamp and entry.mime != "warc/revisit":
            original = read_record_at(
                folder / "archive" / entry.filename, entry.offset, entry.length
            )
            click.echo(f"(a revisit: the body is the capture of {target} at {_when(stamp)})")
            return original.payload
    click.echo(f"(a revisit of {target} at {stamp}, which is not in this collection's index)")
    return b""


@click.command("replay")
@click.option("--port", default=8080, show_default=True, help="Port to serve on.")
@click.option("--bind", default="127.0.0.1", show_default=True, help="Address to listen on.")
def replay_command(port: int, bind: str) -> None:
    """Serve the data folder with pywb (built in its own environment on first use)."""
    home = data_home()
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


@click.command("wacz")
@click.argument("collection")
@click.option("--run", "run_id", help="Only the WARC files of this run.")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="The .wacz file."
)
def wacz_command(collection: str, run_id: str | None, output: Path | None) -> None:
    """Package COLLECTION (or one run of it) as a WACZ file for ReplayWeb.page."""
    (folder,) = collection_folders(collection)
    with open_store() as store:
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
