"""A run's log file as people read it: its warnings and errors, and a window around a line.

A crawl's log (``<home>/logs/<run id>.log``) is Scrapy's: records start
``2026-11-29 02:38:00 [logger] LEVEL: message``, and a record's further lines (a
traceback, the stats dump) do not. The crawl's stderr goes to the same file, so lines
before the first record (a crash before logging was set up) are kept as errors.
Lines are numbered from 1, as ``FailedUrl.line`` numbers them.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

__all__ = ["LogLine", "first_error", "log_window", "warning_tail"]

_RECORD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[[^\]]*\] ([A-Z]+):")
_EXCEPTION = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt)\b.*:")
_WORRYING = frozenset({"WARNING", "ERROR", "CRITICAL"})


@dataclass(frozen=True)
class LogLine:
    """One line of a run's log; ``number`` 0 is no line but why the log cannot be read."""

    number: int
    text: str


def _lines(path: Path) -> Iterator[LogLine]:
    with path.open(encoding="utf-8", errors="replace") as log:
        for number, line in enumerate(log, 1):
            yield LogLine(number, line.rstrip("\r\n"))


def _unreadable(exc: OSError) -> list[LogLine]:
    return [LogLine(0, f"(cannot read the log: {exc.strerror or exc})")]


def warning_tail(path: Path, count: int = 20) -> list[LogLine]:
    """The last ``count`` lines of the log's warnings and errors, with what follows them
    (a traceback) and stderr's lines before the first record; never the INFO records
    (the stats dump)."""
    found: deque[LogLine] = deque(maxlen=max(count, 0))
    level = "ERROR"  # before the first record: stderr
    try:
        for line in _lines(path):
            record = _RECORD.match(line.text)
            if record is not None:
                level = record.group(1)
            if level in _WORRYING and line.text.strip():
                found.append(line)
    except OSError as exc:
        return _unreadable(exc)
    return list(found)


def first_error(path: Path) -> str | None:
    """What the log's first error says: the exception its traceback ends with, else the
    record's message; None if the log has no error (or cannot be read)."""
    said: str | None = None
    try:
        for line in _lines(path):
            record = _RECORD.match(line.text)
            if said is not None and record is not None:
                break  # the next record: the first error's lines are over
            if record is not None and record.group(1) in {"ERROR", "CRITICAL"}:
                said = line.text[record.end() :].strip()
            elif said is not None and _EXCEPTION.match(line.text):
                said = line.text.strip()  # the exception a traceback ends with
    except OSError:
        return None
    return said


def log_window(path: Path, line: int, around: int = 40) -> list[LogLine]:
    """The log's lines from ``around`` before ``line`` to ``around`` after it."""
    first, last = max(1, line - around), line + around
    try:
        return list(islice(_lines(path), first - 1, last))
    except OSError as exc:
        return _unreadable(exc)
