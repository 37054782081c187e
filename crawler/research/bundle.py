"""Sealing a WACZ made by the ``wacz`` library into an evidence bundle, and its layout.

``seal`` adds the bundle's own files (the summary page, the versions and their diffs,
where each record came from) to the package, lists them with their sha256 in
``datapackage.json``, and writes ``datapackage-digest.json`` with the operator's
signature (``signing.py``).

The ZIP is written in one canonical way: every member stored (not deflated, so no zlib
version can change a byte), in a fixed order, all dated at the package's ``created``
time. A checker can then rebuild the same ZIP from the members it read and compare it
byte for byte with the file, so that a changed byte outside any member's content (a
ZIP header, the central directory) is caught too and named by the member it belongs to.
"""

from __future__ import annotations

import io
import json
import shutil
import struct
import zipfile
from datetime import datetime
from typing import IO, TYPE_CHECKING, Any

from crawler.research.signing import sha256_of

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from crawler.research.signing import Signer

__all__ = ["DIGEST_NAME", "PACKAGE_NAME", "ZipPart", "rebuild_zip", "seal", "zip_parts"]

PACKAGE_NAME = "datapackage.json"
DIGEST_NAME = "datapackage-digest.json"
_CHUNK = 1 << 20


def _zip_time(created: str) -> tuple[int, int, int, int, int, int]:
    when = datetime.fromisoformat(created)
    return (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)


def rebuild_zip(
    out: IO[bytes], names: list[str], opener: Callable[[str], IO[bytes]], created: str
) -> None:
    """Write the canonical ZIP of members ``names`` (read through ``opener``) to ``out``."""
    stamp = _zip_time(created)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zout:
        for name in names:
            info = zipfile.ZipInfo(name, stamp)
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            # zipfile's defaults, pinned: a checker on Windows (create_system 0) or a later
            # Python must rebuild the very same bytes
            info.create_system, info.create_version, info.extract_version = 3, 20, 20
            with opener(name) as src, zout.open(info, "w", force_zip64=False) as dst:
                shutil.copyfileobj(src, dst, _CHUNK)


def seal(
    partial: Path,
    output: Path,
    extra: dict[str, bytes],
    signer: Signer | None,
    software: str,
) -> dict[str, Any]:
    """Write ``output``: ``partial``'s members, then ``extra``, then the package files.

    Returns the ``datapackage-digest.json`` written."""
    with zipfile.ZipFile(partial) as zin:
        package = json.loads(zin.read(PACKAGE_NAME))
        kept = [n for n in zin.namelist() if n not in {PACKAGE_NAME, DIGEST_NAME}]
        for name, data in extra.items():
            package["resources"].append(
                {
                    "name": name.rsplit("/", 1)[-1].lower(),
                    "path": name,
                    "hash": sha256_of(data),
                    "bytes": len(data),
                }
            )
        packager = package.get("software")
        package["software"] = f"{software} (packaged by {packager})" if packager else software
        package_bytes = json.dumps(package, indent=2, ensure_ascii=False).encode("utf-8")
        digest: dict[str, Any] = {"path": PACKAGE_NAME, "hash": sha256_of(package_bytes)}
        if signer is not None:
            digest["signedData"] = signer.sign(digest["hash"], package["created"], software)
        digest_bytes = json.dumps(digest, indent=2).encode("utf-8")
        made = {**extra, PACKAGE_NAME: package_bytes, DIGEST_NAME: digest_bytes}

        def opener(name: str) -> IO[bytes]:
            if name in made:
                return io.BytesIO(made[name])
            return zin.open(name)

        with output.open("wb") as out:
            rebuild_zip(out, [*kept, *extra, PACKAGE_NAME, DIGEST_NAME], opener, package["created"])
    return digest


class ZipPart:
    """A byte range of a ZIP and what it is: a member's header or data, the central
    directory entry of a member, or the end record."""

    def __init__(self, start: int, end: int, what: str) -> None:
        self.start, self.end, self.what = start, end, what


def zip_parts(path: Path) -> Iterator[ZipPart]:
    """The parts of a ZIP written by ``rebuild_zip`` (no comment, no ZIP64), in file order."""
    with zipfile.ZipFile(path) as zf:
        infos = sorted(zf.infolist(), key=lambda i: i.header_offset)
        start_dir = zf.start_dir
    with path.open("rb") as fh:
        for info in infos:
            fh.seek(info.header_offset + 26)
            name_len, extra_len = struct.unpack("<HH", fh.read(4))
            data = info.header_offset + 30 + name_len + extra_len
            yield ZipPart(info.header_offset, data, f"the ZIP header of {info.filename}")
            yield ZipPart(data, data + info.compress_size, info.filename)
        fh.seek(start_dir)
        at = start_dir
        for info in sorted(infos, key=lambda i: i.header_offset):
            fh.seek(at + 28)
            n, m, k = struct.unpack("<HHH", fh.read(6))
            yield ZipPart(at, at + 46 + n + m + k, f"the ZIP directory entry of {info.filename}")
            at += 46 + n + m + k
        fh.seek(0, 2)
        yield ZipPart(at, fh.tell(), "the ZIP end record")
