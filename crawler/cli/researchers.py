"""Commands for researchers: the article records, their versions, changes and copies.

``archivist articles``, ``export``, ``history``, ``reposts`` and ``changes``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import click

from crawler.cli._env import open_store, shown_zone
from crawler.cli._text import count_of
from crawler.errors import ExportError
from crawler.research.export import Relations, write_export
from crawler.research.history import (
    field_diffs,
    pick_version,
    repost_lines,
    shown_diff,
)
from crawler.research.search import marked, snippet
from crawler.sources.times import shown_time

if TYPE_CHECKING:
    from datetime import datetime

    from archive.store import Republication, Store, StoredArticle
    from crawler.research.search import Piece


@click.command("articles")
@click.argument("query", required=False)
@click.option("--source", help="Only this source.")
@click.option(
    "--since",
    type=click.DateTime(),
    help="Only articles last seen since this date (in the display zone, ARCHIVIST_TIMEZONE).",
)
@click.option("--limit", default=50, show_default=True)
def articles_command(
    query: str | None, source: str | None, since: datetime | None, limit: int
) -> None:
    """List article records, newest first; QUERY searches ignoring case and diacritics."""
    when = since.replace(tzinfo=shown_zone()) if since else None
    with open_store() as store:
        found = store.articles(source=source, since=when, query=query, limit=limit)
    for stored in found:
        _print_hit(stored, query)
    click.echo(count_of(len(found), "article"))


def _print_hit(stored: StoredArticle, query: str | None) -> None:
    """An article's date, source, title and URL; for a search, the words around what
    matched, the matching words in bold in a terminal."""
    article = stored.article
    date = article.published.value.date().isoformat() if article.published else "?"
    title = _styled(marked(article.title, query)) if query else article.title
    click.echo(f"{date}  {stored.source:<16} {title}\n            {article.url}")
    if query and (words := snippet(article, query)):
        click.echo(f"            {_styled(words)}")


def _styled(pieces: list[Piece]) -> str:
    return "".join(
        click.style(text, bold=True, fg="yellow") if hit else text for text, hit in pieces
    )


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv", "parquet"]), default="jsonl")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--source", help="Only this source.")
@click.option(
    "--excel",
    is_flag=True,
    help="CSV for spreadsheets: a UTF-8 byte order mark first, so Excel reads the letters right.",
)
def export_command(fmt: str, output: Path, source: str | None, excel: bool) -> None:
    """Write the current version of every article to a JSON Lines, CSV or Parquet file.

    Each row also names the archived article it republishes (original_url) and counts
    the archived articles that republish it (copies), as archivist reposts finds them;
    fetched_at is when its capture was made (ISO 8601, UTC; a UTC timestamp in Parquet).
    """
    if excel and fmt != "csv":
        raise click.UsageError("--excel is for CSV: add --format csv")
    with open_store() as store:
        found = store.articles(source=source)
        relations = Relations(store.republications())
    try:
        count = write_export(found, output, fmt, relations, excel=excel)
    except ExportError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{count_of(count, 'article')} written to {output}")


@click.command("history")
@click.argument("url")
@click.option(
    "--diff",
    "pair",
    nargs=2,
    metavar="OLD NEW",
    help="Two versions: their numbers in the list (1 = first seen), or id:N for a version id.",
)
def history_command(url: str, pair: tuple[str, str] | None) -> None:
    """List the versions of the article at URL and show what changed, word by word.

    Versions are numbered 1, 2, ... in the order they were captured (the id column is
    the records' own id). Without --diff, the last two versions are compared.
    """
    with open_store() as store:
        print_history(store, url, pair)


def print_history(store: Store, url: str, pair: tuple[str, str] | None = None) -> None:
    """What ``archivist history URL [--diff OLD NEW]`` prints."""
    versions = store.versions(url)
    events = [e for e in store.events() if e.url == url]
    if not versions:
        raise click.ClickException(f"no article recorded at {url}")
    zone = shown_zone()
    click.echo(f"{'version':>7} {'id':>6}  {'captured':<24} {'seen by':<20} {'words':>6}  title")
    timeline = [
        (
            stored.fetched_at,
            (
                f"{number:>7} {stored.version_id:>6}  {shown_time(stored.fetched_at, zone):<24} "
                f"{stored.seen_by:<20} {stored.article.word_count:>6}  {stored.article.title}"
            ),
        )
        for number, stored in enumerate(versions, 1)
    ]
    timeline += [
        (event.at, f"{event.kind:>7}  {shown_time(event.at, zone)}  {event.detail}")
        for event in events
    ]
    for _, line in sorted(timeline, key=lambda item: item[0]):
        click.echo(line)
    if pair:
        old, new = (_version(versions, url, given) for given in pair)
    elif len(versions) >= 2:
        old, new = versions[-2], versions[-1]
    else:
        return
    numbers = {v.version_id: n for n, v in enumerate(versions, 1)}
    click.echo(f"\nversion {numbers[old.version_id]} -> {numbers[new.version_id]}:")
    _print_diffs(old, new)


def _version(versions: list[StoredArticle], url: str, given: str) -> StoredArticle:
    found = pick_version(versions, given)
    if found is None:
        raise click.ClickException(
            f"{url} has no version {given}: give a number from 1 to {len(versions)}, "
            "or id:N with an id from the list above"
        )
    return found


def _print_diffs(old: StoredArticle, new: StoredArticle) -> None:
    """Each field that differs, word by word, wrapped to the terminal's width."""
    width = shutil.get_terminal_size((100, 24)).columns
    changed = field_diffs(old, new)
    for name, text in changed.items():
        for line in shown_diff(name, text, width):
            click.echo(line)
    if not changed:
        click.echo("(no difference in title, authors, dates, credit or body)")


@click.command("reposts")
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
    with open_store() as store:
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
    originals = len({item.original.url for item in found})
    click.echo(f"{count_of(originals, 'original')}, {count_of(len(found), 'copy', 'copies')}")


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
    _print_diffs(original, copy)


@click.command("changes")
@click.option(
    "--since",
    type=click.DateTime(),
    help="Only changes since this date (in the display zone, ARCHIVIST_TIMEZONE).",
)
@click.option("--source", help="Only this source.")
@click.option("--format", "fmt", type=click.Choice(["text", "jsonl"]), default="text")
def changes_command(since: datetime | None, source: str | None, fmt: str) -> None:
    """List edits, removals and restorations of articles, oldest first.

    A removal says how many archived copies on other sites keep the article (JSON Lines:
    their URLs, in ``copies``).
    """
    when = since.replace(tzinfo=shown_zone()) if since else None
    with open_store() as store:
        print_changes(store, when, source, fmt)


def print_changes(
    store: Store, since: datetime | None = None, source: str | None = None, fmt: str = "text"
) -> None:
    """What ``archivist changes`` prints."""
    found = store.changes(since=since, source=source)
    zone = shown_zone()
    kept = {c.url: [copy.url for copy in store.copies(c.url)] for c in found if c.kind == "removed"}
    for change in found:
        copies = kept.get(change.url, []) if change.kind == "removed" else []
        if fmt == "jsonl":
            row = change.to_dict()
            if change.kind == "removed":
                row["copies"] = copies
            click.echo(json.dumps(row, ensure_ascii=False))
            continue
        also = ""
        if copies:
            also = f"  (kept by {count_of(len(copies), 'copy', 'copies')}: archivist reposts URL)"
        click.echo(
            f"{shown_time(change.at, zone)}  {change.kind:<8} {change.source:<16} "
            f"{change.url}  {change.detail}{also}"
        )
    if fmt == "text":
        click.echo(count_of(len(found), "change"))
