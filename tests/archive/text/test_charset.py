"""decode_html: declared charsets in order, detection, and the legacy Vietnamese encodings."""

from __future__ import annotations

import random
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archive.text import vnlegacy
from archive.text.charset import Decoded, decode_html

VI = (
    "Cộng hoà xã hội chủ nghĩa Việt Nam. Độc lập, tự do, hạnh phúc. Ngày hôm nay chúng tôi "
    "thông báo kết quả của cuộc thi viết về quê hương."
)
CP1252 = "text/html; charset=windows-1252"
TONES = "\u0300\u0301\u0303\u0309\u0323"


def page(body: str, font: str | None = None, head: str = "") -> str:
    inner = f'<font face="{font}">{body}</font>' if font else body
    return f"<html><head>{head}<title>Tin</title></head><body><p>{inner}</p></body></html>"


def legacy_page(text: str, encoding, font: str | None = None) -> bytes:
    return page("@@", font).encode().replace(b"@@", vnlegacy.encode(text, encoding))


def cp1258(text: str) -> bytes:
    """Windows-1258 as Word writes it: precomposed where the code page has it, else base+tone."""
    out = b""
    for char in text:
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", char)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONES))
            out += (base + "".join(c for c in parts if c in TONES)).encode("cp1258")
    return out


@pytest.mark.parametrize("content_type", [CP1252, "text/html; charset=iso-8859-1", None])
@pytest.mark.parametrize(
    ("encoding", "font"), [("tcvn3", ".VnTime"), ("vni", "VNI-Times"), ("tcvn3", ".VnArial")]
)
def test_legacy_font_page_is_converted(encoding, font, content_type):
    decoded = decode_html(legacy_page(VI, encoding, font), content_type)
    assert VI in decoded.text
    assert decoded.legacy == encoding
    assert decoded.source == "legacy-font"
    assert decoded.confidence >= 0.8


@pytest.mark.parametrize("encoding", vnlegacy.LEGACY_ENCODINGS)
@pytest.mark.parametrize("content_type", [CP1252, None])
def test_legacy_page_without_font_is_detected(encoding, content_type):
    decoded = decode_html(legacy_page(VI, encoding), content_type)
    assert VI in decoded.text
    assert (decoded.encoding, decoded.legacy) == (encoding, encoding)
    assert decoded.source == "legacy-detected"
    assert decoded.confidence >= 0.8


def test_short_legacy_span_has_lower_confidence():
    decoded = decode_html(legacy_page("Ngày:", "tcvn3", ".VnTime"), CP1252)
    assert "Ngày:" in decoded.text
    assert 0.5 <= decoded.confidence < 1.0


def test_only_legacy_spans_of_a_unicode_page_are_converted():
    mojibake = vnlegacy.encode(VI, "tcvn3").decode("cp1252")
    html = (
        "<html><body><p>Trang chủ tiếng Việt, café</p><FONT FACE='.VnTime'>"
        f"{mojibake}<b>{mojibake}</b></FONT><p>Hết: à là ố</p></body></html>"
    )
    decoded = decode_html(html.encode(), "text/html; charset=utf-8")
    assert decoded.text.count(VI) == 2
    assert "Trang chủ tiếng Việt, café" in decoded.text
    assert "Hết: à là ố" in decoded.text
    assert (decoded.encoding, decoded.legacy, decoded.source) == ("utf-8", "tcvn3", "legacy-font")


def test_raw_legacy_bytes_in_a_utf8_page_are_recovered():
    body = legacy_page(VI, "tcvn3", ".VnTime")
    decoded = decode_html(body, "text/html; charset=utf-8")
    assert VI in decoded.text
    assert "\ufffd" not in decoded.text


def test_uppercase_vntimeh_font():
    body = legacy_page("Cộng hoà xã hội chủ nghĩa &amp; Việt", "tcvn3", ".VnTimeH")
    decoded = decode_html(body, CP1252)
    assert "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA &amp; VIỆT" in decoded.text


def test_css_font_family_marks_a_span():
    html = page('<span style="font-family: VNI-Helve, sans-serif">@@</span> café')
    decoded = decode_html(html.encode("cp1252").replace(b"@@", vnlegacy.encode(VI, "vni")), CP1252)
    assert VI in decoded.text
    assert "café" in decoded.text
    assert decoded.legacy == "vni"


def test_declared_legacy_charset():
    head = '<meta http-equiv="Content-Type" content="text/html; charset=VISCII">'
    body = page("@@", head=head).encode().replace(b"@@", vnlegacy.encode(VI, "viscii"))
    decoded = decode_html(body)
    assert (decoded.encoding, decoded.source, decoded.legacy) == ("viscii", "meta", "viscii")
    assert VI in decoded.text


@pytest.mark.parametrize("content_type", ["text/html; charset=windows-1258", None])
def test_cp1258_is_nfc_and_not_legacy(content_type):
    body = page("@@").encode().replace(b"@@", cp1258(VI))
    assert body.decode("cp1258") != unicodedata.normalize("NFC", body.decode("cp1258"))
    decoded = decode_html(body, content_type)
    assert VI in decoded.text
    assert unicodedata.is_normalized("NFC", decoded.text)
    assert (decoded.encoding, decoded.legacy) == ("cp1258", None)


def test_http_beats_meta():
    body = page("@@", head='<meta charset="utf-8">').encode().replace(b"@@", cp1258(VI))
    decoded = decode_html(body, "text/html; charset=windows-1258")
    assert (decoded.encoding, decoded.source) == ("cp1258", "http")
    assert VI in decoded.text


def test_bom_beats_meta():
    body = b"\xef\xbb\xbf" + page(VI, head='<meta charset="windows-1252">').encode()
    decoded = decode_html(body)
    assert (decoded.encoding, decoded.source) == ("utf-8", "bom")
    assert decoded.text.startswith("<html>")
    assert VI in decoded.text


def test_meta_beats_detection():
    decoded = decode_html(page("Привет, мир", head='<meta charset="koi8-r">').encode("koi8-r"))
    assert (decoded.encoding, decoded.source) == ("koi8-r", "meta")
    assert "Привет, мир" in decoded.text


@pytest.mark.parametrize("label", ["iso-8859-1", "latin-1", "ascii", "US-ASCII"])
def test_whatwg_aliases_mean_windows_1252(label):
    decoded = decode_html(page("“quoted” – €").encode("cp1252"), f"text/html; charset={label}")
    assert decoded.encoding == "cp1252"
    assert "“quoted” – €" in decoded.text


def test_undeclared_utf8_is_detected():
    decoded = decode_html(page(VI).encode())
    assert (decoded.encoding, decoded.source, decoded.legacy) == ("utf-8", "detected", None)


VI_SENTENCES = [
    VI,
    "Hà Nội mùa thu, cây cơm nguội vàng, cây bàng lá đỏ.",
    "Thủ tướng Chính phủ đã ký quyết định phê duyệt đề án phát triển nông nghiệp.",
    "Giá xăng dầu tăng nhẹ trong kỳ điều chỉnh chiều nay.",
    "Đội tuyển bóng đá nữ Việt Nam giành huy chương vàng SEA Games.",
    "Người dân Thành phố Hồ Chí Minh đón Tết Nguyên đán trong niềm vui.",
    "Khuya rồi, thuở ấy, giữa những nghiêng ngả của quyết định khuỷu tay.",
    "Bài viết được đăng lại từ blog của tác giả, xin cảm ơn bạn đọc.",
]
EN_SENTENCES = [
    "The quick brown fox jumps over the lazy dog.",
    "Posted by admin on 12 May 2013 — 4 comments.",
    "Read more about the festival in Hội An and Huế.",
    "Copyright © 2014 Example News. All rights reserved.",
]


def utf8_pages() -> list[tuple[str, bytes, str | None]]:
    rng = random.Random(1258)
    pages = []
    heads = ['<meta charset="utf-8">', "", '<meta http-equiv="content-type" content="text/html">']
    types = ["text/html; charset=utf-8", None, "text/html"]
    for index in range(20):
        pool = VI_SENTENCES if index % 4 else EN_SENTENCES + VI_SENTENCES[:2]
        text = " ".join(rng.sample(pool, k=min(4, len(pool))))
        if index % 5 == 1:
            text = unicodedata.normalize("NFD", text)  # Windows' keyboard writes "tổ hợp"
        font = ".VnTime" if index % 7 == 3 else None  # converted pages keep their font tags
        html = page(text, font=font, head=heads[index % 3])
        pages.append((unicodedata.normalize("NFC", text), html.encode(), types[index % 3]))
    return pages


@pytest.mark.parametrize(("text", "body", "content_type"), utf8_pages())
def test_no_false_positive_on_utf8_pages(text, body, content_type):
    decoded = decode_html(body, content_type)
    assert decoded.legacy is None
    assert decoded.encoding == "utf-8"
    assert text in decoded.text


WESTERN = [
    "Le café est très bon à Paris, où l'été dure. Déjà vu, naïve façade, crème brûlée.",
    "Über die Straße gehen, schön. Größe, Mädchen, Fußgänger, Öl und Käse.",
    "Là-bas, à côté: où est-il? Ça va. Noël à Orléans.",
    "Señor Núñez, año, niño; © 2012 — «citation» ½ ¼.",
]


@pytest.mark.parametrize("text", WESTERN)
@pytest.mark.parametrize("content_type", [CP1252, "text/html; charset=iso-8859-1", None])
def test_no_false_positive_on_western_pages(text, content_type):
    decoded = decode_html(page(text).encode("cp1252"), content_type)
    assert decoded.legacy is None
    assert decoded.encoding == "cp1252"
    assert text in decoded.text


def test_output_is_always_nfc():
    decoded = decode_html(
        page(unicodedata.normalize("NFD", VI)).encode(), "text/html; charset=utf-8"
    )
    assert VI in decoded.text


@settings(max_examples=300, deadline=None)
@given(
    body=st.binary(max_size=600)
    | st.builds(lambda t, b: page(t).encode() + b, st.text(max_size=200), st.binary(max_size=80)),
    content_type=st.none() | st.text(max_size=60) | st.builds("text/html; charset={}".format,
                                                                st.text(max_size=20)),
)  # fmt: skip
def test_never_raises(body, content_type):
    decoded = decode_html(body, content_type)
    assert isinstance(decoded, Decoded)
    assert 0.0 <= decoded.confidence <= 1.0
    assert unicodedata.is_normalized("NFC", decoded.text)


def test_a_bom_beats_a_server_default_charset():
    """Browsers (WHATWG) let the BOM win: a server's default iso-8859-1 is often wrong."""
    body = "\ufeff<p>Việt Nam</p>".encode()
    decoded = decode_html(body, "text/html; charset=iso-8859-1")
    assert (decoded.encoding, decoded.source) == ("utf-8", "bom")
    assert "Việt Nam" in decoded.text


@pytest.mark.parametrize(
    ("content_type", "head", "source"),
    [
        ("text/html; charset=iso-8859-1", "", "http-overridden"),
        (None, '<meta charset="windows-1252">', "meta-overridden"),
    ],
)
def test_a_lying_one_byte_charset_over_utf8_is_overridden_and_says_why(content_type, head, source):
    body = f"<html><head>{head}</head><body><p>Trương Tấn Sang</p></body></html>".encode()
    decoded = decode_html(body, content_type)
    assert "Trương Tấn Sang" in decoded.text
    assert (decoded.encoding, decoded.source) == ("utf-8", source)
    assert "but the bytes are UTF-8" in decoded.note
    assert "'ư'" in decoded.note


def test_a_true_one_byte_page_keeps_its_charset():
    body = "<html><body><p>Café crème à la française</p></body></html>".encode("cp1252")
    decoded = decode_html(body, "text/html; charset=iso-8859-1")
    assert "Café crème" in decoded.text
    assert decoded.source == "http"
    assert decoded.note == ""
    plain = decode_html(b"<p>only ascii</p>", "text/html; charset=iso-8859-1")
    assert plain.source == "http"  # nothing beyond ASCII: nothing to judge
