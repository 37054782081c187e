"""The backfill asks a CDX server for each host and follows the Wayback Machine's
resumption key to the end of a long answer (a loopback server answering as it does)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner

from crawler.backfill.client import ArchiveClient
from crawler.backfill.run import BackfillOptions, _Backfill
from crawler.cli import main
from crawler.errors import BackfillError
from crawler.sources.schema import Source

HEADER = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]


class _Cdx(BaseHTTPRequestHandler):
    asked: ClassVar[list[dict[str, list[str]]]] = []

    def do_GET(self) -> None:
        query = parse_qs(urlsplit(self.path).query)
        type(self).asked.append(query)
        if "resumeKey" in query:
            rows = [
                HEADER,
                ["k", "20121107000000", "http://news.example/b.html", "text/html", "200", "B", "9"],
            ]
        elif query["url"] == ["news.example"]:
            rows = [
                HEADER,
                ["k", "20121005000000", "http://news.example/a.html", "text/html", "200", "A", "9"],
                ["k", "20121005000001", "http://elsewhere.example/", "text/html", "200", "C", "9"],
                [],
                ["next-page"],
            ]
        else:
            self.send_response(404)
            self.end_headers()
            return
        body = json.dumps(rows).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)  # fmt: skip

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def cdx():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Cdx)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Cdx.asked = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _job(cdx: str, hosts: list[str]) -> _Backfill:
    source = Source.model_validate(
        {"name": "tin", "seeds": ["http://news.example/"], "allowed_hosts": hosts,
         "contact": "tests@example.org"}
    )  # fmt: skip
    client = ArchiveClient("archivist-test", delay=0, retries=0)
    return _Backfill(None, source, BackfillOptions(f"{cdx}/coll/"), client, None)


def test_every_page_of_a_long_answer_is_read_and_out_of_scope_lines_dropped(cdx):
    job = _job(cdx, ["news.example"])
    found = job.captures()
    assert [c.url for c in found] == ["http://news.example/a.html", "http://news.example/b.html"]
    assert job.counts["listed"] == 3
    assert [q.get("resumeKey") for q in _Cdx.asked] == [None, ["next-page"]]
    assert _Cdx.asked[0]["collapse"] == ["digest"]


def test_a_cdx_server_that_is_not_there_is_one_line_naming_the_query(cdx):
    with pytest.raises(BackfillError, match=r"/coll/cdx\?url=other.example.*answered HTTP 404"):
        _job(cdx, ["other.example"]).captures()


def test_a_bad_date_is_refused_before_anything_is_asked(tmp_path):
    env = {"ARCHIVIST_HOME": str(tmp_path), "ARCHIVIST_SOURCES": str(tmp_path)}
    result = CliRunner().invoke(main, ["backfill", "tin", "--from", "last week"], env=env)
    assert result.exit_code == 2
    assert "'last week' is not a date such as 2012, 2012-10-05 or 20121005083000" in result.output
    unknown = CliRunner().invoke(
        main, ["backfill", "tin", "--archive", "http://127.0.0.1:9/"], env=env
    )
    assert unknown.exit_code == 2
    assert "tin" in unknown.output.strip().splitlines()[-1]
