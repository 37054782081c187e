"""Taking up what a killed crawl left: its files closed, indexed and recorded.

A crawl killed outright (SIGKILL, a power cut, the OOM killer) leaves WARC files
``.open``, captures it had not yet handed to the store (the capture log writes in
batches), article pages it had captured but not extracted, per-file indexes it had not
written or merged, and a stats file that stopped at its last live write.
``recover_run`` makes all of it whole, the same way whoever finds it (the run's own
watcher, a command closing an orphaned row, the scheduler):

1. every ``.open`` file of the collection whose writer is dead is cut after its last
   whole record and closed (``archive.warc.recover``), in ``archive/`` and ``derived/``;
2. every WARC file of the run (its ``warcinfo`` names the run) is indexed again and
   merged into ``index.cdxj`` (the merge drops the lines it held already);
3. every response and revisit of those files goes to the store's ``captures`` table
   (an upsert by record id: the ones the crawl recorded stay as they are);
4. every article page among them that no derived record refers to yet is extracted and
   recorded, with the code ``archivist extract`` uses;
5. the run's figures are counted from its files and the store, not from the stats file:
   pages (responses and revisits), bytes, new and changed articles.
"""

from __future__ import annotations

import logging
import socket
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from archive import recover_abandoned
from archive.warc.cdxj import index_file, merge_indexes
from archive.warc.reader import iter_responses, read_warcinfo, referred_records
from crawler.research.rebuild import (
    RebuildReport,
    extract_into,
    index_capture,
    is_article,
    rule_for,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from datetime import datetime
    from pathlib import Path

    from archive.store import Store
    from archive.warc.reader import StoredResponse
    from crawler.sites.articles import ArticleRule

__all__ = ["Recovery", "recover_run", "run_files"]

logger = logging.getLogger(__name__)


@dataclass
class Recovery:
    """What ``recover_run`` did, and the run's figures as its files give them."""

    closed: list[str] = field(default_factory=list)
    """``.open`` files closed (the run's and any other dead writer's of the collection)."""
    files: list[str] = field(default_factory=list)
    """Every WARC file of the run, oldest first."""
    pages: int = 0
    archived_bytes: int = 0
    extracted: int = 0
    """Article pages extracted now: captured, but not extracted before the crawl died."""
    articles_new: int = 0
    articles_changed: int = 0
    failures: list[str] = field(default_factory=list)

    def figures(self) -> dict[str, object]:
        """The run row's figures (``Store.finish_run`` keywords)."""
        return {
            "pages": self.pages,
            "archived_bytes": self.archived_bytes,
            "articles_new": self.articles_new,
            "articles_changed": self.articles_changed,
            "warc_files": tuple(self.files),
        }


def _oldest_first(path: Path) -> list[str]:
    # <prefix>-<timestamp>-<serial>-<host>-<pid>: the prefix may hold dashes itself
    return path.name.split("-")[-4:]


def run_files(archive_dir: Path, run_id: str) -> list[Path]:
    """The closed WARC files of ``archive_dir`` whose ``warcinfo`` names ``run_id``."""
    if not archive_dir.is_dir():
        return []
    found = [
        path
        for path in archive_dir.glob("*.warc.gz")
        if read_warcinfo(path).get("archivist-run-id") == run_id
    ]
    return sorted(found, key=_oldest_first)


def _extracted(derived_dir: Path, since: datetime | None) -> set[str]:
    """Record ids of the responses that derived records (written since ``since``) refer to."""
    refs: set[str] = set()
    if not derived_dir.is_dir():
        return refs
    floor = since.timestamp() - 60 if since is not None else 0.0
    for path in derived_dir.glob("*.warc.gz"):
        if path.stat().st_mtime < floor:
            continue
        refs |= referred_records(path, "conversion")
    return refs


def recover_run(
    store: Store,
    home: Path,
    collection: str,
    run_id: str,
    sources_dir: Path,
    *,
    started_at: datetime | None = None,
) -> Recovery:
    """Make whole what the run's killed crawl left (see the module's docstring)."""
    recovery = Recovery()
    folder = home / "collections" / collection
    host = socket.gethostname()
    for sub in ("archive", "derived"):
        if (folder / sub).is_dir():
            recovery.closed += [path.name for path in recover_abandoned(folder / sub, host)]
    files = run_files(folder / "archive", run_id)
    recovery.files = [path.name for path in files]
    recovery.archived_bytes = sum(path.stat().st_size for path in files)
    if files:
        for path in files:
            index_file(path, folder / "indexes")
        merge_indexes(folder / "indexes")
    done = _extracted(folder / "derived", started_at)
    report = RebuildReport()
    pages = _record_captures(store, files, collection, run_id, sources_dir, recovery, done)
    extract_into(store, pages, report)
    recovery.extracted = report.articles
    recovery.failures = report.failures
    recovery.articles_new, recovery.articles_changed = store.run_articles(run_id)
    if recovery.closed or recovery.extracted:
        logger.warning(
            "Run %s: closed %d file(s) left open, extracted %d article page(s) left behind",
            run_id,
            len(recovery.closed),
            recovery.extracted,
        )
    return recovery


def _record_captures(  # noqa: PLR0917 - the run and what to tell back
    store: Store,
    files: list[Path],
    collection: str,
    run_id: str,
    sources_dir: Path,
    recovery: Recovery,
    done: set[str],
) -> Iterator[tuple[str, StoredResponse]]:
    """Each capture of ``files`` into the store; yields the article pages not extracted."""
    rules: dict[str, ArticleRule] = {}
    log = store.capture_log(collection, run_id)
    try:
        for path in files:
            for response in iter_responses(path, revisits=True):
                index_capture(log, response)
                recovery.pages += 1
                if response.rec_type != "response" or response.ref.record_id in done:
                    continue
                rule = rule_for(response.info.get("archivist-source", ""), sources_dir, rules)
                if is_article(response, rule):
                    yield collection, response
    finally:
        log.close()
