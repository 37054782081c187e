"""WarcFileWriter: records read back by warcio exactly as written; files, rotation, failure."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from warcio.archiveiterator import ArchiveIterator

from archive import HttpExchange, WarcFileWriter, WarcWriteError

FIXED = datetime(2012, 4, 23, 8, 30, 0, 123456, tzinfo=UTC)


def exchange(**overrides):
    values = {
        "url": "http://thoisu.test/chinh-tri/bai-123456.html?trang=2&q=%C4%91",
        "method": "GET",
        "request_headers": ((b"User-Agent", b"archivist-test"), (b"Accept-Encoding", b"gzip")),
        "status": 200,
        "response_headers": (
            (b"Content-Type", b"text/html; charset=utf-8"),
            (b"Set-Cookie", b"phien=1"),
            (b"Set-Cookie", b"dong-y=co"),
            (b"Content-Length", b"11"),
        ),
        "response_body": b"<p>Xin ch\xc3\xa0o</p>"[:11],
        "ip_address": "127.0.0.1",
        "date": FIXED,
    }
    values.update(overrides)
    return HttpExchange(**values)


def sha1(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode()


def read_all(path):
    with path.open("rb") as fh:
        return [
            (
                rec.rec_type,
                rec.rec_headers,
                rec.http_headers,
                rec.raw_stream.read(),
            )
            for rec in ArchiveIterator(fh, check_digests="raise")
        ]


def test_pair_round_trips_through_warcio(tmp_path):
    with WarcFileWriter(tmp_path, prefix="t", info=[("operator", "ops@example.org")]) as writer:
        response_ref, request_ref = writer.write_exchange(exchange())
    (path,) = tmp_path.iterdir()
    records = read_all(path)
    assert [r[0] for r in records] == ["warcinfo", "response", "request"]
    _, info_headers, _, info_body = records[0]
    assert b"operator: ops@example.org" in info_body
    assert info_headers.get_header("WARC-Filename") == path.name
    _, resp, http, body = records[1]
    assert resp.protocol == "WARC/1.1"
    assert resp.get_header("WARC-Target-URI") == exchange().url
    assert resp.get_header("WARC-Date") == "2012-04-23T08:30:00.123456Z"
    assert resp.get_header("WARC-IP-Address") == "127.0.0.1"
    assert resp.get_header("WARC-Payload-Digest") == sha1(exchange().response_body)
    assert resp.get_header("WARC-Warcinfo-ID") == info_headers.get_header("WARC-Record-ID")
    assert http.statusline == "200 OK"
    assert [v for k, v in http.headers if k == "Set-Cookie"] == ["phien=1", "dong-y=co"]
    assert body == exchange().response_body
    _, req, req_http, _ = records[2]
    assert req.get_header("WARC-Concurrent-To") == resp.get_header("WARC-Record-ID")
    assert req_http.protocol == "GET"
    assert req_http.statusline.startswith("/chinh-tri/bai-123456.html?trang=2&q=%C4%91 ")
    assert req_http.get_header("Host") == "thoisu.test"
    assert response_ref.record_id == resp.get_header("WARC-Record-ID")
    assert request_ref.offset == response_ref.offset + response_ref.length


def test_refs_point_at_their_records(tmp_path):
    with WarcFileWriter(tmp_path, prefix="t") as writer:
        refs = [writer.write_exchange(exchange(url=f"http://a.test/{i}")) for i in range(5)]
    (path,) = tmp_path.iterdir()
    data = path.read_bytes()
    for i, (resp, req) in enumerate(refs):
        assert resp.filename == path.name
        one = list(ArchiveIterator(io.BytesIO(data[resp.offset : resp.offset + resp.length])))
        assert len(one) == 1
        assert one[0].rec_headers.get_header("WARC-Target-URI") == f"http://a.test/{i}"
        assert one[0].rec_headers.get_header("WARC-Record-ID") == resp.record_id
        assert req.offset == resp.offset + resp.length


def test_unknown_length_gets_content_length_and_a_note(tmp_path):
    body = b"chunked body"
    with WarcFileWriter(tmp_path, prefix="t") as writer:
        writer.write_exchange(exchange(response_headers=(), response_body=body, length_known=False))
    (_, _, http, payload) = read_all(next(tmp_path.iterdir()))[1]
    assert http.get_header("Content-Length") == str(len(body))
    assert http.get_header("X-Archivist-Framing")
    assert payload == body


def test_truncated_exchange_is_marked(tmp_path):
    with WarcFileWriter(tmp_path, prefix="t") as writer:
        writer.write_exchange(exchange(truncated="length"))
    (_, headers, _, _) = read_all(next(tmp_path.iterdir()))[1]
    assert headers.get_header("WARC-Truncated") == "length"


def test_file_is_open_while_written_and_renamed_when_closed(tmp_path):
    writer = WarcFileWriter(tmp_path, prefix="nguon tin/1", host="may-1")
    writer.write_exchange(exchange())
    (open_file,) = tmp_path.iterdir()
    assert open_file.name.endswith(".warc.gz.open")
    assert open_file.name.startswith("nguon_tin_1-")
    assert f"-00000-may-1-{os.getpid()}.warc.gz" in open_file.name
    writer.close()
    (closed,) = tmp_path.iterdir()
    assert closed.name == open_file.name.removesuffix(".open")
    assert writer.closed_files == [closed]


def test_rotation_gives_several_valid_files_each_with_warcinfo(tmp_path):
    body = os.urandom(3000)
    with WarcFileWriter(tmp_path, prefix="t", max_size=8000) as writer:
        for i in range(12):
            writer.write_exchange(exchange(url=f"http://a.test/{i}", response_body=body))
    files = sorted(tmp_path.iterdir())
    assert len(files) >= 4
    assert not [f for f in files if f.name.endswith(".open")]
    urls = []
    for path in files:
        records = read_all(path)
        assert records[0][0] == "warcinfo"
        urls += [r[1].get_header("WARC-Target-URI") for r in records if r[0] == "response"]
    assert urls == [f"http://a.test/{i}" for i in range(12)]
    serials = [f.name.split("-")[2] for f in files]  # prefix "t" has no dash
    assert serials == sorted(serials)
    assert len(set(serials)) == len(files)


def test_plain_warc_when_gzip_level_is_zero(tmp_path):
    with WarcFileWriter(tmp_path, prefix="t", gzip_level=0) as writer:
        writer.write_exchange(exchange())
    (path,) = tmp_path.iterdir()
    assert path.name.endswith(".warc")
    assert path.read_bytes().startswith(b"WARC/1.1\r\n")
    assert [r[0] for r in read_all(path)] == ["warcinfo", "response", "request"]


def test_invalid_arguments_are_refused(tmp_path):
    with pytest.raises(ValueError, match="max_size"):
        WarcFileWriter(tmp_path, prefix="t", max_size=0)
    with pytest.raises(ValueError, match="warc_version"):
        WarcFileWriter(tmp_path, prefix="t", warc_version="2.0")


FULL_DISK_SCRIPT = """
import resource, signal, sys
from pathlib import Path
from datetime import UTC, datetime
from archive import HttpExchange, WarcFileWriter, WarcWriteError
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[2]), int(sys.argv[2])))
writer = WarcFileWriter(Path(sys.argv[1]), prefix="full")
written = 0
try:
    for i in range(1000):
        writer.write_exchange(HttpExchange(url=f"http://a.test/{i}", method="GET",
            request_headers=(), status=200, response_headers=(),
            response_body=bytes(range(256)) * 40, date=datetime.now(UTC)))
        written += 1
except WarcWriteError as exc:
    print(written, exc)
    try:
        writer.write_exchange(HttpExchange(url="http://a.test/after", method="GET",
            request_headers=(), status=200, response_headers=(), response_body=b"x"))
    except WarcWriteError:
        print("refused after failure")
"""


def test_a_full_disk_leaves_a_valid_file_with_every_whole_record(tmp_path):
    """A real EFBIG from the kernel (RLIMIT_FSIZE), in a child process."""
    out = subprocess.run(
        [sys.executable, "-c", FULL_DISK_SCRIPT, str(tmp_path), "50000"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    written, _, message = out.stdout.partition(" ")
    assert "Cannot write to WARC file" in message
    assert "free disk space" in message
    assert "refused after failure" in out.stdout
    (path,) = tmp_path.iterdir()
    assert path.name.endswith(".warc.gz")
    records = read_all(path)
    assert sum(1 for r in records if r[0] == "response") == int(written)
    assert path.stat().st_size <= 50000


def test_failure_on_the_first_record_leaves_no_file(tmp_path):
    out = subprocess.run(
        [sys.executable, "-c", FULL_DISK_SCRIPT, str(tmp_path), "100"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert out.stdout.startswith("0 ")
    assert list(tmp_path.iterdir()) == []


def test_write_after_failure_raises_the_same_error(tmp_path):
    class Broken(io.RawIOBase):
        def write(self, b):
            raise OSError(28, "No space left on device")

    writer = WarcFileWriter(tmp_path, prefix="t")
    writer.write_exchange(exchange())
    real = writer._fh
    writer._fh = Broken()
    with pytest.raises(WarcWriteError, match="No space left"):
        writer.write_exchange(exchange())
    real.close()
    with pytest.raises(WarcWriteError):
        writer.write_exchange(exchange())


header_names = st.sampled_from(
    [b"Content-Type", b"Set-Cookie", b"X-Thu", b"Link", b"Cache-Control", b"Vary"]
)
# Visible ASCII, no edge spaces: what real header values are (RFC 9110 field-value).
header_values = st.text(
    alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=40
).map(str.encode)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    path=st.text(alphabet="abcđêơư0123456789-/", max_size=30),
    query=st.text(alphabet="abc=&%20", max_size=20),
    headers=st.lists(st.tuples(header_names, header_values), max_size=8),
    body=st.binary(max_size=5000),
    status=st.sampled_from([200, 206, 301, 404, 410, 500]),
)
def test_identity_write_then_read(tmp_path, path, query, headers, body, status):
    """read(write(exchange)) gives back the URL, status, every header and the body."""
    url = f"http://thoisu.test/{path}" + (f"?{query}" if query else "")
    ex = exchange(url=url, response_headers=tuple(headers), response_body=body, status=status)
    folder = tmp_path / f"p{abs(hash((url, body, status, tuple(headers))))}"
    with WarcFileWriter(folder, prefix="h") as writer:
        writer.write_exchange(ex)
    (_, rec, http, payload) = read_all(next(folder.iterdir()))[1]
    assert rec.get_header("WARC-Target-URI") == url
    assert int(http.statusline.split()[0]) == status
    stored = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in http.headers]
    assert stored == headers
    assert payload == body


def test_derived_records_refer_to_their_response(tmp_path):
    with WarcFileWriter(tmp_path / "raw", prefix="t") as raw:
        response, _ = raw.write_exchange(exchange())
    with WarcFileWriter(tmp_path / "derived", prefix="t-extracted") as derived:
        conversion, metadata = derived.write_derived(
            exchange().url, response.record_id, "Xin chào Việt Nam", '{"title": "Chào"}'
        )
    records = read_all(next((tmp_path / "derived").iterdir()))
    assert [r[0] for r in records] == ["warcinfo", "conversion", "metadata"]
    for _, headers, _, _ in records[1:]:
        assert headers.get_header("WARC-Refers-To") == response.record_id
        assert headers.get_header("WARC-Target-URI") == exchange().url
    assert records[1][3].decode() == "Xin chào Việt Nam"
    assert records[1][1].get_header("Content-Type") == "text/plain; charset=utf-8"
    assert records[2][1].get_header("Content-Type") == "application/json"
    assert conversion.record_id == records[1][1].get_header("WARC-Record-ID")
    assert metadata.offset == conversion.offset + conversion.length
