"""Evidence bundles written on their own: after a scheduled run, one for each article the
run saw edited or removed, when the source asks for it (``evidence_on`` in its file).

Bundles go to ``<home>/evidence/<key>/<UTC time>-<kind>.wacz``, ``key`` naming the
article's URL (``evidence.summary_url`` uses the same); the console's changes page links
each change to the bundle written for it (``bundle_path``).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError

from archive.errors import ArchiveError
from crawler.errors import CrawlerError
from crawler.research.evidence import url_key, write_evidence

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

    from archive.store import RunRecord, Store
    from crawler.research.signing import Signer

__all__ = ["EVIDENCE_DIR", "bundle_path", "write_change_bundles"]

logger = logging.getLogger(__name__)

EVIDENCE_DIR = "evidence"


def _utc(at: datetime) -> datetime:
    return at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC)


def bundle_path(home: Path, url: str, kind: str, at: datetime) -> Path:
    """Where the bundle written for one change of ``url`` lies."""
    return home / EVIDENCE_DIR / url_key(url) / f"{_utc(at):%Y%m%dT%H%M%SZ}-{kind}.wacz"


def write_change_bundles(
    store: Store, home: Path, run: RunRecord, kinds: Iterable[str], *, signer: Signer | None
) -> list[Path]:
    """A bundle for each change of ``kinds`` that ``run`` saw in its source's articles; a
    bundle that cannot be written is logged and skipped (the scheduler goes on)."""
    if run.started_at is None:
        return []
    wanted = set(kinds)
    until = _utc(run.finished_at) if run.finished_at is not None else None
    folders = sorted(p.parent for p in (home / "collections").glob("*/archive"))
    written: list[Path] = []
    for change in store.changes(since=run.started_at, source=run.source):
        if change.kind not in wanted or (until is not None and _utc(change.at) > until):
            continue
        target = bundle_path(home, change.url, change.kind, change.at)
        if target.exists():
            continue
        try:
            write_evidence(store, folders, change.url, target, signer)
        except (ArchiveError, CrawlerError, SQLAlchemyError, OSError) as exc:
            logger.error("Evidence of %s (%s) not written: %s", change.url, change.kind, exc)
            continue
        logger.info("Evidence of %s (%s) written to %s", change.url, change.kind, target)
        written.append(target)
    return written
