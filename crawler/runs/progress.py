"""A crawl's live progress in a terminal (``archivist crawl``), from its heartbeats.

In a terminal, a rich ``Live`` line redrawn at each heartbeat: pages, bytes archived,
rate, errors, elapsed time. Elsewhere (a log file, a pipe, a service manager), one plain
line per heartbeat, so the output stays greppable.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Self

from rich.console import Console
from rich.live import Live
from rich.text import Text

from crawler.runs.outcome import figures_from_stats

if TYPE_CHECKING:
    from collections.abc import Mapping
    from types import TracebackType

__all__ = ["CrawlProgress", "human_size", "progress_line"]


def human_size(n: float) -> str:
    """Bytes as people read them: ``843.2 KB``."""
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"


def progress_line(source: str, stats: Mapping[str, Any], elapsed: float) -> str:
    """``nguon: 120 pages (3.1/s), 1.2 MB archived, 0 errors, 0:40``."""
    figures = figures_from_stats(stats)
    pages = figures["pages"]
    rate = pages / elapsed if elapsed > 0 else 0.0
    errors = sum(figures["errors"].values())
    minutes, seconds = divmod(int(elapsed), 60)
    return (
        f"{source}: {pages} pages ({rate:.1f}/s), {human_size(figures['archived_bytes'])} archived, "
        f"{errors} errors, {minutes}:{seconds:02d}"
    )


class CrawlProgress:
    """Call it with live stats (``run_source(on_beat=...)``); use it as a context manager."""

    def __init__(self, source: str, console: Console | None = None) -> None:
        self.source = source
        self.console = console or Console(stderr=False)
        self.started = time.monotonic()
        self._live: Live | None = None

    def __enter__(self) -> Self:
        if self.console.is_terminal:
            self._live = Live(Text(f"{self.source}: starting"), console=self.console)
            self._live.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._live is not None:
            self._live.__exit__(exc_type, exc, tb)
            self._live = None

    def __call__(self, stats: Mapping[str, Any]) -> None:
        line = progress_line(self.source, stats, time.monotonic() - self.started)
        if self._live is not None:
            self._live.update(Text(line, style="bold"))
        else:
            self.console.print(line, highlight=False, soft_wrap=True)
