"""The legacy Vietnamese encodings: every letter both ways, published samples, iconv agreement."""

from __future__ import annotations

import shutil
import subprocess
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archive.text import vnlegacy
from archive.text._vnscore import is_syllable
from tests.helpers.required import missing

ENCODINGS = vnlegacy.LEGACY_ENCODINGS
VOWELS = "aăâeêioôơuưy"
TONES = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")  # none, huyền, sắc, hỏi, ngã, nặng
LETTERS = [unicodedata.normalize("NFC", vowel + tone) for vowel in VOWELS for tone in TONES] + ["đ"]
ALL_LETTERS = LETTERS + [letter.upper() for letter in LETTERS]
ICONV = shutil.which("iconv")
ICONV_NAMES = {"tcvn3": "TCVN5712-1", "viscii": "VISCII"}


def iconv(data: bytes, source: str, target: str) -> bytes:
    if ICONV is None:  # glibc's, Debian's libc-bin: on every Debian machine
        missing("no iconv binary to cross-check the legacy tables against (Debian: libc-bin)")
    return subprocess.run(
        [ICONV, "-f", source, "-t", target], input=data, capture_output=True, check=True
    ).stdout


def test_letter_count():
    assert len(set(ALL_LETTERS)) == 12 * 6 * 2 + 2


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_every_letter_round_trips(encoding):
    wrong = []
    for letter in ALL_LETTERS:
        code = vnlegacy.encode(letter, encoding)
        if vnlegacy.decode(code, encoding) != letter:
            wrong.append((letter, code))
        if (
            vnlegacy.to_unicode_from_mojibake(vnlegacy.decode_windows_1252(code), encoding)
            != letter
        ):
            wrong.append((letter, "mojibake", code))
    assert not wrong


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_text_round_trips_in_any_normalization(encoding):
    text = "Cộng hoà xã hội chủ nghĩa Việt Nam\nĐộc lập - Tự do - Hạnh phúc, NGƯỜI ĐẸP"
    for form in ("NFC", "NFD"):
        assert vnlegacy.decode(vnlegacy.encode(unicodedata.normalize(form, text), encoding),
                               encoding) == text  # fmt: skip


@pytest.mark.parametrize(
    ("mojibake", "expected"),
    [
        ("Vieät Nam", "Việt Nam"),
        ("Thöïc hieän thaønh coâng", "Thực hiện thành công"),
        ("Xin chaøo caùc baïn", "Xin chào các bạn"),
        ("ngöôøi Vieät", "người Việt"),
        ("VIEÄT NAM", "VIỆT NAM"),
        ("Ñaø Naüng? khoâng, Ñaø Laït", "Đà Nẵng? không, Đà Lạt"),
    ],
)
def test_vni_samples(mojibake, expected):
    assert vnlegacy.decode(mojibake.encode("cp1252"), "vni") == expected
    assert vnlegacy.to_unicode_from_mojibake(mojibake, "vni") == expected
    assert vnlegacy.encode(expected, "vni") == mojibake.encode("cp1252")


def test_vni_modifier_case_follows_the_base():
    assert vnlegacy.decode(b"a\xd9 A\xf9", "vni") == "á Á"


def test_tcvn3_sample_from_platforms_md():
    mojibake = "Céng hoµ x· héi chñ nghÜa ViÖt Nam - §éc lËp - Tù do - H¹nh phóc"
    expected = "Cộng hoà xã hội chủ nghĩa Việt Nam - Độc lập - Tự do - Hạnh phúc"
    assert vnlegacy.to_unicode_from_mojibake(mojibake, "tcvn3") == expected
    assert vnlegacy.decode(mojibake.encode("cp1252"), "tcvn3") == expected


def test_mojibake_recovers_the_bytes_cp1252_leaves_undefined():
    # 0x81 0x8D 0x8F 0x90 0x9D are Ả Ì Ĩ Í Ù in TCVN3; decoders keep them as C1 controls
    # (WHATWG, latin-1) or as surrogateescape code points.
    raw = bytes([0x81, 0x8D, 0x8F, 0x90, 0x9D])
    assert vnlegacy.to_unicode_from_mojibake(raw.decode("latin-1"), "tcvn3") == "ẢÌĨÍÙ"
    escaped = raw.decode("utf-8", "surrogateescape")
    assert vnlegacy.to_unicode_from_mojibake(escaped, "tcvn3") == "ẢÌĨÍÙ"


def test_mojibake_keeps_real_unicode():
    text = "Việt Nam ViÖt Nam \ufffd"
    assert vnlegacy.to_unicode_from_mojibake(text, "tcvn3") == "Việt Nam Việt Nam \ufffd"


def test_tcvn3_combining_bytes_compose():
    assert vnlegacy.decode(b"U\xb3 n\xb0", "tcvn3") == "Ú ǹ"
    assert vnlegacy.encode("ǹ", "tcvn3") == b"n\xb0"


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_encode_errors(encoding):
    with pytest.raises(UnicodeEncodeError):
        vnlegacy.encode("giá 5€", encoding)
    assert vnlegacy.encode("giá 5€", encoding, errors="replace").endswith(b"5?")


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=200), encoding=st.sampled_from(ENCODINGS))
def test_any_bytes_decode_to_nfc(data, encoding):
    text = vnlegacy.decode(data, encoding)
    assert unicodedata.is_normalized("NFC", text)
    mojibake = vnlegacy.decode_windows_1252(data)
    assert vnlegacy.to_unicode_from_mojibake(mojibake, encoding) == text


@pytest.mark.parametrize("encoding", ["tcvn3", "viscii"])
def test_tables_match_iconv_byte_by_byte(encoding):
    for byte in range(256):
        expected = iconv(bytes([byte]), ICONV_NAMES[encoding], "UTF-8").decode()
        assert vnlegacy.decode(bytes([byte]), encoding) == expected, hex(byte)


@pytest.mark.parametrize("encoding", ["tcvn3", "viscii"])
def test_encode_matches_iconv(encoding):
    text = " ".join(ALL_LETTERS) + " Cộng hoà xã hội chủ nghĩa Việt Nam"
    assert vnlegacy.encode(text, encoding) == iconv(text.encode(), "UTF-8", ICONV_NAMES[encoding])


def test_syllable_validator():
    good = "Việt Nam người nghiêng giữa quyết quốc khuya khuỷu thuở giờ gì kỳ xoong hoà thủy"
    bad = "café über Straße ViÖt hoµ x· chñ nghÜa Vieät Thöïc cafộ ỹber lầ cac ngi"
    assert all(is_syllable(word) for word in good.split())
    assert not any(is_syllable(word) for word in bad.split())
