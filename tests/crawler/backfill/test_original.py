"""The original response inside an archive's id_ answer, and its provenance fields, as
the Wayback Machine and pywb send them; written and read back as a WARC record."""

from __future__ import annotations

import gzip
import io
from datetime import UTC, datetime

from warcio.archiveiterator import ArchiveIterator

from archive import WarcFileWriter
from archive.warc._record import sha1_digest
from crawler.backfill.cdx import CdxCapture
from crawler.backfill.client import ArchiveResponse
from crawler.backfill.original import digest_matches, original_exchange, provenance

URL = "http://news.example/2012/10/bai-viet-123456.html"
BODY = gzip.compress("<html><p>Trương Tấn Sang</p></html>".encode())
CAPTURE = CdxCapture(URL, "20121005083000", "text/html", "200", sha1_digest([BODY]))
ARCHIVE = "https://web.archive.org/web/"
SOURCE_URI = f"{ARCHIVE}20121005083000id_/{URL}"

WAYBACK = ArchiveResponse(  # the Wayback Machine: every original header prefixed
    SOURCE_URI,
    200,
    "OK",
    (
        ("Server", "nginx"),
        ("Date", "Sun, 06 Dec 2026 12:00:00 GMT"),
        ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Encoding", "gzip"),
        ("Transfer-Encoding", "chunked"),
        ("Memento-Datetime", "Fri, 05 Oct 2012 08:30:00 GMT"),
        ("Link", f'<{URL}>; rel="original", <{ARCHIVE}timemap/link/{URL}>; rel="timemap"'),
        ("X-Archive-Orig-Date", "Fri, 05 Oct 2012 08:29:59 GMT"),
        ("X-Archive-Orig-Server", "Apache"),
        ("X-Archive-Orig-Content-Encoding", "gzip"),
        ("X-Archive-Orig-Content-Length", "999"),
        ("X-Archive-Orig-Set-Cookie", "a=1"),
        ("X-Archive-Orig-Set-Cookie", "b=2"),
        ("X-Archive-Src", "crawl-2012/part-0001.warc.gz"),
    ),
    BODY,
)


def _headers(response: ArchiveResponse) -> list[tuple[str, str]]:
    exchange = original_exchange(CAPTURE, response)
    return [(k.decode(), v.decode()) for k, v in exchange.response_headers]


def test_the_wayback_machines_prefixed_headers_are_the_originals_again():
    assert _headers(WAYBACK) == [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Encoding", "gzip"),
        ("Date", "Fri, 05 Oct 2012 08:29:59 GMT"),
        ("Server", "Apache"),
        ("Set-Cookie", "a=1"),
        ("Set-Cookie", "b=2"),
        ("Content-Length", str(len(BODY))),
    ]
    exchange = original_exchange(CAPTURE, WAYBACK)
    assert exchange.url == URL
    assert exchange.date == datetime(2012, 10, 5, 8, 30, tzinfo=UTC)
    assert exchange.response_body == BODY
    assert digest_matches(CAPTURE, WAYBACK)


def test_pywbs_passed_through_headers_are_kept_and_its_own_left_out():
    pywb = ArchiveResponse(
        SOURCE_URI,
        200,
        "OK",
        (
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Encoding", "gzip"),
            ("Content-Length", str(len(BODY))),
            ("Link", '<https://news.example/wp-json/>; rel="https://api.w.org/"'),
            ("X-Archive-Orig-ETag", '"abc"'),
            ("Memento-Datetime", "Fri, 05 Oct 2012 08:30:00 GMT"),
            ("Link", f'<{URL}>; rel="original memento"'),
        ),
        BODY,
    )
    assert _headers(pywb) == [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Encoding", "gzip"),
        ("Link", '<https://news.example/wp-json/>; rel="https://api.w.org/"'),
        ("ETag", '"abc"'),
        ("Content-Length", str(len(BODY))),
    ]


def test_a_body_the_archive_decoded_is_stored_as_it_came_and_said_so():
    decoded = gzip.decompress(BODY)
    answer = ArchiveResponse(
        SOURCE_URI,
        200,
        "OK",
        (("Content-Type", "text/html"), ("X-Archive-Orig-Content-Encoding", "gzip")),
        decoded,
    )
    assert ("Content-Encoding", "gzip") not in _headers(answer)
    assert ("Archivist-Archive-Decoded", "gzip") in provenance(ARCHIVE, CAPTURE, answer)
    assert not digest_matches(CAPTURE, answer)


def test_the_record_keeps_original_url_and_time_and_says_where_it_came_from(tmp_path):
    now = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    with WarcFileWriter(tmp_path, prefix="tin-backfill") as writer:
        ref = writer.write_response(
            original_exchange(CAPTURE, WAYBACK), provenance(ARCHIVE, CAPTURE, WAYBACK, now)
        )
    (path,) = tmp_path.glob("*.warc.gz")
    with path.open("rb") as fh:
        fh.seek(ref.offset)
        record = next(iter(ArchiveIterator(io.BytesIO(fh.read(ref.length)))))
    warc = record.rec_headers
    assert warc.get_header("WARC-Type") == "response"
    assert warc.get_header("WARC-Target-URI") == URL
    assert warc.get_header("WARC-Date") == "2012-10-05T08:30:00.000000Z"
    assert warc.get_header("WARC-Source-URI") == SOURCE_URI
    assert warc.get_header("WARC-Creation-Date") == "2026-12-06T12:00:00.000000Z"
    assert warc.get_header("WARC-Payload-Digest") == CAPTURE.digest
    kept = [v for k, v in warc.headers if k == "Archivist-Archive-Header"]
    assert "X-Archive-Src: crawl-2012/part-0001.warc.gz" in kept
    assert "Memento-Datetime: Fri, 05 Oct 2012 08:30:00 GMT" in kept
    assert record.http_headers.get_statuscode() == "200"
    assert record.raw_stream.read() == BODY
