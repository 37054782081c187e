"""WarcFileWriter with an exchange's bytes on the wire (``archive.Wire``): the blocks are
those bytes; the payload digest is over the entity, chunk framing removed."""

from __future__ import annotations

import base64
import hashlib
import tempfile
from datetime import UTC, datetime

from warcio.archiveiterator import ArchiveIterator

from archive import HttpExchange, Original, WarcFileWriter, Wire
from archive.warc.reader import iter_responses

FIXED = datetime(2026, 12, 6, 8, 30, tzinfo=UTC)
REQUEST = b"GET /bai.html HTTP/1.1\r\nHost: thoisu.test\r\nuser-agent: t\r\n\r\n"
HEAD = b"HTTP/1.1 200 Fine\r\ncontent-type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n"


def sha1(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode()


def chunked(body: bytes, size: int) -> bytes:
    pieces = [body[i : i + size] for i in range(0, len(body), size)]
    return b"".join(b"%x\r\n%b\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"


def wired(body: bytes, size: int = 7) -> tuple[HttpExchange, bytes]:
    sent = HEAD + chunked(body, size)
    spool = tempfile.SpooledTemporaryFile(max_size=1 << 20)  # noqa: SIM115 - closed below
    spool.write(sent)
    exchange = HttpExchange(
        url="http://thoisu.test/bai.html",
        method="GET",
        request_headers=((b"Host", b"thoisu.test"), (b"User-Agent", b"t")),
        status=200,
        response_headers=((b"Content-Type", b"text/html"),),
        response_body=body,
        length_known=False,
        date=FIXED,
        wire=Wire(REQUEST, spool),
    )
    return exchange, sent


def blocks(path):
    with path.open("rb") as fh:
        return [
            (rec.rec_type, rec.rec_headers, rec.raw_stream.read())
            for rec in ArchiveIterator(fh, no_record_parse=True)
        ]


def test_blocks_are_the_wire_bytes_and_the_payload_digest_the_entity(tmp_path):
    body = "<p>Xin chào, Hà Nội</p>".encode()
    exchange, sent = wired(body)
    with WarcFileWriter(tmp_path, prefix="t") as writer:
        writer.write_exchange(exchange)
    exchange.wire.response.close()
    (path,) = tmp_path.iterdir()
    _, (_, response, block), (_, request, request_block) = blocks(path)
    assert block == sent
    assert response.get_header("WARC-Block-Digest") == sha1(sent)
    assert response.get_header("WARC-Payload-Digest") == sha1(body)
    assert request_block == REQUEST
    assert request.get_header("WARC-Block-Digest") == sha1(REQUEST)
    (stored,) = iter_responses(path)
    assert stored.payload == body  # the reader takes the framing off
    assert stored.ref.payload_digest == sha1(body)


def test_a_large_response_spooled_to_disk_is_written_whole(tmp_path):
    body = bytes(range(256)) * (12 * 1024)  # 3 MiB, past the spool's memory
    exchange, sent = wired(body, 65536)
    assert exchange.wire.response._rolled  # on disk: the case a long body takes
    with WarcFileWriter(tmp_path, prefix="t", gzip_level=0) as writer:
        writer.write_exchange(exchange)
    exchange.wire.response.close()
    (path,) = tmp_path.iterdir()
    _, (_, response, block), _ = blocks(path)
    assert block == sent
    assert response.get_header("WARC-Payload-Digest") == sha1(body)


def test_a_revisit_holds_the_wire_head(tmp_path):
    exchange, _ = wired(b"same")
    original = Original("<urn:uuid:1>", exchange.url, FIXED, sha1(b"same"))
    with WarcFileWriter(tmp_path, prefix="t") as writer:
        writer.write_revisit(exchange, original, not_modified=False)
    exchange.wire.response.close()
    (path,) = tmp_path.iterdir()
    _, (kind, _, block), (_, _, request_block) = blocks(path)
    assert kind == "revisit"
    assert block == HEAD
    assert request_block == REQUEST
