"""A digest header's check: any algorithm hashlib knows, in base32, hex or base64."""

from __future__ import annotations

import base64
import hashlib

# hashlib's fixed-length digests; shake_* want a length and are no WARC labels
_KNOWN = {n.lower() for n in hashlib.algorithms_available if not n.lower().startswith("shake")}


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

    def update(self, data: bytes) -> None:
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
        b32 = base64.b32encode(raw).decode()
        if want.upper().rstrip("=") in (b32.rstrip("="), raw.hex().upper()):
            return None
        if want.rstrip("=") == base64.b64encode(raw).decode().rstrip("="):
            return None
        return f"header {self.label}, computed {self.algo}:{b32}"
