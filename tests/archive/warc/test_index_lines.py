"""The index a WarcFileWriter writes as it writes: the lines cdxj-indexer makes reading the
files back, for every kind of record and file the writer makes; a record it cannot index
leaves the file to be read back, and a crash's leftovers go with the recovered file."""

from __future__ import annotations

import io
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive import HttpExchange, WarcFileWriter
from archive.warc.cdxj import index_file, part_path
from archive.warc.records import Original, Wire
from tests.helpers.crawls import cdxj_indexer_lines

ROOT = Path(__file__).resolve().parents[3]
START = datetime(2012, 4, 23, 8, 30, 0, 123456, tzinfo=UTC)

CONTENT_TYPES = st.sampled_from([
    None, b"text/html; charset=utf-8", b"TEXT/HTML", b"  image/jpeg ", b"application/xml;x=1",
    b"text/html charset=windows-1258", b"",
])  # fmt: skip
NAMES = st.sampled_from([b"Content-Type", b"content-type", b"CONTENT-TYPE"])
URLS = st.sampled_from([
    "http://thoisu.test/chinh-tri/bai-123456.html?trang=2&q=%C4%91",
    "https://nhipcau.blogspot.test/2012/04/bai.html",
    "http://thoisu.test/",
    "http://THOISU.test:8080/a b/ã?x=1#frag",
    "https://wp.test/?p=12&utm_source=x",
])  # fmt: skip


def _exchange(url: str, status: int, content_type: bytes | None, name: bytes, n: int,
              wire: bool, body: bytes) -> HttpExchange:  # fmt: skip
    headers = [(b"Server", b"test")]
    if content_type is not None:
        headers.append((name, content_type))
    headers.append((b"Content-Length", str(len(body)).encode()))
    date = START + timedelta(seconds=n)
    exchange = HttpExchange(
        url=url, method="GET", request_headers=((b"User-Agent", b"t"),), status=status,
        response_headers=tuple(headers), response_body=body, date=date,
    )  # fmt: skip
    if not wire:
        return exchange
    head = f"HTTP/1.1 {status} Whatever Reason\r\n".encode()
    head += b"".join(k + b":" + v + b"\r\n" for k, v in headers) + b"\r\n"
    return replace(exchange, wire=Wire(b"GET / HTTP/1.1\r\n\r\n", io.BytesIO(head + body)))


RECORDS = st.lists(
    st.tuples(
        URLS,
        st.sampled_from([200, 200, 404, 301, 500, 206]),
        CONTENT_TYPES,
        NAMES,
        st.booleans(),  # as on the wire
        st.sampled_from(["response", "revisit", "backfilled"]),
        st.binary(max_size=300),
    ),
    min_size=1,
    max_size=25,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(records=RECORDS, max_size=st.sampled_from([600, 5_000, 1_000_000]))
def test_every_file_is_indexed_as_cdxj_indexer_reads_it(tmp_path_factory, records, max_size):
    folder = tmp_path_factory.mktemp("w")
    indexes = folder / "indexes"
    writer = WarcFileWriter(folder / "archive", prefix="t", max_size=max_size, index_dir=indexes)
    first = None
    for n, (url, status, ctype, name, wire, kind, body) in enumerate(records):
        exchange = _exchange(url, status, ctype, name, n, wire, body)
        if kind == "revisit" and first is not None:
            writer.write_revisit(exchange, first, not_modified=n % 2 == 0)
        elif kind == "backfilled":
            writer.write_response(exchange, [("WARC-Source-URI", "http://archive.test/x")])
        else:
            response, _ = writer.write_exchange(exchange)
            if first is None:
                first = Original(response.record_id, url, exchange.date, response.payload_digest)
    writer.close()
    assert writer.closed_files
    for path in writer.closed_files:
        assert writer.index_written(path), path
        own = (indexes / f"{path.name}.cdxj").read_text(encoding="utf-8")
        assert own.splitlines(keepends=True) == cdxj_indexer_lines([path])
    assert not list(indexes.glob(".*"))  # no lines left aside


def test_a_record_it_cannot_index_leaves_the_file_to_be_read_back(tmp_path):
    indexes = tmp_path / "indexes"
    writer = WarcFileWriter(tmp_path / "archive", prefix="t", index_dir=indexes)
    writer.write_exchange(
        _exchange("http://thoisu.test/a.html", 200, b"text/html", b"Content-Type", 0, False, b"a")
    )
    endless = Wire(
        b"GET / HTTP/1.1\r\n\r\n", io.BytesIO(b"HTTP/1.1 200 OK\r\nX-Long: " + b"x" * 600_000)
    )
    odd = replace(_exchange("http://thoisu.test/", 200, None, b"", 1, False, b""), wire=endless)
    writer.write_exchange(odd)
    writer.close()
    (path,) = writer.closed_files
    assert not writer.index_written(path)  # the capture extension reads it back instead
    assert not list(indexes.glob("*"))  # hidden ones too: nothing left aside
    assert index_file(path, indexes).read_text(encoding="utf-8").splitlines(keepends=True) == (
        cdxj_indexer_lines([path])
    )


def test_a_crashed_writers_lines_go_when_its_recovered_file_is_indexed(tmp_path):
    script = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from archive import WarcFileWriter\n"
        "from tests.archive.warc.test_index_lines import _exchange\n"
        "home = Path(sys.argv[1])\n"
        "w = WarcFileWriter(home / 'archive', prefix='t', index_dir=home / 'indexes')\n"
        "w.write_exchange(_exchange('http://thoisu.test/', 200, b'text/html', b'X', 0, True, b'x'))\n"
        "os._exit(9)  # dies with the file open\n"
    )
    died = subprocess.run([sys.executable, "-c", script, str(tmp_path)], cwd=ROOT, check=False)
    assert died.returncode == 9
    indexes = tmp_path / "indexes"
    (open_file,) = (tmp_path / "archive").glob("*.open")
    name = open_file.name.removesuffix(".open")
    assert part_path(indexes, name).exists()  # its lines so far, left aside
    recovered = open_file.with_name(name)  # as recovery finishes a file
    open_file.rename(recovered)
    index_file(recovered, indexes)
    assert not part_path(indexes, name).exists()
    assert (indexes / f"{name}.cdxj").read_text(encoding="utf-8").splitlines(keepends=True) == (
        cdxj_indexer_lines([recovered])
    )
