"""``archivist export``: the capture time in every format, ``--excel`` CSV, and Parquet
times as timezone-aware UTC timestamps."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pyarrow.parquet as pq

from tests.helpers.records import ICT, T0, add_article, sample_article

FETCHED = T0 + timedelta(hours=3, seconds=7)


def _one(store) -> None:
    add_article(store, 1, sample_article(body="Dòng một.\nDòng hai.", body_hash="h1"), FETCHED)


def test_csv_has_the_capture_time(store, cli, tmp_path):
    _one(store)
    out = tmp_path / "a.csv"
    result = cli("export", "--format", "csv", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"1 article written to {out}"
    raw = out.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    [row] = list(csv.DictReader(io.StringIO(raw.decode("utf-8"), newline="")))
    assert row["fetched_at"] == "2026-11-28T11:00:07+00:00"
    assert datetime.fromisoformat(row["fetched_at"]) == FETCHED
    assert row["published"] == "2026-11-27T21:15:05.123456+07:00"
    assert row["body"] == "Dòng một.\nDòng hai."


def test_excel_csv_starts_with_a_bom_and_ends_rows_with_crlf(store, cli, tmp_path):
    _one(store)
    out = tmp_path / "a.csv"
    assert cli("export", "--format", "csv", "--excel", "-o", str(out)).exit_code == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfurl,canonical_url,")
    header, rest = raw.split(b"\r\n", 1)
    assert b"\n" not in header
    assert rest.endswith(b"\r\n")
    [row] = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert row["title"] == "Ông Trương Tấn Sang thăm Đà Nẵng"


def test_excel_is_only_for_csv(store, cli, tmp_path):
    result = cli("export", "--format", "jsonl", "--excel", "-o", str(tmp_path / "a.jsonl"))
    assert result.exit_code == 2
    assert "--excel is for CSV: add --format csv" in result.output


def test_jsonl_has_the_capture_time(store, cli, tmp_path):
    _one(store)
    out = tmp_path / "a.jsonl"
    assert cli("export", "-o", str(out)).exit_code == 0
    [row] = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert row["fetched_at"] == "2026-11-28T11:00:07+00:00"


def test_parquet_times_are_utc_timestamps(store, cli, tmp_path):
    _one(store)
    add_article(store, 2, sample_article("http://news.test/b", published=None, modified=None))
    out = tmp_path / "a.parquet"
    assert cli("export", "--format", "parquet", "-o", str(out)).exit_code == 0
    table = pq.read_table(out)
    for name in ("fetched_at", "published", "modified"):
        assert table.schema.field(name).type == pa.timestamp("us", tz="UTC"), name
    rows = {r["url"]: r for r in table.to_pylist()}
    first = rows["http://news.test/a/1"]
    assert first["fetched_at"] == FETCHED
    assert first["published"] == datetime(2026, 11, 27, 21, 15, 5, 123456, ICT)
    assert first["published"].tzinfo is not None
    assert first["modified"] == datetime(2026, 11, 28, 1, 0, tzinfo=UTC)
    assert rows["http://news.test/b"]["published"] is None
