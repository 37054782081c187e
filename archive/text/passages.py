"""Passage fingerprints: what finds an article's republications, whole or in part.

A body's fingerprints are the CRC-32s of its 6-word windows that begin at an anchor
word (one whose own CRC-32 is 0 mod 8): about one window in eight, chosen by the text
alone. Two bodies that share a passage share that passage's anchors, so they share its
fingerprints wherever each copy sits, whatever the copy adds around it or cuts. The
share of one body's fingerprints found in another estimates how much of it the other
holds (containment, not similarity: an excerpt holds little of its original, but its
original holds nearly all of it).

Text is compared folded (``archive.text._fold.fold``: no case, no diacritics, "đ" as "d"),
so a copy retyped without tone marks or in another Unicode form still matches, and
single words never do: six in a row must agree. In scripts written without spaces
(Chinese, Japanese, Thai, Lao, Khmer, Burmese) each letter counts as a word, as the
extractor's word counts take them.

Changing ``WINDOW`` or ``ANCHOR_EVERY`` changes every fingerprint: a migration must
then empty the ``passages`` table and set ``article_versions.passages`` back to NULL, and
``Store.index_passages`` computes them again.
"""

from __future__ import annotations

from zlib import crc32

from archive.text._fold import TOKEN, UNSPACED

__all__ = ["ANCHOR_EVERY", "WINDOW", "fingerprints"]

WINDOW = 6
ANCHOR_EVERY = 8


def fingerprints(folded: str) -> frozenset[int]:
    """The fingerprints of a folded body (unsigned 32-bit); none under ``WINDOW`` words.

    A window is hashed only where its first word is an anchor, so the cost is one
    CRC-32 per word and one per eighth window: about half a millisecond for a
    thousand-word article.
    """
    words = TOKEN.findall(folded) if UNSPACED.search(folded) else folded.split()
    starts = len(words) - WINDOW + 1
    if starts <= 0:
        return frozenset()
    return frozenset(
        crc32(" ".join(words[i : i + WINDOW]).encode())
        for i, word in enumerate(words[:starts])
        if crc32(word.encode()) % ANCHOR_EVERY == 0
    )
