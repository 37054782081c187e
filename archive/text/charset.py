"""Decode an HTML page's bytes to NFC text, including the legacy Vietnamese font encodings.

The charset comes from, in this order: the HTTP ``Content-Type`` charset, a BOM, a
``<meta charset>`` / ``<meta http-equiv>`` in the first 4 KB, then detection (strict UTF-8,
then charset-normalizer, else windows-1252). Names resolve as w3lib (and WHATWG) resolve them:
iso-8859-1, latin-1 and ascii mean windows-1252.

Pages made with the ``.VnTime`` (TCVN3) or ``VNI-Times`` fonts declare windows-1252 or nothing,
and VISCII pages rarely declare VISCII. When the page is windows-1252, undeclared, or invalid
UTF-8, each legacy decoding of the whole page is scored by how many of its non-ASCII words
are Vietnamese syllables (``_vnscore``). Spans set in a legacy font (``<font face=".VnTime">``,
``style="font-family: VNI-Times"``) are repaired on their own, text node by text node, even
in a Unicode page whose spans hold windows-1252 mojibake. The best candidate that clears the
thresholds in ``_accept`` wins.
"""

from __future__ import annotations

import codecs
import dataclasses
import functools
import logging
import re
import unicodedata

from w3lib.encoding import (
    html_body_declared_encoding,
    http_content_type_encoding,
    read_bom,
    resolve_encoding,
)

from archive.text import vnlegacy
from archive.text._vnscore import VnScore, score_text
from archive.text.vnlegacy import LEGACY_ENCODINGS, LegacyEncoding

__all__ = ["Decoded", "decode_html"]

logger = logging.getLogger(__name__)

_META_WINDOW = 4096
_DETECT_WINDOW = 65536
_CHAOS_MARGIN = 0.05
_SCORE_WINDOW = 262144

# Charset labels for the legacy encodings (no Python codec, so w3lib resolves them to None).
_LEGACY_LABELS: dict[str, LegacyEncoding] = {
    **dict.fromkeys(("viscii", "csviscii", "viscii1.1-1"), "viscii"),
    **dict.fromkeys(("vni", "vni-windows", "x-viet-vni"), "vni"),
    **dict.fromkeys(
        ("tcvn", "tcvn3", "abc", "tcvn-5712", "tcvn5712-1", "tcvn5712-1:1993", "x-viet-tcvn",
         "x-viet-tcvn5712"),
        "tcvn3",
    ),
}  # fmt: skip
_CHARSET_PARAM = re.compile(rb"""charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_UNICODE = frozenset(("utf-8", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le",
                      "utf-32-be"))  # fmt: skip

_FONT_DECL = re.compile(
    r"""(?:\bface\s*=\s*["']?|font(?:-family)?\s*:)([^"'>;}]*)""", re.IGNORECASE
)
_TCVN3_FONT = re.compile(r"^\.vn[\w -]*$", re.IGNORECASE)  # .VnTime, .VnArial NarrowH
_VNI_FONT = re.compile(r"^vni[- _]?\w+", re.IGNORECASE)  # VNI-Times, VNI-Helve
_START_TAG = re.compile(r"<([a-zA-Z][\w:-]*)(\s[^>]*)?>")
_TAG = re.compile(r"(<[^>]*>)")
_ENTITY = re.compile(r"(&#?\w+;)")
_INVISIBLE = re.compile(
    r"<(script|style)\b.*?</\1\s*>|<!--.*?-->|<[^>]*>", re.IGNORECASE | re.DOTALL
)
_ESCAPED = re.compile("[\udc80-\udcff]")
_AS_LEGACY: dict[str, LegacyEncoding] = {name: name for name in LEGACY_ENCODINGS}


@dataclasses.dataclass(frozen=True)
class Decoded:
    """A decoded page: NFC text, the codec used, which signal chose it and how sure it is."""

    text: str
    encoding: str
    source: str  # "http", "bom", "meta", "detected", "legacy-font", "legacy-detected", ...
    confidence: float
    legacy: LegacyEncoding | None = None
    note: str = ""
    """Why the declared charset was overridden, when it was."""


@dataclasses.dataclass(frozen=True)
class _Candidate:
    text: str
    legacy: LegacyEncoding
    whole: bool  # the whole page decoded as ``legacy``, not just its legacy-font spans
    score: VnScore  # of the whole visible text
    fonts: bool  # a legacy font of this encoding is named in the page


def decode_html(body: bytes, content_type: str | None = None) -> Decoded:
    """Decode ``body``; never raises, whatever the bytes and the header."""
    try:
        return _decode(body, content_type)
    except (LookupError, ValueError) as exc:  # an odd codec w3lib resolved; keep the bytes
        logger.debug("Falling back to windows-1252: %r", exc)
        text = _finish(vnlegacy.decode_windows_1252(body))
        return Decoded(text, "cp1252", "fallback", 0.1)


def _decode(body: bytes, content_type: str | None) -> Decoded:
    declared = _declared(body, content_type)
    if declared is None:
        encoding, source, confidence = _detect(body)
    else:
        encoding, source = declared
        confidence = 0.9 if source == "meta" else 1.0
    if declared is not None and source in {"http", "meta"}:
        overridden = _utf8_despite(body, encoding, source)
        if overridden is not None:
            return overridden
    body = _strip_bom(body, encoding)
    legacy = _AS_LEGACY.get(encoding)
    if legacy is not None:
        return Decoded(vnlegacy.decode(body, legacy), legacy, source, confidence, legacy)
    text, clean = _decode_base(body, encoding)
    whole = encoding == "cp1252" or not clean
    whole = whole or (source == "detected" and encoding not in _UNICODE)
    repaired = _repair_legacy(body, text, encoding, whole)
    if repaired is not None:
        return repaired
    return Decoded(
        _finish(text, escaped=not clean),
        encoding,
        source,
        confidence if clean else confidence * 0.7,
    )


def _utf8_despite(body: bytes, declared: str, source: str) -> Decoded | None:
    """UTF-8 where a one-byte charset was declared over bytes that are valid UTF-8 beyond
    ASCII (a server's default iso-8859-1 made "Trương" "TrÆ°Æ¡ng"): one-byte text with
    such letters is almost never valid UTF-8 by chance."""
    if declared in _UNICODE or declared in _AS_LEGACY or body.isascii():
        return None
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    sample = next(ch for ch in text if ord(ch) > 127)
    wrong = sample.encode("utf-8").decode(declared, errors="replace")
    note = f"{source} declared {declared}, but the bytes are UTF-8 ({sample!r}, not {wrong!r})"
    return Decoded(_finish(text), "utf-8", f"{source}-overridden", 0.9, note=note)


def _declared(body: bytes, content_type: str | None) -> tuple[str, str] | None:
    """The declared charset and where it was declared.

    A byte-order mark comes first, as in browsers (WHATWG "decode"): it is part of the
    bytes and cannot be wrong, whereas a server's default ``charset=iso-8859-1`` often
    is. Then the HTTP charset, then ``<meta>``.
    """
    bom, _ = read_bom(body)
    if bom:
        return bom, "bom"
    if content_type:
        http: str | None = _legacy_label(content_type.encode("latin-1", "replace"))
        http = http or http_content_type_encoding(content_type)
        if http:
            return http, "http"
    head = body[:_META_WINDOW]
    meta: str | None = _legacy_label(head) if b"<meta" in head.lower() else None
    meta = meta or html_body_declared_encoding(head)
    if meta:
        # WHATWG: a meta cannot declare UTF-16/32 (the meta itself was read as ASCII).
        return ("utf-8" if meta.startswith(("utf-16", "utf-32")) else meta), "meta"
    return None


def _legacy_label(raw: bytes) -> LegacyEncoding | None:
    match = _CHARSET_PARAM.search(raw)
    return _LEGACY_LABELS.get(match[1].decode("ascii").lower()) if match else None


def _detect(body: bytes) -> tuple[str, str, float]:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8", "detected", 1.0 if body.isascii() else 0.99
    if _looks_cp1258(body):
        return "cp1258", "detected", 0.8
    from charset_normalizer import from_bytes  # noqa: PLC0415  # slow import, rarely needed

    matches = from_bytes(body[:_DETECT_WINDOW])
    best = matches.best()
    latin = next((m for m in matches if "cp1252" in m.could_be_from_charset), None)
    # Detectors guess wildly among Latin code pages on short text; like a browser, take the
    # windows-1252 default unless another charset is clearly less chaotic.
    if best is None or (latin is not None and latin.chaos < best.chaos + _CHAOS_MARGIN):
        return "cp1252", "detected", 0.5 if latin is not None else 0.2
    encoding = resolve_encoding(best.encoding) or "cp1252"
    return encoding, "detected", round(max(0.0, 1.0 - best.chaos) * 0.8, 3)


def _looks_cp1258(body: bytes) -> bool:
    """Windows-1258 (the Vietnamese locale's default) if it reads as Vietnamese words."""
    window = body[:_DETECT_WINDOW]
    vietnamese = _score(window.decode("cp1258", "replace"))
    western = _score(vnlegacy.decode_windows_1252(window))
    return vietnamese.good >= 2 and vietnamese.ratio >= 0.6 and vietnamese.net > western.net


def _strip_bom(body: bytes, encoding: str) -> bytes:
    bom_encoding, bom = read_bom(body)
    if bom and bom_encoding and _same_codec(bom_encoding, encoding):
        return body[len(bom) :]
    return body


def _same_codec(one: str, other: str) -> bool:
    try:
        return codecs.lookup(one).name == codecs.lookup(other).name
    except LookupError:
        return False


def _decode_base(body: bytes, encoding: str) -> tuple[str, bool]:
    """The text and whether it decoded cleanly; undecodable UTF-8 bytes stay recoverable."""
    if encoding == "cp1252":
        return vnlegacy.decode_windows_1252(body), True
    try:
        return body.decode(encoding), True
    except UnicodeDecodeError:
        if codecs.lookup(encoding).name == "utf-8":
            return body.decode("utf-8", "surrogateescape"), False
        return body.decode(encoding, "replace"), False


def _finish(text: str, *, escaped: bool = True) -> str:
    """NFC text, with bytes that did not decode (surrogate escapes) made U+FFFD."""
    if escaped:
        text = _ESCAPED.sub("\ufffd", text)
    return unicodedata.normalize("NFC", text)


def _repair_legacy(body: bytes, text: str, encoding: str, whole: bool) -> Decoded | None:
    """The page repaired from a legacy encoding, if one scores clearly better than ``text``."""
    fonts = _named_fonts(text)
    if body.isascii() or not (fonts or whole):
        return None
    base = _score(text)
    candidates = []
    spans = _convert_spans(text, fonts)
    if spans is not None:
        candidates.append(spans)
    if whole:
        for legacy in LEGACY_ENCODINGS:  # scored on a window, decoded in full if chosen
            sample = vnlegacy.decode(body[:_SCORE_WINDOW], legacy)
            candidates.append(_Candidate("", legacy, True, _score(sample), legacy in fonts))
    accepted = [c for c in candidates if _accept(c, base)]
    if not accepted:
        return None
    best = max(accepted, key=lambda c: (c.score.net, not c.whole))
    if best.whole:
        best = dataclasses.replace(best, text=vnlegacy.decode(body, best.legacy))
    source = "legacy-font" if best.fonts else "legacy-detected"
    confidence = _confidence(best.score, best.fonts)
    # Spans repaired in place: the page keeps its own encoding, the legacy one is reported.
    encoding = best.legacy if best.whole else encoding
    return Decoded(_finish(best.text), encoding, source, confidence, best.legacy)


def _accept(candidate: _Candidate, base: VnScore) -> bool:
    """Thresholds: a named legacy font lowers the bar; statistics alone must be clear."""
    score = candidate.score
    if not candidate.whole:  # each converted node already had to score better
        return score.good > base.good
    gain = score.ratio - base.ratio
    if candidate.fonts:
        return score.good >= 1 and score.ratio >= 0.5 and gain >= 0.2
    return score.good >= 3 and score.ratio >= 0.6 and gain >= 0.3


def _confidence(score: VnScore, fonts: bool) -> float:
    """The share of Vietnamese words, discounted for small samples, plus 0.2 for a font name."""
    size = min(1.0, score.good / 12)
    confidence = score.ratio * (0.55 + 0.45 * size) + (0.2 if fonts else 0.0)
    return round(min(1.0, confidence), 3)


def _visible(html: str) -> str:
    return _INVISIBLE.sub(" ", html)


def _score(html: str) -> VnScore:
    """The score of a page's visible words, from its first ``_SCORE_WINDOW`` characters."""
    return score_text(_visible(html[:_SCORE_WINDOW]))


def _font_encoding(declaration: str) -> tuple[LegacyEncoding, bool] | None:
    """The legacy encoding of a font list, and whether it is an all-capitals (…H) font."""
    for name in (n.strip(" \t\r\n\"'") for n in declaration.split(",")):
        if _TCVN3_FONT.match(name):
            return "tcvn3", name.endswith("H")
        if _VNI_FONT.match(name):
            return "vni", False
    return None


_FONT_WINDOW = 300  # characters before a font name where its declaration must start


def _named_fonts(text: str) -> set[LegacyEncoding]:
    """Legacy encodings named by font declarations; only the text around each ``.vn`` or
    ``vni`` is searched (a credit line's "baomoi.vn" is common, a font list is not)."""
    lowered = text.lower()
    found: set[LegacyEncoding] = set()
    for needle in (".vn", "vni"):
        at, scanned = lowered.find(needle), 0
        while at != -1:
            if at >= scanned:  # each stretch of text is searched once, however many hits
                window = text[max(scanned, at - _FONT_WINDOW) : at + 64]
                fonts = (_font_encoding(m[1]) for m in _FONT_DECL.finditer(window))
                found.update(font[0] for font in fonts if font is not None)
                scanned = at + 64
            at = lowered.find(needle, at + len(needle))
    return found


def _convert_spans(text: str, fonts: set[LegacyEncoding]) -> _Candidate | None:
    """Repair the text nodes of the elements set in a legacy font, or of the whole page when
    fonts are named only in a style sheet. None if nothing changed."""
    if not fonts:
        return None
    spans = _legacy_spans(text) or [(0, len(text), min(fonts), False)]
    pieces, position, converted = [], 0, VnScore()
    for start, end, legacy, upper in spans:
        fragment, score = _convert_fragment(text[start:end], legacy, upper)
        pieces += [text[position:start], fragment]
        position, converted = end, converted + score
    if not converted.good:
        return None
    pieces.append(text[position:])
    repaired = "".join(pieces)
    legacy = max(fonts, key=lambda f: sum(s[2] == f for s in spans))
    return _Candidate(repaired, legacy, False, _score(repaired), True)


def _legacy_spans(text: str) -> list[tuple[int, int, LegacyEncoding, bool]]:
    spans: list[tuple[int, int, LegacyEncoding, bool]] = []
    covered = 0
    for match in _START_TAG.finditer(text):
        if match.start() < covered or not match[2]:
            continue
        font = next((f for m in _FONT_DECL.finditer(match[2]) if (f := _font_encoding(m[1]))), None)
        if font is not None:
            covered = _element_end(text, match[1], match.end())
            spans.append((match.end(), covered, *font))
    return spans


@functools.cache
def _tag_pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf"<(/?){re.escape(name)}\b[^>]*>", re.IGNORECASE)


def _element_end(text: str, name: str, position: int) -> int:
    """Where the element opened just before ``position`` closes (nested ones counted)."""
    depth = 1
    for match in _tag_pattern(name).finditer(text, position):
        depth += -1 if match[1] else 1
        if depth == 0:
            return match.start()
    return len(text)


def _convert_fragment(fragment: str, legacy: LegacyEncoding, upper: bool) -> tuple[str, VnScore]:
    parts = _TAG.split(fragment)
    total = VnScore()
    for index in range(0, len(parts), 2):  # even parts are text, odd ones tags
        if index and parts[index - 1].lower().startswith(("<script", "<style")):
            continue
        repaired = _convert_text(parts[index], legacy, upper)
        if repaired is not None:
            parts[index], score = repaired
            total += score
    return "".join(parts), total


def _convert_text(text: str, legacy: LegacyEncoding, upper: bool) -> tuple[str, VnScore] | None:
    """A text node repaired, if that gives more Vietnamese words and no more bad ones."""
    if text.isascii():
        return None
    before = score_text(text)
    after_text = vnlegacy.to_unicode_from_mojibake(text, legacy)
    if upper:  # .VnTimeH and kin draw every letter as a capital; keep entities as they are
        pieces = _ENTITY.split(after_text)
        after_text = "".join(p if i % 2 else p.upper() for i, p in enumerate(pieces))
    after = score_text(after_text)
    if after.good > before.good and after.bad <= before.bad:
        return after_text, after
    return None
