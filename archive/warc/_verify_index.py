"""The verifier's checks of a collection's CDXJ index against its WARC files: every
entry points at a record that is there, and every indexable record has an entry."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

    from archive.warc._report import Report


def _norm_digest(value: str) -> str:
    return value.split(":", 1)[-1].upper()


def _check_index_line(
    rep: Report, where: tuple[str, int], line: str, hit: set[tuple[str, int]]
) -> None:
    parts = line.split(" ", 2)
    try:
        entry = json.loads(parts[2])
        key = (Path(str(entry["filename"])).name, int(entry["offset"]))
    except (IndexError, ValueError, KeyError, TypeError):
        rep.add(*where, f"bad index line: {line[:80]!r}")
        return
    seen = rep.by_offset.get(key)
    if seen is None:
        rep.add(*where, f"index entry points nowhere: {key[0]} @ {key[1]}")
        return
    hit.add(key)
    length = int(entry.get("length", -1))
    if seen.length >= 0 and length != seen.length:
        rep.add(
            *where, f"index length {length} != record length {seen.length} ({key[0]} @ {key[1]})"
        )
    digest = str(entry.get("digest", ""))
    if digest and seen.digest and _norm_digest(digest) != _norm_digest(seen.digest):
        rep.add(
            *where, f"index digest {digest} != record digest {seen.digest} ({key[0]} @ {key[1]})"
        )


def check_indexes(rep: Report, indexes: Iterable[Path], files: list[Path]) -> None:
    hit: set[tuple[str, int]] = set()
    for index in indexes:
        try:
            with index.open(encoding="utf-8") as fh:
                for number, line in enumerate(fh, 1):
                    if line.strip() and not line.startswith("!"):
                        _check_index_line(rep, (str(index), number), line.rstrip("\n"), hit)
        except (OSError, UnicodeDecodeError) as exc:
            rep.add(str(index), 0, f"unreadable index: {exc}")
    names = {p.name for p in files}
    for key, seen in rep.by_offset.items():
        if key not in hit and key[0] in names:
            rep.add(seen.path, seen.offset, f"missing index entry ({seen.rtype} record)")


def collection_files(folder: Path) -> tuple[list[Path], list[Path]]:
    """A pywb collection folder's WARC/ARC files and CDXJ indexes."""
    archive = sorted(p for p in (folder / "archive").glob("*") if p.is_file())
    return archive, sorted((folder / "indexes").glob("*.cdxj"))
