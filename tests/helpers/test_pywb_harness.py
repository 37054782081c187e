"""Replay of warcio-written WARC files through pywb (tests/helpers/pywb_harness.py).

Needs pywb in its own venv: run ``scripts/pywb-env``. Skipped when it is missing, unless
ARCHIVIST_REQUIRE_PYWB=1 (as CI should set), which turns the skip into a failure.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
from typing import TYPE_CHECKING

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tests.helpers.pywb_harness import PywbServer, PywbStartupError, find_wayback

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

_WAYBACK = find_wayback()
if _WAYBACK is None:
    if os.environ.get("ARCHIVIST_REQUIRE_PYWB") == "1":
        pytest.fail(
            "ARCHIVIST_REQUIRE_PYWB=1 but pywb is not installed: run scripts/pywb-env",
            pytrace=False,
        )
    pytest.skip(
        "pywb is not installed (run scripts/pywb-env to create .venv-pywb)",
        allow_module_level=True,
    )
WAYBACK: Path = _WAYBACK

pytestmark = pytest.mark.pywb

URL = "http://thoisu.test/chinh-tri/bai-viet-123456.html"
OLD_URL = "http://thoisu.test/tin-cu/123456"
FIRST_DATE, FIRST_TS = "2024-05-01T10:00:00Z", "20240501100000"
REVISIT_DATE, REVISIT_TS = "2024-06-01T10:00:00Z", "20240601100000"
REDIRECT_DATE, REDIRECT_TS = "2024-05-01T10:00:01Z", "20240501100001"
HTML = (
    "<!doctype html>\n<html lang=vi><head><meta charset=utf-8>"
    "<title>Thời sự \u2013 Chính trị</title></head>\n<body><h1>Quốc hội thông qua nghị quyết"
    " về phát triển kinh tế \u2013 xã hội</h1>\n<p>Tiếng Việt: ă â đ ê ô ơ ư ạ ả ấ ầ ẩ ẫ ậ ỹ.</p>"
    '\n<a href="/chinh-tri/">Chính trị</a></body></html>\n'
).encode()
GZ = gzip.compress(HTML, mtime=0)  # the body as the server sent it (Content-Encoding: gzip)
# One collection per WARC version: warcio writes 1.0 by default; 1.1 changes the
# revisit profile URI, which pywb must recognise too.
COLLECTIONS = {"thoisu10": "1.0", "thoisu11": "1.1"}


def _page_headers(*extra: tuple[str, str]) -> StatusAndHeaders:
    headers = [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Encoding", "gzip"),
        ("Content-Length", str(len(GZ))),
        *extra,
    ]
    return StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1")


def _write_warc(path: Path, warc_version: str) -> None:
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True, warc_version=warc_version)
        response = writer.create_warc_record(
            URL,
            "response",
            payload=io.BytesIO(GZ),
            length=len(GZ),  # with no length, warcio spools to a temp file it never closes
            http_headers=_page_headers(),
            warc_headers_dict={"WARC-Date": FIRST_DATE},
        )
        writer.write_record(response)
        request_headers = StatusAndHeaders(
            "GET /chinh-tri/bai-viet-123456.html",
            [("Host", "thoisu.test"), ("Accept-Encoding", "gzip, deflate")],
            protocol="HTTP/1.1",
            is_http_request=True,
        )
        request = writer.create_warc_record(
            URL,
            "request",
            payload=io.BytesIO(b""),
            length=0,
            http_headers=request_headers,
            warc_headers_dict={
                "WARC-Date": FIRST_DATE,
                "WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID"),
            },
        )
        writer.write_record(request)
        digest = response.rec_headers.get_header("WARC-Payload-Digest")
        # The payload digest is over the body as stored: the gzip bytes.
        assert digest is not None
        revisit = writer.create_revisit_record(
            URL,
            digest,
            URL,
            FIRST_DATE,
            http_headers=_page_headers(("X-Capture", "second")),
            warc_headers_dict={"WARC-Date": REVISIT_DATE},
        )
        writer.write_record(revisit)
        redirect = writer.create_warc_record(
            OLD_URL,
            "response",
            payload=io.BytesIO(b""),
            length=0,
            http_headers=StatusAndHeaders(
                "301 Moved Permanently",
                [("Location", URL), ("Content-Length", "0")],
                protocol="HTTP/1.1",
            ),
            warc_headers_dict={"WARC-Date": REDIRECT_DATE},
        )
        writer.write_record(redirect)


def _archive_state(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.glob("collections/*/archive/**/*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def archive_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("pywb-root")
    for coll, version in COLLECTIONS.items():
        archive = root / "collections" / coll / "archive"
        archive.mkdir(parents=True)
        _write_warc(archive / "thoisu-00000.warc.gz", version)
    return root


@pytest.fixture(scope="module")
def archive_before(archive_root: Path) -> dict[str, str]:
    return _archive_state(archive_root)


@pytest.fixture(scope="module")
def pywb(archive_root: Path, archive_before: dict[str, str]) -> Iterator[PywbServer]:
    with PywbServer(archive_root, WAYBACK) as server:
        yield server


@pytest.fixture(params=sorted(COLLECTIONS))
def coll(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


# What pywb 2.10 does with a stored `Content-Encoding: gzip` body (pywb/rewrite/
# content_rewriter.py, RewriterConfig.__call__): in id_ mode it passes the stored bytes
# and headers through untouched *if the client's Accept-Encoding contains "gzip"*;
# otherwise it decompresses the body itself and drops Content-Encoding and Content-Length
# (the reply is chunked). In rewriting modes (mp_, and the framed top page's inner frame)
# the body is always decompressed, rewritten and sent without Content-Encoding, whatever
# Accept-Encoding says.


@pytest.mark.pywb
def test_id_without_accept_encoding_decodes_gzip(pywb: PywbServer, coll: str) -> None:
    status, headers, body = pywb.fetch(coll, URL, FIRST_TS)
    assert status == 200
    assert body == HTML
    assert "content-encoding" not in headers
    assert "content-length" not in headers
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert headers["memento-datetime"] == "Wed, 01 May 2024 10:00:00 GMT"


@pytest.mark.pywb
def test_id_with_accept_encoding_gzip_returns_stored_bytes(pywb: PywbServer, coll: str) -> None:
    status, headers, body = pywb.fetch(coll, URL, FIRST_TS, headers={"Accept-Encoding": "gzip"})
    assert status == 200
    assert body == GZ
    assert headers["content-encoding"] == "gzip"
    assert headers["content-length"] == str(len(GZ))
    assert gzip.decompress(body).decode() == HTML.decode()


@pytest.mark.pywb
@pytest.mark.parametrize("accept_encoding", ["", "gzip"])
def test_revisit_replays_the_original_payload(
    pywb: PywbServer, coll: str, accept_encoding: str
) -> None:
    request_headers = {"Accept-Encoding": accept_encoding} if accept_encoding else {}
    status, headers, body = pywb.fetch(coll, URL, REVISIT_TS, headers=request_headers)
    assert status == 200
    assert body == (GZ if accept_encoding else HTML)
    # The revisit's own HTTP headers and date, the original's payload.
    assert headers["x-capture"] == "second"
    assert headers["memento-datetime"] == "Sat, 01 Jun 2024 10:00:00 GMT"
    _, _, first_body = pywb.fetch(coll, URL, FIRST_TS, headers=request_headers)
    assert body == first_body


@pytest.mark.pywb
def test_redirect_replays_as_301_with_its_location(pywb: PywbServer, coll: str) -> None:
    status, headers, body = pywb.fetch(coll, OLD_URL, REDIRECT_TS)
    assert status == 301
    assert headers["location"] == URL  # id_ leaves Location as archived
    assert body == b""
    status, headers, _ = pywb.fetch(coll, OLD_URL, REDIRECT_TS, mode="mp_")
    assert status == 301
    assert headers["location"] == f"{pywb.base_url}/{coll}/{REDIRECT_TS}mp_/{URL}"


@pytest.mark.pywb
def test_follow_reaches_the_redirect_target(pywb: PywbServer, coll: str) -> None:
    status, headers, body = pywb.fetch(coll, OLD_URL, REDIRECT_TS, mode="mp_", follow=True)
    assert status == 200
    assert "Quốc hội thông qua nghị quyết".encode() in body
    assert "content-encoding" not in headers


@pytest.mark.pywb
def test_rewritten_replay_decodes_gzip_even_when_client_accepts_it(
    pywb: PywbServer, coll: str
) -> None:
    status, headers, body = pywb.fetch(
        coll, URL, FIRST_TS, mode="mp_", headers={"Accept-Encoding": "gzip"}
    )
    assert status == 200
    assert "content-encoding" not in headers
    text = body.decode("utf-8")
    assert "Quốc hội thông qua nghị quyết" in text
    assert f"/{coll}/{FIRST_TS}mp_/http://thoisu.test/chinh-tri/" in text  # links rewritten


@pytest.mark.pywb
def test_inexact_timestamp_serves_closest_capture_without_redirect(
    pywb: PywbServer, coll: str
) -> None:
    # pywb's default config has redirect_to_exact off: the closest capture is served
    # directly, and only Memento-Datetime tells which one it was.
    status, headers, body = pywb.fetch(coll, URL, "20240520")
    assert status == 200
    assert headers["memento-datetime"] == "Sat, 01 Jun 2024 10:00:00 GMT"
    assert body == HTML
    status, headers, _ = pywb.fetch(coll, URL)  # no timestamp: latest capture
    assert status == 200
    assert headers["memento-datetime"] == "Sat, 01 Jun 2024 10:00:00 GMT"


@pytest.mark.pywb
def test_unarchived_url_is_404(pywb: PywbServer, coll: str) -> None:
    status, _, _ = pywb.fetch(coll, "http://thoisu.test/khong-co.html")
    assert status == 404


@pytest.mark.pywb
def test_archivists_index_is_written_and_archive_left_untouched(
    pywb: PywbServer, archive_root: Path, archive_before: dict[str, str]
) -> None:
    assert pywb.base_url.startswith("http://127.0.0.1:")
    for coll in COLLECTIONS:
        index = archive_root / "collections" / coll / "indexes" / "index.cdxj"
        # As `archivist replay`: the response, revisit and redirect; not the GET request record.
        assert index.read_text().count("\n") == 3
    assert _archive_state(archive_root) == archive_before


@pytest.mark.pywb
def test_missing_collections_dir_fails_fast(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no collections/ directory"):
        PywbServer(tmp_path, WAYBACK).__enter__()


@pytest.mark.pywb
def test_startup_failure_reports_pywb_output(tmp_path: Path) -> None:
    (tmp_path / "collections" / "bad name" / "archive").mkdir(parents=True)
    server = PywbServer(tmp_path, WAYBACK, indexer="pywb")  # pywb's manager checks the name
    with pytest.raises(PywbStartupError, match="Invalid Collection Name") as excinfo:
        server.__enter__()
    assert "exited with status" in str(excinfo.value)
    assert server.pid is None


@pytest.mark.pywb
def test_startup_timeout_stops_the_process(tmp_path: Path) -> None:
    (tmp_path / "collections").mkdir()
    server = PywbServer(tmp_path, WAYBACK, startup_timeout=0.2)
    with pytest.raises(PywbStartupError, match=r"did not answer .* within 0\.2s"):
        server.__enter__()
    assert server.pid is None
