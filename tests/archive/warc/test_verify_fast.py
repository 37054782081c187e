"""The verifier's fast path (issue 21): the stream that inflates gzip members without
copying, digests compared without encoding, files read side by side. Each must judge
exactly as the plain way does: these tests compare against gzip, base64 and a one-core
run, on files of every shape, including members far larger than one read."""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import os
import random
from typing import TYPE_CHECKING

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archive.warc._dechunk import Dechunker
from archive.warc._digest import Hasher
from archive.warc._verify_stream import CHUNK, FEED, MemberStream, StreamFault
from archive.warc.cdxj import INDEX_NAME, reindex_collection
from archive.warc.verify import verify_paths

if TYPE_CHECKING:
    from pathlib import Path


def _sha1(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode()


def _record(rid: str, body: bytes, url: str = "http://a.test/") -> bytes:
    block = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" + body
    head = (
        "WARC/1.1\r\nWARC-Type: response\r\n"
        f"WARC-Record-ID: <urn:uuid:{rid}>\r\n"
        "WARC-Date: 2026-01-02T03:04:05.123456Z\r\n"
        f"WARC-Target-URI: {url}\r\n"
        f"WARC-Block-Digest: {_sha1(block)}\r\n"
        f"WARC-Payload-Digest: {_sha1(body)}\r\n"
        "Content-Type: application/http; msgtype=response\r\n"
        f"Content-Length: {len(block)}\r\n\r\n"
    ).encode()
    return head + block + b"\r\n\r\n"


@settings(max_examples=40, deadline=None)
@given(
    sizes=st.lists(st.integers(0, 3 * FEED), min_size=1, max_size=6),
    reads=st.lists(st.integers(1, 2 * FEED), min_size=1, max_size=20),
)
def test_the_stream_gives_what_gzip_gives_and_knows_each_member(sizes, reads):
    rng = random.Random(len(sizes) * 7 + sum(sizes))
    plain = [rng.randbytes(n // 2) + b"\n" * (n - n // 2) for n in sizes]
    members = [gzip.compress(p) for p in plain]
    stream = MemberStream(io.BytesIO(b"".join(members)))
    got = bytearray()
    i = 0
    while not stream.peek_eof():
        size = reads[i % len(reads)]
        got += stream.readline(size) if i % 2 else stream.read(size)
        i += 1
    assert bytes(got) == b"".join(plain)
    # read member by member, as records are read: each non-empty one is seen to start
    # at its compressed offset
    stream = MemberStream(io.BytesIO(b"".join(members)))
    starts = []
    for text in plain:
        if not text:
            continue
        assert not stream.peek_eof()
        assert stream.at_member_start()
        starts.append(stream.position())
        assert stream.read(len(text)) == text
    assert starts == [sum(len(m) for m in members[:k]) for k in range(len(plain)) if plain[k]]
    assert stream.read(1) == b""


def test_a_member_larger_than_a_read_is_checked_whole(tmp_path):
    """A 5 MB page inflates over many FEED slices and CHUNK reads: digests still hold,
    and one flipped byte inside it is a corrupt member, never a silent pass."""
    body = os.urandom(5 * CHUNK // 2) + b"x" * (5 * CHUNK // 2)
    data = gzip.compress(_record("00000000-0000-0000-0000-00000000000a", body))
    good = tmp_path / "big.warc.gz"
    good.write_bytes(data)
    report = verify_paths([good])
    assert (report.records, report.findings) == (1, [])
    bad = tmp_path / "flipped.warc.gz"
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0x40
    bad.write_bytes(bytes(flipped))
    faults = [f.message for f in verify_paths([bad]).faults]
    assert any("gzip" in m or "mismatch" in m for m in faults), faults


def test_a_truncated_member_is_a_fault_at_its_offset():
    first = gzip.compress(b"a" * 100)
    cut = gzip.compress(os.urandom(3 * FEED))[: FEED + 10]
    stream = MemberStream(io.BytesIO(first + cut))
    assert stream.read(100) == b"a" * 100
    with pytest.raises(StreamFault) as caught:
        stream.read(3 * FEED)
    assert caught.value.offset == len(first)


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=200), algo=st.sampled_from(["sha1", "md5", "sha256", "sha512"]))
def test_a_digest_matches_in_every_encoding_and_only_its_own_data(data, algo):
    raw = hashlib.new(algo, data).digest()
    b32 = base64.b32encode(raw).decode()
    for text in (b32, b32.rstrip("="), b32.lower(), raw.hex(), raw.hex().upper()):
        same = Hasher(f"{algo}:{text}")
        same.update(data)
        assert same.mismatch() is None, text
        other = Hasher(f"{algo}:{text}")
        other.update(data + b".")
        assert other.mismatch() is not None, text


def _collection(tmp_path: Path, files: int) -> list[Path]:
    paths = []
    for n in range(files):
        path = tmp_path / "archive" / f"c-{n}.warc.gz"
        path.parent.mkdir(exist_ok=True)
        records = [
            _record(
                f"00000000-0000-0000-{n:04d}-{k:012d}", os.urandom(200), f"http://a.test/{n}/{k}"
            )
            for k in range(30)
        ]
        path.write_bytes(b"".join(gzip.compress(r) for r in records))
        paths.append(path)
    return paths


def test_files_read_side_by_side_judge_as_one_core_does(tmp_path):
    paths = _collection(tmp_path, 4)
    # a record copied byte for byte into another file (a warning) and an ID reused on
    # a different record in a third (a fault): both cross files, so only the merge sees them
    repeat = gzip.decompress(paths[0].read_bytes()).split(b"WARC/1.1")[1]
    with paths[2].open("ab") as fh:
        fh.write(gzip.compress(b"WARC/1.1" + repeat))
    reused = _record("00000000-0000-0000-0000-000000000003", b"other words")
    with paths[3].open("ab") as fh:
        fh.write(gzip.compress(reused))
    one = verify_paths(paths, jobs=1)
    two = verify_paths(paths, jobs=2)
    assert one.records == two.records == 122
    assert sorted(map(str, one.findings)) == sorted(map(str, two.findings))
    assert [f.message.split(" (")[0] for f in two.faults] == [
        "duplicate WARC-Record-ID <urn:uuid:00000000-0000-0000-0000-000000000003> on a different record"
    ]
    assert [w.message.split(" (")[0] for w in two.warnings] == [
        "record <urn:uuid:00000000-0000-0000-0000-000000000000> repeated byte for byte"
    ]


def test_a_collection_indexed_side_by_side_is_the_same_index(tmp_path):
    _collection(tmp_path, 3)
    reindex_collection(tmp_path, jobs=1)
    serial = (tmp_path / "indexes" / INDEX_NAME).read_bytes()
    files, captures = reindex_collection(tmp_path, jobs=2)
    assert (files, captures) == (3, 90)
    assert (tmp_path / "indexes" / INDEX_NAME).read_bytes() == serial
    assert [p.name for p in (tmp_path / "indexes").glob("*.cdxj")] == [INDEX_NAME]


def _chunked(entity: bytes, sizes: list[int]) -> bytes:
    out, at = b"", 0
    for size in sizes:
        piece = entity[at : at + size] if size else b""
        at += len(piece)
        if piece:
            out += f"{len(piece):X};ext=1\r\n".encode() + piece + b"\r\n"
    if at < len(entity):
        out += f"{len(entity) - at:x}\r\n".encode() + entity[at:] + b"\r\n"
    return out + b"0\r\nX-Trailer: 1\r\n\r\n"


@settings(max_examples=40, deadline=None)
@given(entity=st.binary(max_size=3000), cuts=st.lists(st.integers(1, 700), max_size=8))
def test_the_dechunker_gives_the_entity_fed_in_any_pieces(entity, cuts):
    framed = _chunked(entity, cuts)
    got = bytearray()
    chunks = Dechunker(got.extend)
    rng = random.Random(len(entity))
    at = 0
    while at < len(framed):
        step = rng.randrange(1, 50)
        chunks.feed(framed[at : at + step])
        at += step
    assert chunks.done
    assert bytes(got) == entity


def test_broken_framing_is_never_taken_for_the_entity():
    for framed in (b"zz\r\nabc\r\n0\r\n\r\n", b"3\r\nabcX\r\n0\r\n\r\n", b"3\r\nabc\r\n"):
        chunks = Dechunker(lambda _: None)
        chunks.feed(framed)
        assert not chunks.done, framed


def _chunked_record(rid: str, entity: bytes, payload_digest: str) -> bytes:
    block = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n"
        + _chunked(entity, [7, 100, 3])
    )
    head = (
        "WARC/1.1\r\nWARC-Type: response\r\n"
        f"WARC-Record-ID: <urn:uuid:{rid}>\r\n"
        "WARC-Date: 2026-01-02T03:04:05Z\r\nWARC-Target-URI: http://a.test/c\r\n"
        f"WARC-Block-Digest: {_sha1(block)}\r\nWARC-Payload-Digest: {payload_digest}\r\n"
        "Content-Type: application/http; msgtype=response\r\n"
        f"Content-Length: {len(block)}\r\n\r\n"
    ).encode()
    return head + block + b"\r\n\r\n"


def test_a_chunked_payload_digest_holds_over_the_entity_or_over_the_framing(tmp_path):
    """WARC 1.1 (and this project, and Heritrix) hash the de-chunked entity; warcio
    hashes the framing too. Either is right data; anything else is a fault."""
    entity = b"<p>" + os.urandom(300) + b"</p>"
    framing = _chunked(entity, [7, 100, 3])
    path = tmp_path / "chunked.warc.gz"
    members = [
        gzip.compress(_chunked_record(f"00000000-0000-0000-0000-0000000000c{n}", entity, digest))
        for n, digest in enumerate((_sha1(entity), _sha1(framing), _sha1(b"x")), 1)
    ]
    path.write_bytes(b"".join(members))
    report = verify_paths([path])
    assert report.records == 3
    assert [f.message.split(":")[0] for f in report.faults] == ["WARC-Payload-Digest mismatch"]
    assert report.faults[0].offset == len(members[0]) + len(members[1])
