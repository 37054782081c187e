"""``archivist export``: article records to JSON Lines or CSV, streamed row by row."""

from __future__ import annotations

import csv
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

    from archive.store import StoredArticle

__all__ = ["write_export"]

CSV_FIELDS = (
    "url",
    "canonical_url",
    "title",
    "authors",
    "published",
    "modified",
    "language",
    "site",
    "platform",
    "tags",
    "credit_name",
    "credit_url",
    "word_count",
    "body_hash",
    "body",
    "source",
    "warc_filename",
    "warc_offset",
    "record_id",
)


def _row(stored: StoredArticle) -> dict[str, Any]:
    article = stored.article
    data = article.to_dict()
    data["source"] = stored.source
    data["warc_filename"] = stored.capture.filename
    data["warc_offset"] = stored.capture.offset
    data["record_id"] = stored.capture.record_id
    return data


def _csv_row(data: dict[str, Any]) -> dict[str, Any]:
    credit = data.get("credit") or {}
    flat = {k: data.get(k) for k in CSV_FIELDS}
    flat["authors"] = "; ".join(data["authors"])
    flat["tags"] = "; ".join(data["tags"])
    flat["published"] = (data.get("published") or {}).get("value")
    flat["modified"] = (data.get("modified") or {}).get("value")
    flat["credit_name"], flat["credit_url"] = credit.get("name"), credit.get("url")
    return flat


def write_export(articles: Iterable[StoredArticle], output: Path, fmt: str) -> int:
    count = 0
    with output.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, CSV_FIELDS) if fmt == "csv" else None
        if writer is not None:
            writer.writeheader()
        for stored in articles:
            data = _row(stored)
            if writer is not None:
                writer.writerow(_csv_row(data))
            else:
                fh.write(json.dumps(data, ensure_ascii=False) + "\n")
            count += 1
    return count
