"""``archivist wacz``: a collection (or one run of it) as a WACZ file for ReplayWeb.page.

The package is built by the ``wacz`` library (Webrecorder's reference implementation
of the WACZ 1.1.1 spec): it copies the WARC files in uncompressed ("stored", so that
ReplayWeb.page reads ranges), indexes them into a compressed, block-indexed CDXJ, and
writes ``datapackage.json`` with every file's sha256 and size. What it gets from here is
``pages/pages.jsonl``: one line per article URL (the spec's ``url`` and ``ts``, and its
optional ``id``, ``title`` and ``text``), so that the archive is searchable by article
text in ReplayWeb.page. A page captured several times is listed once, at the capture its
current version was extracted from (else its latest in the package): ``ts`` is that
capture's time, ``id`` its WARC record's position (``file:offset``), and ``title`` and
``text`` what was extracted from it.
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from archive.warc.cdxj import lookup
from crawler.errors import WaczError

if TYPE_CHECKING:
    from archive.store import Store, StoredArticle

__all__ = ["WaczError", "WaczReport", "write_pages", "write_wacz"]


@dataclass(frozen=True)
class WaczReport:
    path: Path
    warc_files: int
    pages: int


def _iso(timestamp: str) -> str:
    when = datetime.strptime(timestamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    return when.isoformat().replace("+00:00", "Z")


def write_pages(store: Store | None, folder: Path, files: set[str], out: Path) -> int:
    """Write pages.jsonl: each stored article's URL with a capture in ``files``, once."""
    count = 0
    with out.open("w", encoding="utf-8") as fh:
        header = {"format": "json-pages-1.0", "id": "pages", "title": f"{folder.name}: articles"}
        fh.write(json.dumps(header, ensure_ascii=False) + "\n")
        if store is None:
            return 0
        listed: set[str] = set()
        for stored in store.articles():
            if stored.collection != folder.name or stored.article.url in listed:
                continue
            page = _page(stored, folder / "indexes", files)
            if page is not None:
                listed.add(stored.article.url)
                fh.write(json.dumps(page, ensure_ascii=False) + "\n")
                count += 1
    return count


def _page(stored: StoredArticle, indexes: Path, files: set[str]) -> dict[str, str] | None:
    """The page line of ``stored``: at the capture its version came from if the package
    holds it, else at the latest one it holds; None if it holds none."""
    article, ref = stored.article, stored.capture
    captures = [
        entry
        for entry in lookup(indexes, article.url)
        if entry.filename in files and entry.status == "200"
    ]
    if not captures:
        return None
    same = (e for e in captures if (e.filename, e.offset) == (ref.filename, ref.offset))
    entry = next(same, captures[-1])
    return {
        "id": f"{entry.filename}:{entry.offset}",
        "url": article.url,
        "ts": _iso(entry.timestamp),
        "title": article.title,
        "text": article.body,
    }


def write_wacz(
    folder: Path,
    output: Path,
    store: Store | None,
    warc_names: list[str] | None = None,
    title: str | None = None,
) -> WaczReport:
    """Package ``folder``'s WARCs (all, or ``warc_names``) and article pages into ``output``."""
    from wacz.main import main as wacz_main  # noqa: PLC0415 - heavy; only this command needs it

    archive = folder / "archive"
    warcs = sorted(archive.glob("*.warc.gz"))
    if warc_names is not None:
        wanted = set(warc_names)
        missing = sorted(wanted - {p.name for p in warcs})
        if missing:
            raise WaczError(f"WARC files of the run are not in {archive}: {', '.join(missing)}")
        warcs = [p for p in warcs if p.name in wanted]
    if not warcs:
        raise WaczError(f"no WARC files to package in {archive}")
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="archivist-wacz-") as tmp:
        pages_path = Path(tmp) / "pages.jsonl"
        pages = write_pages(store, folder, {p.name for p in warcs}, pages_path)
        partial = output.with_name(f".{output.name}.partial")
        args = ["create", "-o", str(partial), "-p", str(pages_path), "-c"]
        args += ["--title", title or f"archivist collection {folder.name}"]
        args += [str(p) for p in warcs]
        said = io.StringIO()
        with contextlib.redirect_stdout(said):  # the library prints its progress
            code = wacz_main(args)
        if code not in (0, None) or not partial.is_file():
            partial.unlink(missing_ok=True)
            raise WaczError(f"the wacz library failed (exit {code}):\n{said.getvalue()}")
        partial.replace(output)
    return WaczReport(output, len(warcs), pages)
