"""How Vietnamese a text looks: a syllable validator and a word count used to pick a decoding.

A Vietnamese syllable is an onset (possibly empty), a rhyme from a closed list, and at most one
tone; a rhyme ending in a stop (c, ch, p, t) takes only the sắc or nặng tone, and the spelling
rules c/k, g/gh and ng/ngh hold. Mojibake almost never passes: ``ViÖt``, ``hoµ``, ``x·`` and
``Vieät`` hold letters outside the alphabet, and French or German words (café, über) have
onsets, rhymes or letters Vietnamese lacks.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

_TONES = {"\u0300": "grave", "\u0301": "acute", "\u0309": "hook", "\u0303": "tilde"}
_TONES["\u0323"] = "dot"

_ONSETS = (
    "ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "th", "tr", "qu",
    "b", "c", "d", "\u0111", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "",
)  # fmt: skip

_RHYME_ROWS = (
    "a ai ao au ay ac ach am an ang anh ap at",
    "ăc ăm ăn ăng ăp ăt âu ây âc âm ân âng âp ât",
    "e eo ec em en eng ep et ê êu êch êm ên ênh êp êt",
    "i ia iu ich im in inh ip it iêu iêc iêm iên iêng iêp iêt yêu yêm yên yêng yêt",
    "o oi oc om on ong op ot oong ooc ô ôi ôc ôm ôn ông ôp ôt ơ ơi ơm ơn ơp ơt",
    "u ua ui uc um un ung up ut uôi uôc uôm uôn uông uôt",
    "ư ưa ưi ưu ưc ưm ưn ưng ưt ươi ươu ươc ươm ươn ương ươp ươt y",
    "oa oai oay oac oach oam oan oang oanh oap oat oăc oăm oăn oăng oăt oao",
    "oe oeo oen oet oem uân uâng uât uây uê uênh uêch",
    "uy uya uyu uych uynh uyt uyn uyên uyêt uơ",
)
_RHYMES = frozenset(rhyme for row in _RHYME_ROWS for rhyme in row.split())

_FRONT = ("i", "e", "ê", "y")  # k, gh, ngh only before these; c, ng never
_STOPS = ("c", "ch", "p", "t")
# Word-ish tokens: runs without white space or ASCII/general punctuation. Mojibake symbols
# (µ · §) stay inside the token, so "x·" is one bad word, not "x" and a dot.
_TOKEN = re.compile(r"[^\s!-/:-@\[-`{-~\u2000-\u206f\u00a0\u00ab\u00bb]+")
_DIGIT = re.compile(r"\d")


@functools.lru_cache(maxsize=65536)  # pages repeat their words
def is_syllable(word: str) -> bool:
    """Whether ``word`` (any case, any normalization form) spells one Vietnamese syllable."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    tones = [_TONES[c] for c in decomposed if c in _TONES]
    if len(tones) > 1:
        return False
    bare = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONES))
    tone = tones[0] if tones else ""
    return any(
        bare.startswith(onset) and _rhyme_ok(onset, bare[len(onset) :], tone) for onset in _ONSETS
    )


def _rhyme_ok(onset: str, rhyme: str, tone: str) -> bool:
    if onset == "qu":
        valid = rhyme in _RHYMES or "u" + rhyme in _RHYMES
    elif onset == "gi":
        valid = rhyme in _RHYMES or "i" + rhyme in _RHYMES
    else:
        valid = rhyme in _RHYMES and _spelling_ok(onset, rhyme)
    if not valid:
        return False
    return not rhyme.endswith(_STOPS) or tone in {"acute", "dot"}


def _spelling_ok(onset: str, rhyme: str) -> bool:
    front = rhyme.startswith(_FRONT)
    if onset in {"k", "gh", "ngh"}:
        return front
    if onset in {"c", "ng"}:
        return not front
    if onset == "g":
        return not rhyme.startswith(("e", "ê"))
    return True


@dataclass(frozen=True)
class VnScore:
    """Counts over the words with a non-ASCII character: Vietnamese syllables and the rest."""

    good: int = 0
    bad: int = 0

    @property
    def ratio(self) -> float:
        total = self.good + self.bad
        return self.good / total if total else 0.0

    @property
    def net(self) -> int:
        return self.good - self.bad

    def __add__(self, other: VnScore) -> VnScore:
        return VnScore(self.good + other.good, self.bad + other.bad)


def score_text(text: str, limit: int = 200_000) -> VnScore:
    """Score the words of ``text`` (its first ``limit`` characters) that are not plain ASCII."""
    good = bad = 0
    for token in _TOKEN.findall(text[:limit]):
        if token.isascii() or _DIGIT.search(token):
            continue  # English, toneless Vietnamese, numbers: they tell nothing
        if is_syllable(token):
            good += 1
        else:
            bad += 1
    return VnScore(good, bad)
