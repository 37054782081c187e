"""The exceptions that ``archive`` raises, in one place.

The tree::

    ArchiveError                 anything archive/ refuses or fails to do
    + RecordError                a record that cannot be built or read
    + WarcWriteError             a WARC file could not be written (disk full, ...)
    + CollectionError            a collection folder that is missing or unusable
    + StoreError                 the records database cannot be opened, migrated or written

Every message names the file, record or field at fault and, where there is one,
what to do next.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["ArchiveError", "CollectionError", "RecordError", "StoreError", "WarcWriteError"]


class ArchiveError(Exception):
    """Base class of every error raised by ``archive``."""


class RecordError(ArchiveError):
    """A WARC record could not be built from the values given."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"Cannot build a WARC record for {url!r}: {reason}")


class WarcWriteError(ArchiveError):
    """Writing to a WARC file failed; the file was cut back to its last whole record."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(
            f"Cannot write to WARC file {str(path)!r}: {reason}. "
            "Every record written before the failure is kept; "
            "free disk space (or fix the folder's permissions) and crawl again."
        )


class CollectionError(ArchiveError):
    """A collection folder could not be created or used."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"Cannot use collection folder {str(path)!r}: {reason}")


class StoreError(ArchiveError):
    """The records database could not be opened, migrated or written."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"Cannot use the records database {url}: {reason}")
