"""CDXJ indexes of a collection, in pywb's layout, and look-ups in them.

``collections/<c>/indexes/`` holds ``index.cdxj`` (sorted, every closed WARC of the
collection) and, between merges, one sorted ``<warc name>.cdxj`` per newly closed
file. pywb reads every ``*.cdxj`` of the folder, so a capture replays as soon as its
file is indexed, before any merge.

* ``index_file``: one closed WARC -> its own sorted ``.cdxj`` (cdxj-indexer does the
  indexing: pywb's own format, SURT keys, the fields pywb needs), written atomically.
* ``merge_indexes``: the per-file indexes and ``index.cdxj`` -> a new ``index.cdxj``,
  merged by streaming (``heapq.merge`` over sorted files: memory does not grow with the
  archive), under an ``flock`` so that crawls closing files at once do not collide.
* ``reindex_collection``: every WARC of the collection, from scratch.
* ``lookup``: the captures of one URL, by binary search in each sorted file.
"""

from __future__ import annotations

import contextlib
import fcntl
import heapq
import json
import logging
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from archive.errors import CollectionError

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from pathlib import Path

__all__ = [
    "INDEX_NAME",
    "IndexEntry",
    "index_file",
    "lookup",
    "merge_indexes",
    "part_path",
    "reindex_collection",
    "url_key",
    "write_sorted",
]

logger = logging.getLogger(__name__)

INDEX_NAME = "index.cdxj"
_LOCK_NAME = ".merge.lock"
_WARC_SUFFIXES = (".warc.gz", ".warc", ".arc.gz", ".arc")


def url_key(url: str) -> str:
    """The SURT key pywb and cdxj-indexer sort by: ``http://a.b/c`` -> ``b,a)/c``."""
    import surt  # noqa: PLC0415 - with tldextract and requests: 10 MB a crawl need not hold

    try:
        return str(surt.surt(url))
    except Exception:  # noqa: BLE001 - as cdxj-indexer does: a bad URL keys as itself
        return url


@dataclass(frozen=True, order=True)
class IndexEntry:
    """One capture in a CDXJ index."""

    urlkey: str
    timestamp: str
    fields: dict[str, Any] = field(compare=False)

    @classmethod
    def parse(cls, line: str) -> IndexEntry:
        key, timestamp, data = line.rstrip("\n").split(" ", 2)
        return cls(key, timestamp, json.loads(data))

    @property
    def url(self) -> str:
        return str(self.fields.get("url", ""))

    @property
    def status(self) -> str:
        return str(self.fields.get("status", "-"))

    @property
    def digest(self) -> str:
        return str(self.fields.get("digest", ""))

    @property
    def mime(self) -> str:
        return str(self.fields.get("mime", ""))

    @property
    def filename(self) -> str:
        return str(self.fields.get("filename", ""))

    @property
    def offset(self) -> int:
        return int(self.fields.get("offset", 0))

    @property
    def length(self) -> int:
        return int(self.fields.get("length", 0))

    @property
    def kind(self) -> str:
        """The record type when it is not a plain response (``revisit``, ``metadata``...)."""
        return "revisit" if self.mime == "warc/revisit" else str(self.fields.get("mime", ""))


def _part_name(warc: Path) -> str:
    return warc.name + ".cdxj"


def part_path(indexes_dir: Path, warc_name: str) -> Path:
    """Where the unsorted lines of ``warc_name`` (its final name) gather while the writer
    indexes it as it writes it (``_index_lines``); left behind only by a crash."""
    return indexes_dir / f".{warc_name}.cdxj.open"


def _atomic_write_index(warc: Path, out: Path) -> None:
    # Imported here: cdxj-indexer brings pyamf, pkg_resources, surt, tldextract and
    # requests (about 10 MB), which a crawl needs only when a WARC file closes.
    from cdxj_indexer.main import CDXJIndexer  # noqa: PLC0415

    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        CDXJIndexer(output=str(tmp), inputs=[str(warc)], sort=True).process_all()
        with tmp.open("rb") as fh:
            os.fsync(fh.fileno())
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)


def index_file(warc: Path, indexes_dir: Path) -> Path:
    """Index one closed WARC into ``indexes_dir/<name>.cdxj``; returns that path."""
    indexes_dir.mkdir(parents=True, exist_ok=True)
    out = indexes_dir / _part_name(warc)
    try:
        _atomic_write_index(warc, out)
    except Exception as exc:
        raise CollectionError(indexes_dir, f"cannot index {warc.name}: {exc}") from exc
    part_path(indexes_dir, warc.name).unlink(missing_ok=True)  # a crashed writer's lines
    return out


@contextlib.contextmanager
def _merge_lock(indexes_dir: Path) -> Iterator[None]:
    fd = os.open(indexes_dir / _LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def write_sorted(lines: Iterable[str], target: Path) -> int:
    """Write sorted index ``lines`` to ``target`` atomically (a temporary file, fsynced,
    renamed), each capture once and no blank line; returns the lines written."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    count = 0
    try:
        with tmp.open("w", encoding="utf-8") as out:
            previous = None
            for raw in lines:
                line = raw if raw.endswith("\n") else raw + "\n"
                if line != previous and line.strip():  # the same capture indexed twice
                    out.write(line)
                    count += 1
                previous = line
            out.flush()
            os.fsync(out.fileno())
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    return count


def _merge_into(sources: list[Path], target: Path) -> int:
    """Merge sorted index files into ``target`` (atomically); returns its line count."""
    with contextlib.ExitStack() as stack:
        inputs = [stack.enter_context(path.open(encoding="utf-8")) for path in sources]
        return write_sorted(heapq.merge(*inputs), target)


def merge_indexes(indexes_dir: Path) -> int:
    """Fold every per-file index into ``index.cdxj``; returns how many files were folded."""
    if not indexes_dir.is_dir():
        return 0
    with _merge_lock(indexes_dir):
        parts = sorted(p for p in indexes_dir.glob("*.cdxj") if p.name != INDEX_NAME)
        if not parts:
            return 0
        main = indexes_dir / INDEX_NAME
        sources = [main, *parts] if main.exists() else parts
        _merge_into(sources, main)
        for part in parts:
            part.unlink(missing_ok=True)
    return len(parts)


def _index_parts(pairs: list[tuple[Path, Path]], jobs: int) -> None:
    """Index each (WARC, part) pair; ``jobs`` files at a time, each in its own process."""
    if jobs <= 1 or len(pairs) <= 1:
        for warc, part in pairs:
            _atomic_write_index(warc, part)
        return
    with ProcessPoolExecutor(min(jobs, len(pairs))) as pool:
        for _ in pool.map(_atomic_write_index, *zip(*pairs, strict=True)):
            pass


def reindex_collection(collection_dir: Path, jobs: int = 1) -> tuple[int, int]:
    """Index every WARC of ``collection_dir/archive`` afresh (``jobs`` files at a time);
    returns (files, captures)."""
    archive = collection_dir / "archive"
    if not archive.is_dir():
        raise CollectionError(collection_dir, "it has no archive/ folder of WARC files")
    indexes = collection_dir / "indexes"
    indexes.mkdir(parents=True, exist_ok=True)
    warcs = sorted(p for p in archive.iterdir() if p.name.endswith(_WARC_SUFFIXES))
    staging = indexes / f".reindex-{os.getpid()}"
    staging.mkdir(exist_ok=True)
    try:
        parts = [staging / _part_name(warc) for warc in warcs]
        _index_parts(list(zip(warcs, parts, strict=True)), jobs)
        with _merge_lock(indexes):
            target = indexes / INDEX_NAME
            if parts:
                captures = _merge_into(parts, target)
            else:
                target.write_text("", encoding="utf-8")
                captures = 0
            # Everything the per-file indexes held is in the new index.cdxj now.
            for stale in indexes.glob("*.cdxj"):
                if stale.name != INDEX_NAME:
                    stale.unlink(missing_ok=True)
    finally:
        for leftover in staging.iterdir():
            leftover.unlink(missing_ok=True)
        staging.rmdir()
    return len(warcs), captures


def _lines_from(fh: Any, key: str) -> Iterator[str]:
    """Lines of a sorted index file whose key is ``key``, found by binary search."""
    fh.seek(0, os.SEEK_END)
    size = fh.tell()
    prefix = (key + " ").encode()

    def line_at_or_after(position: int) -> bytes:
        """Seek to the first line that starts at or after ``position``; read it."""
        if position == 0:
            fh.seek(0)
        else:
            fh.seek(position - 1)
            fh.readline()  # the rest of the line holding position - 1
        return bytes(fh.readline())

    low, high = 0, size
    while low < high:  # the smallest position whose next line sorts at or after the key
        middle = (low + high) // 2
        line = line_at_or_after(middle)
        if not line or line >= prefix:
            high = middle
        else:
            low = middle + 1
    line = line_at_or_after(low)
    while line.startswith(prefix):
        yield line.decode("utf-8")
        line = fh.readline()


def lookup(indexes_dir: Path, url: str) -> list[IndexEntry]:
    """Every capture of ``url`` in the collection's indexes, oldest first."""
    key = url_key(url)
    entries: set[tuple[str, str, str]] = set()
    found: list[IndexEntry] = []
    for path in sorted(indexes_dir.glob("*.cdxj")):
        with path.open("rb") as fh:
            for line in _lines_from(fh, key):
                entry = IndexEntry.parse(line)
                identity = (entry.timestamp, entry.filename, str(entry.offset))
                if identity not in entries:
                    entries.add(identity)
                    found.append(entry)
    return sorted(found)
