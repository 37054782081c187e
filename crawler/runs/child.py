"""Run one crawl of a source as a child process and read back its figures.

Twisted's reactor cannot be restarted, so every crawl is its own process:
``python -m crawler.runs.crawl crawl <family> -a source=<file> -a run_id=<id>`` (Scrapy's
command line, which also writes its exit code to ``<run id>.exit``). Its log goes to
``<home>/logs/<run id>.log`` and its final stats to ``<home>/logs/<run id>.stats.json``.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from crawler.sources.schema import Source

__all__ = [
    "BACKFILL",
    "EXIT_FILE_ENV",
    "CrawlResult",
    "CrawlRun",
    "exit_path",
    "is_backfill",
    "new_run_id",
    "read_exit_code",
    "read_stats",
]


EXIT_FILE_ENV = "ARCHIVIST_EXIT_FILE"
"""Where the crawl process writes its exit code (``crawler/runs/crawl.py``)."""


BACKFILL = "backfill"
"""The kind of run ``archivist backfill`` makes; its id says so (``is_backfill``)."""


def new_run_id(source_name: str, kind: str = "") -> str:
    """``<UTC time>-<source>-<pid>-<4 hex>``: sorts by time, unique within a second too;
    a ``kind`` goes after the source (``...-<source>-backfill-<pid>-...``)."""
    what = f"{source_name}-{kind}" if kind else source_name
    return f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{what}-{os.getpid()}-{secrets.token_hex(2)}"


def is_backfill(run_id: str, source_name: str) -> bool:
    """Whether the run is a backfill's: no crawl resumes it (its captures are another
    archive's), a backfill run again goes on with it."""
    return f"-{source_name}-{BACKFILL}-" in run_id


@dataclass(frozen=True)
class CrawlResult:
    """What a finished crawl process left: exit code, stats, where its log is."""

    source: str
    run_id: str
    returncode: int
    seconds: float
    log_path: Path
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def finish_reason(self) -> str:
        return str(self.stats.get("finish_reason", "crashed (no stats written)"))

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and self.finish_reason == "finished"

    @property
    def pages(self) -> int:
        return int(self.stats.get("downloader/response_count", 0))

    @property
    def archived_bytes(self) -> int:
        return int(self.stats.get("archive/bytes", 0))

    @property
    def articles(self) -> int:
        return int(self.stats.get("extract/articles", 0))

    @property
    def warc_files(self) -> list[str]:
        return list(self.stats.get("archive/file_names", []))


class CrawlRun:
    """One crawl of one source, started as a child process."""

    def __init__(
        self,
        source: Source,
        source_path: Path,
        home: Path,
        settings: Mapping[str, str] | None = None,
        run_id: str | None = None,
    ) -> None:
        self.source = source
        self.run_id = run_id or new_run_id(source.name)
        self.home = home
        self.log_path = home / "logs" / f"{self.run_id}.log"
        self.stats_path = home / "logs" / f"{self.run_id}.stats.json"
        self.exit_path = exit_path(home, self.run_id)
        self.command = self._command(source_path, dict(settings or {}))
        self._proc: subprocess.Popen[bytes] | None = None
        self._started = 0.0

    def _command(self, source_path: Path, settings: dict[str, str]) -> list[str]:
        settings = {
            "ARCHIVIST_HOME": str(self.home),
            "STATS_FILE": str(self.stats_path),
            "LOG_FILE": str(self.log_path),
            **settings,
        }
        # Scrapy's command line, which writes its exit code down (crawler/runs/crawl.py).
        command = [sys.executable, "-m", "crawler.runs.crawl", "crawl", self.source.family]
        command += ["-a", f"source={source_path.resolve()}", "-a", f"run_id={self.run_id}"]
        for key, value in settings.items():
            command += ["-s", f"{key}={value}"]
        return command

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    def start(self, *, pass_fds: tuple[int, ...] = (), new_session: bool = False) -> None:
        """Start the crawl. ``pass_fds`` stay open in it (a source lock lives as long as
        the crawl does); ``new_session`` keeps a terminal's Ctrl-C from reaching it, so
        that whoever started it decides how it stops."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "SCRAPY_SETTINGS_MODULE": "crawler.settings",
            EXIT_FILE_ENV: str(self.exit_path),
        }
        self.exit_path.unlink(missing_ok=True)  # a resumed run's earlier attempt wrote one
        self._started = time.monotonic()
        # Errors before Scrapy's logging is set up (a bad source file) go to stderr:
        # into the same log file, appended, so nothing blocks on a full pipe.
        with self.log_path.open("ab") as stderr:
            self._proc = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                self.command,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                pass_fds=pass_fds,
                start_new_session=new_session,
            )

    def poll(self) -> int | None:
        """The exit code, or None while the crawl runs."""
        assert self._proc is not None, "start() first"
        return self._proc.poll()

    def signal(self, signum: int) -> None:
        """Send a signal (SIGTERM: finish gracefully, WARCs closed; SIGKILL: now)."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.send_signal(signum)

    def wait(self, timeout: float | None = None) -> CrawlResult:
        """Wait for the crawl to end (``subprocess.TimeoutExpired`` after ``timeout``)."""
        assert self._proc is not None, "start() first"
        self._proc.wait(timeout=timeout)
        return self.result()

    def result(self) -> CrawlResult:
        """What the ended crawl left."""
        assert self._proc is not None, "start() first"
        assert self._proc.returncode is not None, "the crawl has not ended"
        return CrawlResult(
            source=self.source.name,
            run_id=self.run_id,
            returncode=self._proc.returncode,
            seconds=time.monotonic() - self._started,
            log_path=self.log_path,
            stats=self.read_stats(),
        )

    def read_stats(self) -> dict[str, Any]:
        """The stats file as it is now: live figures while the crawl runs, final after."""
        return read_stats(self.stats_path)


def exit_path(home: Path, run_id: str) -> Path:
    """Where a run's crawl process writes its exit code as it ends."""
    return home / "logs" / f"{run_id}.exit"


def read_exit_code(home: Path, run_id: str) -> int | None:
    """The exit code a run's crawl wrote as it ended; None if it wrote none (killed)."""
    try:
        return int(exit_path(home, run_id).read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return None


def read_stats(path: Path) -> dict[str, Any]:
    """A crawl's stats file, or {} if it is missing or half-written."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
