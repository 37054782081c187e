"""The legacy Vietnamese 8-bit encodings: TCVN3 (ABC), VNI-Windows and VISCII.

Python has no codec for any of them. ``decode`` and ``encode`` convert between their bytes and
Unicode (always NFC); ``to_unicode_from_mojibake`` repairs text that was already decoded as
windows-1252, which is what a browser, w3lib or Scrapy makes of a ``.VnTime`` page declared
``iso-8859-1``. The tables and where they come from are in ``_vntables.py``.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

from archive.text import _vntables

__all__ = [
    "LEGACY_ENCODINGS",
    "LegacyEncoding",
    "decode",
    "decode_windows_1252",
    "encode",
    "to_unicode_from_mojibake",
]

LegacyEncoding = Literal["tcvn3", "vni", "viscii"]
LEGACY_ENCODINGS: tuple[LegacyEncoding, ...] = ("tcvn3", "vni", "viscii")

# Combining tone marks in the order of the VNI rows: none, grave, acute, hook, tilde, dot.
_TONE_MARKS = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")


def _windows_1252_chars() -> str:
    """The WHATWG windows-1252 table: cp1252, with its 5 holes read as C1 controls (latin-1)."""
    chars = []
    for byte in range(256):
        try:
            chars.append(bytes([byte]).decode("cp1252"))
        except UnicodeDecodeError:  # 0x81 0x8D 0x8F 0x90 0x9D
            chars.append(chr(byte))
    return "".join(chars)


_CP1252_CHARS = _windows_1252_chars()
_CP1252_DECODE = {i: c for i, c in enumerate(_CP1252_CHARS) if ord(c) != i}
_CP1252_BYTE = {c: i for i, c in enumerate(_CP1252_CHARS)}
# Undecodable UTF-8 bytes kept by errors="surrogateescape" (U+DC80-U+DCFF) count as bytes too.
_CP1252_BYTE.update({chr(0xDC00 + b): b for b in range(0x80, 0x100)})
_MOJIBAKE_RUN = re.compile("[" + re.escape("".join(sorted(_CP1252_BYTE))) + "]+")


def _single_byte_maps(chars: str) -> tuple[dict[int, str], dict[str, bytes]]:
    decoding = {i: c for i, c in enumerate(chars) if ord(c) != i}
    encoding = {c: bytes([i]) for i, c in enumerate(chars)}
    return decoding, encoding


_TCVN3_DECODE, _TCVN3_ENCODE = _single_byte_maps(_vntables.TCVN3_CHARS)
_VISCII_DECODE, _VISCII_ENCODE = _single_byte_maps(_vntables.VISCII_CHARS)


def _vni_upper(code: str) -> str:
    """A capital's VNI code: capital base letter, modifier bytes 0xE0-0xFF minus 0x20."""
    return "".join(chr(ord(c) - 0x20) if ord(c) >= 0xE0 else c.upper() for c in code)


def _vni_letters() -> dict[str, str]:
    """Every Vietnamese letter VNI writes with non-ASCII bytes -> its code (cp1252 characters)."""
    lower: dict[str, str] = {}
    for vowel, (base, row) in _vntables.VNI_VOWELS.items():
        for mark, modifier in zip(_TONE_MARKS, row, strict=True):
            letter = unicodedata.normalize("NFC", vowel + mark)
            if base + modifier != letter:
                lower[letter] = base + modifier
    lower.update(_vntables.VNI_SINGLE)
    letters = dict(lower)
    letters.update({letter.upper(): _vni_upper(code) for letter, code in lower.items()})
    return letters


_VNI_ENCODE = {letter: code.encode("latin-1") for letter, code in _vni_letters().items()}


def _vni_decode_map() -> dict[str, str]:
    table = {code.decode("latin-1"): letter for letter, code in _VNI_ENCODE.items()}
    # The modifier's case is only its glyph's height: "aÙ" and "Aù" still mean á and Á.
    for code, letter in list(table.items()):
        if len(code) == 2:
            table.setdefault(code[0] + code[1].swapcase(), letter)
    table.update({"y\u00ef": "\u1ef5", "Y\u00cf": "\u1ef4"})  # ỵ as y + dot, as some tools write it
    return table


_VNI_DECODE = _vni_decode_map()
_VNI_PAIR = re.compile(
    "|".join(re.escape(code) for code in sorted(_VNI_DECODE, key=len, reverse=True))
    + "|[\x80-\xff]"
)


def decode_windows_1252(data: bytes) -> str:
    """Decode as browsers do windows-1252: never fails, and keeps every byte recoverable."""
    return data.decode("latin-1").translate(_CP1252_DECODE)


def decode(data: bytes, encoding: LegacyEncoding) -> str:
    """Decode legacy Vietnamese bytes to NFC text; every byte sequence decodes."""
    text = data.decode("latin-1")
    if encoding == "vni":
        text = _VNI_PAIR.sub(_vni_match, text)
    elif encoding == "tcvn3":
        text = text.translate(_TCVN3_DECODE)  # 0xB0-0xB4 are combining marks: NFC below
    else:
        text = text.translate(_VISCII_DECODE)
    return unicodedata.normalize("NFC", text)


def _vni_match(match: re.Match[str]) -> str:
    code = match[0]
    # Bytes that are no VNI letter (punctuation, a stray modifier) read as windows-1252.
    return _VNI_DECODE.get(code) or code.translate(_CP1252_DECODE)


def encode(
    text: str, encoding: LegacyEncoding, errors: Literal["strict", "replace"] = "strict"
) -> bytes:
    """Encode text (any normalization form) to legacy bytes.

    Raises UnicodeEncodeError for a character the encoding cannot write, unless errors is
    "replace", which writes ``?``. TCVN3 writes a letter with no precomposed byte as its base
    letter plus a combining tone byte (0xB0-0xB4), as iconv does.
    """
    text = unicodedata.normalize("NFC", text)
    table = {"tcvn3": _TCVN3_ENCODE, "vni": _VNI_ENCODE, "viscii": _VISCII_ENCODE}[encoding]
    out = bytearray()
    for index, char in enumerate(text):
        code = _encode_char(char, encoding, table)
        if code is None:
            if errors == "strict":
                raise UnicodeEncodeError(encoding, text, index, index + 1, "not in the table")
            code = b"?"
        out += code
    return bytes(out)


def _encode_char(char: str, encoding: LegacyEncoding, table: dict[str, bytes]) -> bytes | None:
    code = table.get(char)
    if code is not None:
        return code
    if encoding == "vni" and char < "\x80":
        return char.encode("ascii")
    if encoding == "tcvn3":
        parts = [table.get(c) for c in unicodedata.normalize("NFD", char)]
        if len(parts) > 1 and all(parts):
            return b"".join(p for p in parts if p)
    return None


def to_unicode_from_mojibake(text: str, encoding: LegacyEncoding) -> str:
    """Repair legacy text that was decoded as windows-1252 (or latin-1), e.g. ``ViÖt`` -> Việt.

    Each run of characters windows-1252 can write goes back to its bytes and is decoded with
    ``encoding``; the 5 bytes cp1252 leaves undefined come back from their latin-1 C1 controls
    (U+0081 ...) and from ``surrogateescape`` code points. Anything else (real Unicode, U+FFFD
    for bytes already lost) is kept as it is.
    """

    def convert(match: re.Match[str]) -> str:
        return decode(bytes(_CP1252_BYTE[c] for c in match[0]), encoding)

    return unicodedata.normalize("NFC", _MOJIBAKE_RUN.sub(convert, text))
