"""The console's reads beyond ``Store``'s methods: a run's errors by host, from its
captures (``Store.http_errors_by_host``) and from its log, for the download errors
that left no capture.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from datetime import datetime
    from pathlib import Path

    from archive.store import Store

__all__ = ["errors_by_host", "timestamp14"]

# Scrapy's core logs a request that got no response as "Error downloading <GET url>".
_DOWNLOAD_ERROR = re.compile(r"Error downloading <[A-Z]+ (\S+)>(?::\s*(.*))?")


def timestamp14(when: datetime) -> str:
    """pywb's 14-digit timestamp (UTC) of a capture time."""
    return when.strftime("%Y%m%d%H%M%S")


def _host(url: str) -> str:
    return urlsplit(url).hostname or "(no host)"


def errors_by_host(store: Store, run_id: str, log_path: Path | None) -> list[tuple[str, str, int]]:
    """(host, kind, count), most first: HTTP errors from the run's captures (status 400
    and up, as ``http:<code>``), and requests that got no response from its log."""
    counts: Counter[tuple[str, str]] = Counter()
    for (host, status), count in store.http_errors_by_host(run_id).items():
        counts[host, f"http:{status}"] += count
    if log_path is not None:
        counts.update(_log_download_errors(log_path))
    return sorted(((h, k, n) for (h, k), n in counts.items()), key=lambda e: (-e[2], e[0], e[1]))


def _log_download_errors(path: Path) -> Counter[tuple[str, str]]:
    counts: Counter[tuple[str, str]] = Counter()
    try:
        with path.open(encoding="utf-8", errors="replace") as log:
            for line in log:
                match = _DOWNLOAD_ERROR.search(line)
                if match:
                    reason = (match.group(2) or "").strip()[:60]
                    counts[_host(match.group(1)), f"download{': ' + reason if reason else ''}"] += 1
    except OSError:
        pass
    return counts
