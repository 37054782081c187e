"""A rotating WARC file writer: ``WarcFileWriter``.

Files are written as ``<name>.warc.gz.open`` and renamed to ``<name>.warc.gz`` when
closed, so a file without ``.open`` is always complete. Each file starts with a
``warcinfo`` record; each record is its own gzip member. A file is closed and a new
one started once it reaches ``max_size`` bytes.

A failed write (disk full, quota, I/O error) cuts the file back to the end of its
last whole record, closes it and raises ``WarcWriteError``: what was written before
stays readable, and no half record is ever left behind.
"""

from __future__ import annotations

import logging
import os
import re
import socket
from datetime import UTC, datetime
from typing import TYPE_CHECKING, BinaryIO, Self

from archive.errors import CollectionError, WarcWriteError
from archive.warc import _record
from archive.warc._index_lines import IndexLines
from archive.warc.records import HttpExchange, Original, RecordRef

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from pathlib import Path
    from types import TracebackType

__all__ = ["WarcFileWriter", "resource_member"]

logger = logging.getLogger(__name__)

DEFAULT_MAX_SIZE = 1_000_000_000
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def _safe(part: str) -> str:
    return _UNSAFE.sub("_", part).strip("_") or "x"


class WarcFileWriter:
    """Writes request/response pairs into rotating, gzipped WARC files in ``directory``."""

    def __init__(
        self,
        directory: Path,
        *,
        prefix: str,
        info: Iterable[tuple[str, str]] = (),
        max_size: int = DEFAULT_MAX_SIZE,
        gzip_level: int = 6,
        warc_version: str = "1.1",
        host: str | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        index_dir: Path | None = None,
    ) -> None:
        if max_size <= 0:
            raise ValueError(f"max_size must be positive, got {max_size}")
        if warc_version not in {"1.0", "1.1"}:
            raise ValueError(f"warc_version must be '1.0' or '1.1', got {warc_version!r}")
        self.directory = directory
        self.prefix = _safe(prefix)
        self.info = list(info)
        self.max_size = max_size
        self.gzip_level = gzip_level
        self.version = warc_version
        self.host = _safe(host or socket.gethostname())
        self.clock = clock
        self.closed_files: list[Path] = []
        self.on_close: Callable[[Path], None] | None = None
        """Called with each file's final path once it is closed (to index it, say)."""
        self.index_dir = index_dir
        """Where each file's CDXJ index is written as the file is (``_index_lines``)."""
        self._index: IndexLines | None = None
        self._indexed: set[Path] = set()
        self._serial = 0
        self._fh: BinaryIO | None = None
        self._path: Path | None = None
        self._offset = 0
        self._warcinfo_id = ""
        self._failed: WarcWriteError | None = None

    def index_written(self, path: Path) -> bool:
        """Whether closing ``path`` wrote its index; if not, read it back to index it."""
        return path in self._indexed

    @property
    def current_path(self) -> Path | None:
        """The ``.open`` file being written, if any."""
        return self._path

    def write_exchange(
        self, exchange: HttpExchange, payload_digest: str | None = None
    ) -> tuple[RecordRef, RecordRef]:
        """Write the response and its request; return their places (response first).

        ``payload_digest`` (``sha1:`` base32 of the body) saves hashing it twice when the
        caller has it already.
        """
        if self._failed is not None:
            raise self._failed
        if self._fh is None:
            self._open()
        response = _record.response_record(
            exchange, self._warcinfo_id, self.version, payload_digest
        )
        request = _record.request_record(
            exchange, response.record_id, self._warcinfo_id, self.version
        )
        first, second = self._write_all((response, request))
        return first, second

    def write_response(
        self, exchange: HttpExchange, extra_fields: Sequence[tuple[str, str]] = ()
    ) -> RecordRef:
        """Write a ``response`` record alone, with ``extra_fields`` among its WARC fields:
        a capture made by someone else (another archive's, backfilled), whose request
        this side never saw."""
        if self._failed is not None:
            raise self._failed
        if self._fh is None:
            self._open()
        record = _record.response_record(
            exchange, self._warcinfo_id, self.version, extra_fields=extra_fields
        )
        return self._write_all((record,))[0]

    def write_revisit(
        self,
        exchange: HttpExchange,
        original: Original,
        *,
        not_modified: bool,
        request_exchange: HttpExchange | None = None,
        extra_fields: Sequence[tuple[str, str]] = (),
    ) -> tuple[RecordRef, RecordRef]:
        """Write a ``revisit`` of ``original`` and its request; return their places.

        ``request_exchange`` gives the request record when ``exchange`` holds a response
        other than the one on the wire (a 304 merged into the response it validated).
        """
        if self._failed is not None:
            raise self._failed
        if self._fh is None:
            self._open()
        revisit = _record.revisit_record(
            exchange,
            original,
            self._warcinfo_id,
            self.version,
            not_modified=not_modified,
            extra_fields=extra_fields,
        )
        request = _record.request_record(
            request_exchange or exchange, revisit.record_id, self._warcinfo_id, self.version
        )
        first, second = self._write_all((revisit, request))
        return first, second

    def write_derived(
        self, uri: str, refers_to: str, text: str, fields_json: str
    ) -> tuple[RecordRef, RecordRef]:
        """Write a ``conversion`` (text) and a ``metadata`` (JSON) record about a response."""
        if self._failed is not None:
            raise self._failed
        if self._fh is None:
            self._open()
        records = _record.derived_records(
            uri,
            refers_to,
            self.clock(),
            text,
            fields_json,
            warcinfo_id=self._warcinfo_id,
            version=self.version,
        )
        first, second = self._write_all(records)
        return first, second

    def _write_all(self, records: tuple[_record.WarcRecord, ...]) -> tuple[RecordRef, ...]:
        """Write ``records`` together (one append: all or none) and say where each lies."""
        members = [self._member(record) for record in records]
        start = self._append(b"".join(members))
        assert self._path is not None
        name = self._path.name.removesuffix(".open")
        refs = []
        for record, member in zip(records, members, strict=True):
            refs.append(
                RecordRef(name, start, len(member), record.record_id, record.payload_digest)
            )
            start += len(member)
        if self._index is not None:
            placed = [(r, ref.offset, ref.length) for r, ref in zip(records, refs, strict=True)]
            try:
                self._index.add(placed)
            except OSError as exc:  # the records are safe; the file is indexed by reading it
                logger.warning("Cannot index %s as it is written: %s", name, exc)
                self._index.discard()
        if self._offset >= self.max_size:
            self.close()
        return tuple(refs)

    def close(self) -> None:
        """Finish the current file (fsync, rename from ``.open``); a no-op if none is open."""
        if self._fh is None or self._path is None:
            return
        fh, path = self._fh, self._path
        self._fh = self._path = None
        try:
            fh.flush()
            os.fsync(fh.fileno())
        finally:
            fh.close()
        self._finish(path)

    def _member(self, record: _record.WarcRecord) -> bytes:
        if self.gzip_level:
            return _record.gzip_member(record.parts(self.version), self.gzip_level)
        return record.to_bytes(self.version)

    def _open(self) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CollectionError(self.directory, exc.strerror or str(exc)) from exc
        now = self.clock()
        suffix = ".warc.gz" if self.gzip_level else ".warc"
        name = (
            f"{self.prefix}-{now.astimezone(UTC):%Y%m%d%H%M%S}-{self._serial:05d}"
            f"-{self.host}-{os.getpid()}{suffix}"
        )
        self._serial += 1
        path = self.directory / f"{name}.open"
        try:
            self._fh = path.open("xb", buffering=0)
        except OSError as exc:
            raise WarcWriteError(path, exc.strerror or str(exc)) from exc
        self._path, self._offset = path, 0
        logger.info("Opened WARC file %s", path)
        if self.index_dir is not None and self.gzip_level:  # offsets of gzip members only
            try:
                self._index = IndexLines(self.index_dir, name)
            except OSError as exc:  # the file is then indexed by reading it back
                logger.warning("Cannot index %s as it is written: %s", name, exc)
        info = [*self.info, ("format", f"WARC File Format {self.version}")]
        warcinfo = _record.warcinfo_record(name, info, now, self.version)
        self._warcinfo_id = warcinfo.record_id
        self._append(self._member(warcinfo))

    def _append(self, data: bytes) -> int:
        """Write ``data`` whole at the end of the file, or cut back and fail."""
        assert self._fh is not None
        assert self._path is not None
        start = self._offset
        try:
            view = memoryview(data)
            while view:
                written = self._fh.write(view)
                if not written:
                    raise OSError("the file system accepted no more bytes")
                view = view[written:]
        except OSError as exc:
            self._fail(start, exc)
        self._offset += len(data)
        return start

    def _fail(self, good_end: int, exc: OSError) -> None:
        assert self._fh is not None
        assert self._path is not None
        path, fh = self._path, self._fh
        self._fh = self._path = None
        error = WarcWriteError(path, exc.strerror or str(exc))
        self._failed = error
        try:
            fh.truncate(good_end)
            fh.close()
        except OSError:
            logger.exception("Could not cut %s back to %d bytes; left as .open", path, good_end)
            raise error from exc
        if good_end == 0:
            if self._index is not None:
                self._index.discard()
                self._index = None
            path.unlink(missing_ok=True)
        else:
            self._finish(path)
        raise error from exc

    def _finish(self, open_path: Path) -> None:
        final = open_path.with_name(open_path.name.removesuffix(".open"))
        open_path.replace(final)
        self.closed_files.append(final)
        logger.info("Closed WARC file %s", final)
        index, self._index = self._index, None
        if index is not None:
            try:
                if index.finish() is not None:
                    self._indexed.add(final)
            except OSError as exc:  # the file is safe; it is indexed by reading it back
                logger.warning("Could not write the index of %s: %s", final.name, exc)
                index.discard()
        if self.on_close is not None:
            try:
                self.on_close(final)
            except Exception:  # the file is safe on disk: what follows must not undo that
                logger.exception("The on_close hook failed for %s", final)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def resource_member(uri: str, content_type: str, body: bytes, moment: datetime) -> bytes:
    """One ``resource`` record as a whole gzip member, to stand alone or be appended to a
    WARC file: a document made here (not captured), such as an evidence summary."""
    fields = [
        ("WARC-Type", "resource"),
        ("WARC-Record-ID", _record.make_record_id()),
        ("WARC-Date", _record.warc_date(moment)),
        ("WARC-Target-URI", uri),
        ("Content-Type", content_type),
        ("WARC-Payload-Digest", _record.sha1_digest([body])),
    ]
    return _record.gzip_member(_record.WarcRecord(fields, [body]).parts(), 6)
