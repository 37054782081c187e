"""Run one crawl of a source as a child process and read back its figures.

Twisted's reactor cannot be restarted, so every crawl is its own process:
``python -m scrapy crawl <family> -a source=<file> -a run_id=<id>``. Its log goes to
``<home>/logs/<run id>.log`` and its final stats to ``<home>/logs/<run id>.stats.json``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from crawler.sources import Source

__all__ = ["CrawlResult", "CrawlRun", "new_run_id"]


def new_run_id(source_name: str) -> str:
    return f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{source_name}-{os.getpid()}"


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
        command = [sys.executable, "-m", "scrapy", "crawl", self.source.family]
        command += ["-a", f"source={source_path.resolve()}", "-a", f"run_id={self.run_id}"]
        for key, value in settings.items():
            command += ["-s", f"{key}={value}"]
        return command

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "crawler.settings"}
        self._started = time.monotonic()
        self._proc = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            self.command, env=env, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE
        )

    def wait(self, timeout: float | None = None) -> CrawlResult:
        assert self._proc is not None, "start() first"
        _, stderr = self._proc.communicate(timeout=timeout)
        seconds = time.monotonic() - self._started
        if stderr:
            # Errors before logging is set up (a bad source file) land here.
            with self.log_path.open("ab") as log:
                log.write(stderr)
        return CrawlResult(
            source=self.source.name,
            run_id=self.run_id,
            returncode=self._proc.returncode,
            seconds=seconds,
            log_path=self.log_path,
            stats=self._read_stats(),
        )

    def _read_stats(self) -> dict[str, Any]:
        try:
            data = json.loads(self.stats_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}
