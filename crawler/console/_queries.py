"""The console's reads beyond ``Store``'s methods: a run's failing URLs by host."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from datetime import datetime

    from archive.store import RunRecord

__all__ = ["errors_by_host", "timestamp14"]


def timestamp14(when: datetime) -> str:
    """pywb's 14-digit timestamp (UTC) of a capture time."""
    return when.strftime("%Y%m%d%H%M%S")


def errors_by_host(record: RunRecord) -> list[tuple[str, str, int]]:
    """(host, kind, count), most first: the run's listed failing URLs, by host."""
    counts = Counter((urlsplit(f.url).hostname or "(no host)", f.kind) for f in record.failed_urls)
    return sorted(((h, k, n) for (h, k), n in counts.items()), key=lambda e: (-e[2], e[0], e[1]))
