"""One record's block read in chunks: its digests checked, its repeats told apart."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from archive.warc._dechunk import Dechunker, is_chunked
from archive.warc._digest import Hasher as _Hasher
from archive.warc._verify_stream import CHUNK, MemberStream

if TYPE_CHECKING:
    from archive.warc._report import Report


@dataclass
class Block:
    """A record's block read in chunks: its digests, and the hashes that tell repeats.

    Each byte is hashed as few times as it can be: the declared block digest doubles
    as the block's fingerprint when it is SHA-1 (else one SHA-1 is added), and a payload
    SHA-1 is computed only where no payload digest is declared (the index check needs
    one)."""

    block: _Hasher | None
    payload: _Hasher | None
    payload_sha1: _Hasher | None
    keep_head: bool = False  # keep the first 64 KiB (a warcinfo, to tell who wrote it)
    head: bytes = b""
    in_payload: bool = False
    keep: bytes = b""
    whole: _Hasher | None = None
    header: bytes = b""  # the record's header section, for its fingerprint
    entity: _Hasher | None = None  # the payload digest over the de-chunked entity
    chunks: Dechunker | None = None

    def __post_init__(self) -> None:
        if self.block is None or not self.block.is_sha1:
            self.whole = _Hasher("sha1:")

    def fingerprint(self) -> str:
        body = self.whole if self.whole is not None else self.block
        assert body is not None
        return _Hasher.of(self.header) + body.hex()

    def feed(self, data: bytes) -> None:
        if self.whole is not None:
            self.whole.update(data)
        if self.block is not None:
            self.block.update(data)
        if self.keep_head and len(self.keep) < 65536:
            self.keep += data[: 65536 - len(self.keep)]
        if self.in_payload:
            self._payload(data)
            return
        self.head += data
        end = self.head.find(b"\r\n\r\n")
        cut = end + 4 if end >= 0 else -1
        if end < 0 and (end := self.head.find(b"\n\n")) >= 0:
            cut = end + 2
        if cut >= 0:
            self.in_payload = True
            if self.payload is not None and is_chunked(self.head[:cut]):
                self.entity = _Hasher(self.payload.label)
                self.chunks = Dechunker(self.entity.update)
            rest, self.head = self.head[cut:], b""
            self._payload(rest)
        elif len(self.head) > 1 << 20:
            self.head = self.head[-4:]

    def entity_matches(self) -> bool:
        """A chunked payload's digest is right over the de-chunked entity (WARC 1.1,
        6.3.2, as this project and Heritrix write it; warcio hashes the framing too)."""
        if self.chunks is None or self.entity is None or not self.chunks.done:
            return False
        return self.entity.mismatch() is None

    def _payload(self, data: bytes) -> None:
        if self.chunks is not None:
            self.chunks.feed(data)
        if self.payload is not None:
            self.payload.update(data)
        if self.payload_sha1 is not None:
            self.payload_sha1.update(data)


def is_http(fields: dict[str, str]) -> bool:
    ctype = fields.get("content-type", "").lower()
    return ctype.startswith("application/http") and fields.get("warc-type") in (
        "request",
        "response",
        "revisit",
    )


def read_block(stream: MemberStream, length: int, blk: Block) -> int:
    got = 0
    while got < length:
        data = stream.read(min(CHUNK, length - got))
        if not data:
            break
        got += len(data)
        blk.feed(data)
    return got


def check_digests(rep: Report, where: tuple[str, int], f: dict[str, str], b: Block) -> None:
    for h in (b.block, b.payload):
        if h is not None and not h.known:
            rep.add(*where, f"unknown digest algorithm {h.algo!r}: not checked", fault=False)
    if b.block is not None and (bad := b.block.mismatch()):
        rep.add(*where, f"WARC-Block-Digest mismatch: {bad}")
    if b.payload is None:
        return
    if f.get("warc-type") == "revisit" or "warc-truncated" in f:
        return
    if is_http(f) and not b.in_payload:
        rep.add(*where, "HTTP headers never end: payload digest not checked", fault=False)
    elif (bad := b.payload.mismatch()) and not b.entity_matches():
        rep.add(*where, f"WARC-Payload-Digest mismatch: {bad}")
