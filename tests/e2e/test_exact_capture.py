"""Byte-exact capture: for each case of the fidelity matrix, a raw socket server sends
prepared bytes, a real crawl fetches them through archivist's handler and capture, and
the response record's HTTP block is those bytes, byte for byte (the request record, the
bytes the server read). Readers (warcio, archive.warc.reader, pywb) still decode them."""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import os
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import ChunkedDataReader

from archive.warc.reader import iter_responses
from tests.helpers.crawls import (
    WARCIO,
    cdxj_indexer_lines,
    collection_index_lines,
    warc_files,
    warcio_check,
)
from tests.helpers.raw_http import Case, RawServer, fetch_all, tls_context


def sha1(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode()


def page(title: str) -> bytes:
    text = f"<p>Bài viết {title}: Hà Nội, ngày 6 tháng 12. " + "Nội dung bài báo. " * 40
    return (
        f"<!doctype html><html lang=vi><head><meta charset=utf-8><title>{title}</title>"
        f"</head><body><article><h1>{title}</h1>{text}</p></article></body></html>"
    ).encode()


def chunked(body: bytes, size: int = 300, hexa: bytes = b"%x") -> list[bytes]:
    """The body in chunks (``hexa``: the size's hex case), the first with an extension."""
    pieces = [
        hexa % len(body[i : i + size]) + b"\r\n" + body[i : i + size] + b"\r\n"
        for i in range(0, len(body), size)
    ]
    pieces[0] = pieces[0].replace(b"\r\n", b";ext=1\r\n", 1)
    return [*pieces, b"0\r\n\r\n"]


def gz(data: bytes) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
    return compressor.compress(data) + compressor.flush()


def head(status: str, *lines: str) -> bytes:
    return (status + "\r\n" + "".join(f"{line}\r\n" for line in lines) + "\r\n").encode()


HTML = "Content-Type: text/html; charset=utf-8"


def build_cases() -> dict[str, Case]:
    plain, zipped = page("plain"), gz(page("gzip"))
    chunky, zipped_chunky = page("chunked"), gz(page("gzip chunked"))
    return {
        "/plain": Case((head("HTTP/1.1 200 OK", HTML, f"Content-Length: {len(plain)}"), plain)),
        "/gzip": Case(
            (
                head(
                    "HTTP/1.1 200 OK",
                    HTML,
                    "Content-Encoding: gzip",
                    f"Content-Length: {len(zipped)}",
                ),
                zipped,
            )
        ),
        "/chunked": Case(
            (head("HTTP/1.1 200 OK", HTML, "Transfer-Encoding: chunked"), *chunked(chunky))
        ),
        "/gzip-chunked": Case(
            (
                head(
                    "HTTP/1.1 200 OK", HTML, "Content-Encoding: gzip", "Transfer-Encoding: chunked"
                ),
                *chunked(zipped_chunky, 250, b"%X"),
            )
        ),
        "/close": Case(
            (head("HTTP/1.1 200 OK", HTML, "Connection: close"), page("close")), close=True
        ),
        "/odd-case": Case(
            (
                head(
                    "HTTP/1.1 200 OK",
                    "x-zebra: last-first",
                    "content-TYPE: text/html; charset=utf-8",
                    "SERVER: Raw/1",
                    "Content-length: 9",
                    "cache-control:no-store",
                ),
                b"odd cases",
            )
        ),
        "/repeated": Case(
            (
                head(
                    "HTTP/1.1 200 OK",
                    "Set-Cookie: a=1; Path=/",
                    "X-Between: yes",
                    "set-cookie: b=2",
                    "Vary: Accept",
                    "Vary: Cookie",
                    "Content-Length: 4",
                ),
                b"twin",
            )
        ),
        "/reason": Case((head("HTTP/1.1 200 Fine Thanks, And You", "Content-Length: 3"), b"yes")),
        "/http10": Case((head("HTTP/1.0 200 OK", HTML), page("http 1.0")), close=True),
        "/ka/1": Case((head("HTTP/1.1 200 OK", "Content-Length: 5"), b"first")),
        "/ka/2": Case(
            (
                head("HTTP/1.1 200 OK", "Transfer-Encoding: chunked"),
                b"6\r\nsecond\r\n",
                b"0\r\n\r\n",
            )
        ),
        "/ka/3": Case(
            (head("HTTP/1.1 201 Made", "Content-Length: 5", "Keep-Alive: timeout=5"), b"third")
        ),
        "/not-modified": Case(
            (head("HTTP/1.1 304 Not Modified", 'ETag: "v1"', "Cache-Control: max-age=60"),)
        ),
        "/head": Case((head("HTTP/1.1 200 OK", HTML, "Content-Length: 12345"),)),
        "/early-hints": Case(
            (
                head("HTTP/1.1 103 Early Hints", "Link: </s.css>; rel=preload"),
                head("HTTP/1.1 200 OK", "Content-Length: 5"),
                b"hints",
            )
        ),
    }


REQUESTS = [
    ("GET", "/plain"),
    ("GET", "/gzip"),
    ("GET", "/chunked"),
    ("GET", "/gzip-chunked"),
    ("GET", "/close"),
    ("GET", "/odd-case"),
    ("GET", "/repeated"),
    ("GET", "/reason"),
    ("GET", "/http10"),
    ("GET", "/ka/1"),
    ("GET", "/ka/2"),
    ("GET", "/ka/3"),
    ("GET", "/not-modified"),
    ("HEAD", "/head"),
]
ARTICLES = ["/plain", "/gzip", "/chunked", "/gzip-chunked", "/close", "/http10"]


@pytest.fixture(scope="module")
def exact_crawl(tmp_path_factory):
    home = tmp_path_factory.mktemp("exact")
    with RawServer(build_cases()) as server:
        wanted = [*REQUESTS, ("GET", "/early-hints")]
        result = fetch_all([(m, server.url(p)) for m, p in wanted], home)
        assert result.returncode == 0, result.stderr[-3000:]
        (home / "crawl.log").write_text(result.stderr)
        files = warc_files(home)
        blocks: dict[tuple[str, str], list[bytes]] = {}
        for path in files:
            with path.open("rb") as fh:
                for record in ArchiveIterator(fh, no_record_parse=True):
                    uri = record.rec_headers.get_header("WARC-Target-URI") or ""
                    key = (record.rec_type, uri.removeprefix(server.url("")))
                    blocks.setdefault(key, []).append(record.raw_stream.read())
        yield server, home, files, blocks


@pytest.mark.parametrize(("method", "path"), REQUESTS)
def test_the_response_block_is_what_the_server_sent(exact_crawl, method, path):
    server, _, _, blocks = exact_crawl
    assert blocks[("response", path)] == [server.cases[path].sent]


@pytest.mark.parametrize(("method", "path"), REQUESTS)
def test_the_request_block_is_what_the_server_read(exact_crawl, method, path):
    server, _, _, blocks = exact_crawl
    (seen,) = [s for s in server.log if s.path == path]
    assert blocks[("request", path)] == [seen.request]
    assert seen.request.startswith(f"{method} {path} HTTP/1.1\r\n".encode())


def test_keep_alive_exchanges_shared_one_connection_each_its_own_record(exact_crawl):
    server, _, _, blocks = exact_crawl
    connections = {s.connection for s in server.log if s.path.startswith("/ka/")}
    assert len(connections) == 1
    for n in (1, 2, 3):
        assert len(blocks[("response", f"/ka/{n}")]) == 1


def test_the_wire_bytes_go_once_captured_not_with_the_response(exact_crawl):
    """A response lives on after its capture (waiting to be parsed, then extracted):
    the bytes tapped off its connection are let go once its records are written."""
    _, home, _, _ = exact_crawl
    log = (home / "crawl.log").read_text()
    assert f"wires kept past capture: 0 of {len(REQUESTS) + 1}" in log, log[-2000:]


def test_a_response_after_an_interim_1xx_is_stored_as_parsed(exact_crawl):
    """Readers take a block's first status line: one starting with "103 Early Hints"
    would read as a 103. The final response is stored as Twisted parsed it."""
    _, _, _, blocks = exact_crawl
    (block,) = blocks[("response", "/early-hints")]
    assert block.startswith(b"HTTP/1.1 200 OK\r\n")
    assert block.endswith(b"\r\n\r\nhints")


def test_warcio_checks_the_files(exact_crawl):
    """warcio's checker hashes the bytes after the HTTP headers as the payload, chunk
    framing included (webrecorder/warcio#74, #75), so it reports the three chunked
    cases' payload digests (WARC 1.1, 6.3.2: transfer coding removed), and nothing else;
    ``warcio_check`` finds each of those digests right for the de-chunked entity."""
    _, _, files, _ = exact_crawl
    check = subprocess.run(
        [WARCIO, "check", "-v", *map(str, files)], capture_output=True, text=True, check=False
    )
    failed = [line for line in check.stdout.splitlines() if "failed" in line]
    assert len(failed) == 3, check.stdout
    assert all("payload digest failed" in line for line in failed)
    settled = warcio_check(files)
    assert settled.returncode == 0, settled.stdout + settled.stderr


def test_the_index_written_with_the_files_is_the_one_cdxj_indexer_reads_back(exact_crawl):
    """The writer indexes each record as it writes it; pywb must find in that index
    exactly what its own indexer finds reading the files back: every case here (chunked,
    gzip, close-delimited, HTTP/1.0, odd header case, 304, HEAD) is in it."""
    _, home, files, _ = exact_crawl
    assert collection_index_lines(home) == cdxj_indexer_lines(files)
    assert not list(home.glob("collections/*/indexes/.*.cdxj.open"))


def test_payload_digest_is_the_dechunked_still_encoded_entity(exact_crawl):
    _, _, files, _ = exact_crawl
    for path in files:
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type != "response":
                    continue
                raw = record.raw_stream.read()
                if record.http_headers.get_header("Transfer-Encoding") == "chunked":
                    entity = ChunkedDataReader(io.BytesIO(raw), decomp_type=None).read()
                    assert entity != raw
                else:
                    entity = raw
                assert record.rec_headers.get_header("WARC-Payload-Digest") == sha1(entity)


def test_the_reader_gives_the_dechunked_entity(exact_crawl):
    server, _, files, _ = exact_crawl
    stored = {r.url.removeprefix(server.url("")): r for path in files for r in iter_responses(path)}
    assert gzip.decompress(stored["/gzip-chunked"].payload) == page("gzip chunked")
    assert stored["/chunked"].payload == page("chunked")
    assert stored["/ka/2"].payload == b"second"
    assert stored["/close"].payload == page("close")
    assert stored["/reason"].status == 200
    assert stored["/head"].payload == b""


@pytest.mark.pywb
def test_pywb_replays_every_article_byte_equal(exact_crawl, wayback):
    from tests.helpers.pywb_harness import PywbServer

    server, home, _, _ = exact_crawl
    with PywbServer(home, wayback) as pywb:
        for path in ARTICLES:
            expected = {
                "/gzip": page("gzip"),
                "/gzip-chunked": page("gzip chunked"),
                "/http10": page("http 1.0"),
            }.get(path) or page(path.strip("/"))
            status, _, body = pywb.fetch("exact", server.url(path))
            assert (path, status) == (path, 200)
            assert (path, body) == (path, expected)


def test_over_tls_the_blocks_are_the_decrypted_bytes(tmp_path):
    """The tap sits above TLS: the records hold the HTTP bytes, not the ciphertext."""
    cases = build_cases()
    wanted = ["/plain", "/gzip-chunked", "/ka/1", "/ka/2", "/repeated"]
    with RawServer(cases, tls=tls_context(tmp_path)) as server:
        result = fetch_all([("GET", server.url(p)) for p in wanted], tmp_path / "home")
        assert result.returncode == 0, result.stderr[-3000:]
        found = {}
        for path in warc_files(tmp_path / "home"):
            with path.open("rb") as fh:
                for record in ArchiveIterator(fh, no_record_parse=True):
                    uri = record.rec_headers.get_header("WARC-Target-URI") or ""
                    found[record.rec_type, uri.removeprefix(server.url(""))] = (
                        record.raw_stream.read()
                    )
        for path in wanted:
            assert found["response", path] == cases[path].sent
            (seen,) = [s for s in server.log if s.path == path]
            assert found["request", path] == seen.request


def test_archivist_show_decodes_a_chunked_gzip_capture(exact_crawl):
    server, home, _, _ = exact_crawl
    archivist = str(Path(sys.executable).with_name("archivist"))
    env = {**os.environ, "ARCHIVIST_HOME": str(home)}
    shown = subprocess.run(
        [archivist, "show", server.url("/gzip-chunked")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert shown.returncode == 0, shown.stderr
    assert "Transfer-Encoding: chunked" in shown.stdout
    assert "Bài viết gzip chunked: Hà Nội" in shown.stdout
    assert "does not decode" not in shown.stdout
