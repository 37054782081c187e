"""``archivist export``: article records to JSON Lines, CSV or Parquet, written in batches.

Parquet needs pyarrow (the ``parquet`` extra: ``pip install -e '.[parquet]'``); its
columns are those of the CSV, with authors and tags as lists and the times
(``fetched_at``, the capture's; ``published``; ``modified``) as UTC timestamps. In CSV
and JSON Lines the times are ISO 8601 with their offset (the page's own for published
and modified). Each row also says which archived article it republishes
(``original_url``) and how many archived articles republish it (``copies``), as
``archivist reposts`` finds them. A CSV ends its rows with CRLF (RFC 4180, and as
Excel expects); ``excel=True`` puts a UTF-8 byte order mark first, without which Excel
reads the file as the system's code page and garbles every Vietnamese letter.
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from crawler.errors import ExportError

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

    from archive.store import Republication, StoredArticle

__all__ = ["Relations", "write_export"]

CSV_FIELDS = (
    "url",
    "canonical_url",
    "title",
    "authors",
    "fetched_at",
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
    "original_url",
    "copies",
)
TIME_FIELDS = ("fetched_at", "published", "modified")


class Relations:
    """Article key -> the original it republishes, and how many republish it."""

    def __init__(self, found: Iterable[Republication] = ()) -> None:
        self.originals: dict[str, str] = {}
        self.copies: dict[str, int] = {}
        for item in found:
            self.originals[item.copy.url] = item.original.url
            self.copies[item.original.url] = self.copies.get(item.original.url, 0) + 1

    def of(self, stored: StoredArticle) -> tuple[str | None, int]:
        key = stored.article.canonical_url or stored.article.url
        return self.originals.get(key), self.copies.get(key, 0)


def _row(stored: StoredArticle, relations: Relations) -> dict[str, Any]:
    article = stored.article
    data = article.to_dict()
    data["source"] = stored.source
    data["fetched_at"] = stored.fetched_at.astimezone(UTC).isoformat()
    data["warc_filename"] = stored.capture.filename
    data["warc_offset"] = stored.capture.offset
    data["record_id"] = stored.capture.record_id
    data["original_url"], data["copies"] = relations.of(stored)
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


def _write_parquet(articles: Iterable[StoredArticle], output: Path, relations: Relations) -> int:
    try:
        import pyarrow as pa  # noqa: PLC0415 - optional dependency
        import pyarrow.parquet as pq  # noqa: PLC0415
    except ImportError as exc:
        raise ExportError("Parquet export needs pyarrow: pip install -e '.[parquet]'") from exc
    count, batch = 0, []
    writer = None
    try:
        for stored in articles:
            data = _row(stored, relations)
            flat = _csv_row(data)
            flat["authors"], flat["tags"] = data["authors"], data["tags"]
            for name in TIME_FIELDS:
                flat[name] = _utc(flat[name])
            batch.append(flat)
            count += 1
            if len(batch) == 1000:
                writer = _parquet_batch(pa, pq, writer, batch, output)
                batch = []
        if batch or writer is None:
            writer = _parquet_batch(pa, pq, writer, batch, output)
    finally:
        if writer is not None:
            writer.close()
    return count


def _parquet_batch(pa: Any, pq: Any, writer: Any, rows: list[dict[str, Any]], output: Path) -> Any:
    schema = pa.schema(
        [
            (name, pa.list_(pa.string()) if name in {"authors", "tags"} else _arrow_type(pa, name))
            for name in CSV_FIELDS
        ]
    )
    table = pa.Table.from_pylist(rows, schema=schema)
    writer = writer or pq.ParquetWriter(str(output), schema)
    writer.write_table(table)
    return writer


def _arrow_type(pa: Any, name: str) -> Any:
    if name in TIME_FIELDS:
        return pa.timestamp("us", tz="UTC")
    return pa.int64() if name in {"word_count", "warc_offset", "copies"} else pa.string()


def _utc(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value).astimezone(UTC) if value else None


def write_export(
    articles: Iterable[StoredArticle],
    output: Path,
    fmt: str,
    relations: Relations | None = None,
    *,
    excel: bool = False,
) -> int:
    """Write ``articles`` to ``output`` as ``fmt`` (jsonl, csv or parquet); ``relations``
    fills ``original_url`` and ``copies`` (empty and 0 without it); ``excel``: a CSV that
    starts with a UTF-8 byte order mark."""
    relations = relations or Relations()
    if fmt == "parquet":
        return _write_parquet(articles, output, relations)
    count = 0
    encoding = "utf-8-sig" if excel else "utf-8"
    with output.open("w", encoding=encoding, newline="") as fh:
        writer = csv.DictWriter(fh, CSV_FIELDS) if fmt == "csv" else None
        if writer is not None:
            writer.writeheader()
        for stored in articles:
            data = _row(stored, relations)
            if writer is not None:
                writer.writerow(_csv_row(data))
            else:
                fh.write(json.dumps(data, ensure_ascii=False) + "\n")
            count += 1
    return count
