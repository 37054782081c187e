"""A digest header's check: any algorithm hashlib knows, in base32, hex or base64."""

from __future__ import annotations

import base64
import functools
import hashlib
import re

# hashlib's fixed-length digests; shake_* want a length and are no WARC labels
_KNOWN = {n.lower() for n in hashlib.algorithms_available if not n.lower().startswith("shake")}


_TO_BASE32HEX = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "0123456789ABCDEFGHIJKLMNOPQRSTUV"
)
_BASE32 = re.compile(r"[A-Za-z2-7]+=*")


def _b32_equal(text: str, raw: bytes) -> bool:
    """Whether ``text`` is ``raw`` in base32: read as a base-32 number (int() does it in C,
    in the base32hex alphabet), not by encoding ``raw`` in Python, per record."""
    if not _BASE32.fullmatch(text):
        return False
    digits = text.rstrip("=").upper()
    pad = len(digits) * 5 - len(raw) * 8
    if not 0 <= pad < 5:
        return False
    return int(digits.translate(_TO_BASE32HEX), 32) == int.from_bytes(raw, "big") << pad


@functools.lru_cache(maxsize=64)
def algorithm(label: str) -> str | None:
    """hashlib's name for a label's algorithm (``sha-256`` is ``sha256``), or None."""
    algo = label.strip().lower()
    for name in (algo, algo.replace("-", ""), algo.replace("-", "_")):
        if name in _KNOWN:
            return name
    return None


class Hasher:
    """Compute a digest in the algorithm and encoding a header names."""

    def __init__(self, label: str) -> None:
        self.label = label
        algo, _, self.value = label.partition(":")
        self.algo = algo.strip().lower()
        name = algorithm(self.algo)
        self.h = None
        if name is not None:
            try:
                self.h = hashlib.new(name, usedforsecurity=False)
            except (ValueError, TypeError):  # listed, but this OpenSSL refuses it
                self.h = None

    @property
    def known(self) -> bool:
        return self.h is not None

    @property
    def is_sha1(self) -> bool:
        return self.h is not None and self.h.name == "sha1"

    @staticmethod
    def of(data: bytes) -> str:
        """The SHA-1 of ``data``, hex."""
        return hashlib.sha1(data, usedforsecurity=False).hexdigest()

    def hex(self) -> str:
        return self.h.hexdigest() if self.h is not None else ""

    def update(self, data: bytes | memoryview) -> None:
        if self.h is not None:
            self.h.update(data)

    def b32(self) -> str:
        return base64.b32encode(self.h.digest()).decode() if self.h is not None else ""

    def mismatch(self) -> str | None:
        """None if the header's value is right (or cannot be checked), else what differs."""
        if self.h is None:
            return None
        raw = self.h.digest()
        want = self.value.strip()
        if _b32_equal(want, raw) or want.upper() == raw.hex().upper():
            return None
        if want.rstrip("=") == base64.b64encode(raw).decode().rstrip("="):
            return None
        return f"header {self.label}, computed {self.algo}:{base64.b32encode(raw).decode()}"
