"""archivist verify on files other tools write: a fault only where a reader gets wrong
data or cannot read by offset; whatever readers cope with is a warning (issue 21)."""

from __future__ import annotations

import base64
import gzip
import hashlib
from typing import TYPE_CHECKING

from archive.warc.verify import SHARED_MEMBER, verify_paths

if TYPE_CHECKING:
    from pathlib import Path

BODY = b"xin chao, the payload\n"


def _record(
    rid: str = "<urn:uuid:00000000-0000-0000-0000-000000000001>",
    body: bytes = BODY,
    extra: tuple[str, ...] = (),
    eol: bytes = b"\r\n",
    tail: bytes = b"\r\n\r\n",
) -> bytes:
    lines = [
        "WARC/1.1",
        "WARC-Type: resource",
        f"WARC-Record-ID: {rid}",
        "WARC-Date: 2020-01-01T00:00:00Z",
        "WARC-Target-URI: http://a.test/",
        "Content-Type: text/plain",
        *extra,
        f"Content-Length: {len(body)}",
    ]
    head = b"".join(line.encode() + eol for line in lines) + eol
    return head + body + tail


def _write(path: Path, records: list[bytes], gz: bool = False) -> Path:
    data = b"".join(gzip.compress(r) for r in records) if gz else b"".join(records)
    path.write_bytes(data)
    return path


def _lines(path: Path) -> tuple[list[str], list[str]]:
    report = verify_paths([path])
    return [str(f) for f in report.faults], [str(f) for f in report.warnings]


def test_digest_any_hashlib_algorithm_is_checked_unknown_is_a_warning(tmp_path):
    raw256 = hashlib.sha256(BODY).digest()
    good = [
        f"WARC-Block-Digest: sha-256:{base64.b32encode(raw256).decode().lower()}",
        f"WARC-Payload-Digest: SHA256:{raw256.hex().upper()}",
    ]
    md5 = hashlib.md5(BODY).hexdigest()
    records = [
        _record("<urn:x:1>", extra=(*good,)),
        _record("<urn:x:2>", extra=(f"WARC-Block-Digest: md5:{md5}",)),
        _record("<urn:x:3>", extra=("WARC-Block-Digest: sha512:" + "AB" * 64,)),
        _record("<urn:x:4>", extra=("WARC-Block-Digest: whirl-9:ABCDEF",)),
    ]
    path = _write(tmp_path / "d.warc", records)
    third = len(records[0]) + len(records[1])
    fourth = third + len(records[2])
    faults, warnings = _lines(path)
    assert len(faults) == 1
    assert faults[0].startswith(f"{path} @ {third}: WARC-Block-Digest mismatch: header sha512:")
    assert warnings == [
        f"{path} @ {fourth}: warning: unknown digest algorithm 'whirl-9': not checked"
    ]


def test_a_repeated_record_is_a_warning_two_records_with_one_id_a_fault(tmp_path):
    info = _record("<urn:x:info>")
    other = _record("<urn:x:info>", body=b"another block\n")
    path = _write(tmp_path / "r.warc.gz", [info, _record("<urn:x:2>"), info, other], gz=True)
    sizes = [len(gzip.compress(r)) for r in (info, _record("<urn:x:2>"), info)]
    third, fourth = sizes[0] + sizes[1], sum(sizes)
    faults, warnings = _lines(path)
    first = f"(first at {path} @ 0)"
    assert warnings == [
        f"{path} @ {third}: warning: record <urn:x:info> repeated byte for byte {first}"
    ]
    assert faults == [
        f"{path} @ {fourth}: duplicate WARC-Record-ID <urn:x:info> on a different record {first}"
    ]


def test_trailing_crlfs_missing_or_doubled_and_cr_cr_lf_headers_are_warnings(tmp_path):
    records = [
        _record("<urn:x:1>", tail=b""),
        _record("<urn:x:2>", tail=b"\r\n\r\n\r\n\r\n"),
        _record("<urn:x:3>", tail=b"\r\n" * 6),
        _record("<urn:x:4>", eol=b"\r\r\n", tail=b"\r\r\n\r\r\n"),
        _record("<urn:x:5>"),
    ]
    at = [sum(len(r) for r in records[:i]) for i in range(len(records))]
    for gz in (False, True):
        path = _write(tmp_path / f"t{gz}.warc", records, gz=gz)
        if gz:
            at = [sum(len(gzip.compress(r)) for r in records[:i]) for i in range(len(records))]
        faults, warnings = _lines(path)
        assert faults == []
        crlf, crcrlf = b"\r\n", b"\r\r\n"
        assert warnings == [
            f"{path} @ {at[0]}: warning: record followed by b'', not two CRLFs",
            f"{path} @ {at[1]}: warning: record followed by {crlf * 4!r}, not two CRLFs",
            f"{path} @ {at[2]}: warning: record followed by {crlf * 6!r}, not two CRLFs",
            f"{path} @ {at[3]}: warning: header lines end in CR CR LF",
            f"{path} @ {at[3]}: warning: record followed by {crcrlf * 2!r}, not two CRLFs",
        ]
        assert verify_paths([path]).records == 5


def test_a_wrong_content_length_is_still_a_fault(tmp_path):
    good = _record("<urn:x:1>")
    short = good.replace(b"Content-Length: 22", b"Content-Length: 12")
    path = _write(tmp_path / "w.warc", [short, _record("<urn:x:2>")])
    faults, _ = _lines(path)
    cut = short.index(BODY) + 12
    assert faults == [f"{path} @ {cut}: not a WARC record header"]


def test_an_arc_url_with_spaces_is_read_as_arc_readers_do(tmp_path):
    body = b"HTTP/1.0 200 OK\nContent-Type: text/html\n\n<html>hi</html>"
    desc = b"1 0 Test\nURL IP-address Archive-date Content-type Archive-length\n"
    parts = [
        b"filedesc://t.arc 0.0.0.0 20200101000000 text/plain %d\n" % len(desc) + desc + b"\n",
        b"http://a.test/a b.html 127.0.0.1 20200101000000 text/html %d\n" % len(body)
        + body
        + b"\n",
        b"http://a.test/ok 127.0.0.1 20200101000000 text/html %d\n" % len(body) + body + b"\n",
    ]
    path = tmp_path / "s.arc"
    path.write_bytes(b"".join(parts))
    report = verify_paths([path])
    assert report.records == 3
    assert report.faults == []
    at = len(parts[0])
    assert [str(w) for w in report.warnings] == [
        f"{path} @ {at}: warning: ARC URL holds spaces, read as b'http://a.test/a b.html'"
    ]
    assert (path.name, at) in report.by_offset


def test_several_records_in_one_gzip_member_is_a_fault_at_the_member(tmp_path):
    records = [_record(f"<urn:x:{i}>") for i in range(4)]
    whole = _write(tmp_path / "whole.warc.gz", [b"".join(records)], gz=True)
    faults, _ = _lines(whole)
    assert faults == [
        f"{whole} @ 0: gzip member holds several records: an index offset cannot address them"
    ]
    members = [records[0], records[1] + records[2], records[3]]
    odd = _write(tmp_path / "odd.warc.gz", members, gz=True)
    second = len(gzip.compress(members[0]))
    faults, _ = _lines(odd)
    assert faults == [f"{odd} @ {second}: {SHARED_MEMBER}"]
