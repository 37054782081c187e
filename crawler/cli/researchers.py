"""Commands for researchers: the article records, their versions, changes and copies.

``archivist articles``, ``export``, ``history``, ``reposts`` and ``changes``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from crawler.cli._env import open_store
from crawler.cli._text import count_of
from crawler.errors import ExportError
from crawler.research.export import Relations, write_export
from crawler.research.history import copies_text, field_diffs, repost_lines

if TYPE_CHECKING:
    from archive.store import Republication, Store


@click.command("articles")
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
    with open_store() as store:
        found = store.articles(source=source, since=when, query=query, limit=limit)
    for stored in found:
        article = stored.article
        date = article.published.value.date().isoformat() if article.published else "?"
        click.echo(f"{date}  {stored.source:<16} {article.title}\n            {article.url}")
    click.echo(count_of(len(found), "article"))


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv", "parquet"]), default="jsonl")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--source", help="Only this source.")
def export_command(fmt: str, output: Path, source: str | None) -> None:
    """Write the current version of every article to a JSON Lines, CSV or Parquet file.

    Each row also names the archived article it republishes (original_url) and counts
    the archived articles that republish it (copies), as archivist reposts finds them.
    """
    with open_store() as store:
        found = store.articles(source=source)
        relations = Relations(store.republications())
    try:
        count = write_export(found, output, fmt, relations)
    except ExportError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{count} articles written to {output}")


@click.command("history")
@click.argument("url")
@click.option("--diff", "pair", nargs=2, type=int, metavar="OLD NEW", help="Two version ids.")
def history_command(url: str, pair: tuple[int, int] | None) -> None:
    """List the versions of the article at URL and show what changed, word by word.

    Without --diff, the last two versions are compared.
    """
    with open_store() as store:
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


@click.command("changes")
@click.option("--since", type=click.DateTime(), help="Only changes since this date (UTC).")
@click.option("--source", help="Only this source.")
@click.option("--format", "fmt", type=click.Choice(["text", "jsonl"]), default="text")
def changes_command(since: datetime | None, source: str | None, fmt: str) -> None:
    """List edits, removals and restorations of articles, oldest first.

    A removal says how many archived copies on other sites keep the article (JSON Lines:
    their URLs, in ``copies``).
    """
    when = since.replace(tzinfo=UTC) if since else None
    with open_store() as store:
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
        click.echo(count_of(len(found), "change"))
