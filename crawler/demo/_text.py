"""Seeded Vietnamese text: word lists, titles, paragraphs, slugs and date formats.

Every generator takes a ``random.Random`` seeded from a string (``rng(...)``), so the
same world seed always yields the same text, whatever ``PYTHONHASHSEED`` is.
"""

from __future__ import annotations

import functools
import random
import re
import unicodedata
from datetime import datetime, timedelta, timezone
from html import escape

VN_TZ = timezone(timedelta(hours=7))

SECTIONS: dict[str, str] = {
    "chinh-tri": "Chính trị",
    "xa-hoi": "Xã hội",
    "kinh-te": "Kinh tế",
    "the-gioi": "Thế giới",
}

_SUBJECTS: dict[str, tuple[str, ...]] = {
    "chinh-tri": (
        "Quốc hội",
        "Thủ tướng Chính phủ",
        "Thường trực Ban Bí thư",
        "Chủ tịch nước",
        "Ủy ban Thường vụ Quốc hội",
        "Mặt trận Tổ quốc Việt Nam",
        "Bộ Nội vụ",
        "Thành ủy Hà Nội",
        "Đoàn đại biểu Quốc hội TP.HCM",
        "Ban Tổ chức Trung ương",
    ),
    "xa-hoi": (
        "Bộ Y tế",
        "Bộ Giáo dục và Đào tạo",
        "Ủy ban nhân dân TP.HCM",
        "Sở Giao thông Vận tải",
        "Hội Liên hiệp Phụ nữ",
        "Thành đoàn Hà Nội",
        "Bệnh viện Bạch Mai",
        "Công an Đà Nẵng",
        "Người dân Cần Thơ",
        "Sở Lao động - Thương binh và Xã hội",
    ),
    "kinh-te": (
        "Ngân hàng Nhà nước",
        "Bộ Tài chính",
        "Bộ Công Thương",
        "Tổng cục Thống kê",
        "Doanh nghiệp xuất khẩu",
        "Hiệp hội Lương thực",
        "Tập đoàn Điện lực",
        "Các ngân hàng thương mại",
        "Nông dân đồng bằng sông Cửu Long",
        "Thị trường chứng khoán",
    ),
    "the-gioi": (
        "Liên Hợp Quốc",
        "Các nước ASEAN",
        "Nhật Bản",
        "Hàn Quốc",
        "Liên minh châu Âu",
        "Ngân hàng Thế giới",
        "Quỹ Tiền tệ Quốc tế",
        "Australia",
        "Ấn Độ",
        "Các nhà lãnh đạo G20",
    ),
}

_VERBS = (
    "làm việc về",
    "thảo luận về",
    "công bố",
    "chỉ đạo",
    "kiểm tra",
    "đề xuất",
    "thông qua",
    "triển khai",
    "sơ kết",
    "bàn về",
    "khảo sát",
    "cam kết thúc đẩy",
    "đánh giá",
    "hoàn thiện",
)

_OBJECTS = (
    "kế hoạch phát triển kinh tế",
    "dự án giao thông trọng điểm",
    "chương trình xây dựng nông thôn mới",
    "báo cáo tình hình kinh tế - xã hội",
    "giá xăng dầu",
    "cải cách thủ tục hành chính",
    "công tác phòng chống tham nhũng",
    "quy hoạch đô thị",
    "chính sách tiền lương",
    "việc làm cho thanh niên",
    "an toàn vệ sinh thực phẩm",
    "bảo vệ môi trường",
    "thu hút đầu tư nước ngoài",
    "hiệp định thương mại tự do",
    "đổi mới tổ chức bộ máy",
    "chất lượng đội ngũ cán bộ",
    "hỗ trợ hộ nghèo",
    "phòng chống thiên tai",
    "an sinh xã hội",
    "giáo dục vùng cao",
)

_COMPLEMENTS = (
    "năm 2012",
    "tại Hà Nội",
    "trong quý I",
    "giai đoạn 2011-2015",
    "ở đồng bằng sông Cửu Long",
    "trên địa bàn thành phố",
    "tại các tỉnh miền Trung",
    "từ đầu năm",
    "trong năm 2013",
    "ở vùng sâu, vùng xa",
)

_CONNECTORS = (
    "",
    "",
    "Theo đó, ",
    "Bên cạnh đó, ",
    "Cũng trong ngày, ",
    "Phát biểu tại buổi làm việc, ",
    "Trước đó, ",
    "Tuy nhiên, ",
    "Đặc biệt, ",
    "Ngoài ra, ",
)

_QUOTES = (
    "chúng tôi sẽ tiếp tục theo dõi sát tình hình",
    "cần phải có giải pháp đồng bộ và lâu dài",
    "người dân là trung tâm của mọi chính sách",
    "việc triển khai phải bảo đảm công khai, minh bạch",
    "kết quả bước đầu rất đáng khích lệ",
    "còn nhiều khó khăn nhưng chúng tôi quyết tâm hoàn thành",
)

PEOPLE = (
    "Nguyễn Văn An",
    "Trần Thị Bích",
    "Lê Minh Hoàng",
    "Phạm Thu Hà",
    "Hoàng Quốc Việt",
    "Vũ Thanh Tùng",
    "Đặng Ngọc Lan",
    "Bùi Đức Thắng",
    "Đỗ Hải Yến",
    "Ngô Quang Huy",
    "Dương Văn Khánh",
    "Lý Thu Trang",
)

_WOMEN = frozenset(("Trần Thị Bích", "Phạm Thu Hà", "Đặng Ngọc Lan", "Đỗ Hải Yến", "Lý Thu Trang"))

REPORTERS = (
    "Minh Châu",
    "Hải Đăng",
    "Thu Hằng",
    "Quốc Trung",
    "Lan Anh",
    "Đức Minh",
    "Phương Thảo",
    "Văn Hiếu",
)

_WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")
# Tone marks that windows-1258 keeps as combining characters (its 0xCC, 0xEC, 0xDE, 0xD2, 0xF2).
_AVERAGE_SENTENCE = 100  # bytes of UTF-8, about
_NON_SLUG = re.compile(r"[^a-z0-9]+")
_CP1258_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")


def rng(*parts: object) -> random.Random:
    """A generator seeded from a string: stable across runs and interpreters."""
    return random.Random(":".join(str(p) for p in parts))  # noqa: S311 (test data, not secrets)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def title(r: random.Random, section: str) -> str:
    subject = r.choice(_SUBJECTS[section])
    parts = (subject, r.choice(_VERBS), r.choice(_OBJECTS), r.choice(_COMPLEMENTS))
    return " ".join(parts)


def sentence(r: random.Random, section: str) -> str:
    if r.random() < 0.2:
        person = r.choice(PEOPLE)
        honorific = "Bà" if person in _WOMEN else "Ông"
        return f"{honorific} {person} cho biết: “{r.choice(_QUOTES).capitalize()}”."
    text = " ".join(
        (r.choice(_SUBJECTS[section]), r.choice(_VERBS), r.choice(_OBJECTS), r.choice(_COMPLEMENTS))
    )
    return r.choice(_CONNECTORS) + text + "."


@functools.cache
def _sentence_pool(section: str) -> tuple[tuple[str, int], ...]:
    """A fixed pool of sentences (with their UTF-8 sizes) that paragraphs draw from.

    Drawing whole sentences with one ``choices`` call is ~10x faster than building each
    sentence word by word, which matters for the 5,000-page benchmark world.
    """
    r = random.Random(f"pool:{section}")  # noqa: S311 (test data, not secrets)
    pool = {sentence(r, section) for _ in range(1500)}
    return tuple((text, len(text.encode())) for text in sorted(pool))


def paragraph(r: random.Random, section: str) -> str:
    return " ".join(text for text, _ in r.choices(_sentence_pool(section), k=3 + r.randrange(3)))


def paragraphs(r: random.Random, section: str, count: int, min_bytes: int = 0) -> list[str]:
    """At least ``count`` paragraphs of 3-5 sentences, more until they hold ``min_bytes``.

    Sentences are drawn in batches (one ``choices`` call per batch) to keep padded
    5,000-article worlds quick to serve.
    """
    pool = _sentence_pool(section)
    out: list[str] = []
    size, cycle = 0, r.randrange(3)
    while len(out) < count or size < min_bytes:
        batch = max(4 * (count - len(out)), (min_bytes - size) // _AVERAGE_SENTENCE + 5)
        picked = r.choices(pool, k=batch)
        start = 0
        while start < len(picked) and (len(out) < count or size < min_bytes):
            length, cycle = 3 + cycle, (cycle + 2) % 3
            sentences = picked[start : start + length]
            start += length
            out.append(" ".join(text for text, _ in sentences))
            size += sum(n for _, n in sentences) + len(sentences) + 7
    return out


@functools.cache
def _ascii_word(word: str) -> str:
    base = unicodedata.normalize("NFD", word.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in base if not unicodedata.combining(c)).lower()


def slugify(text: str, max_len: int = 0) -> str:
    """ASCII slug as Vietnamese sites make them: diacritics dropped, đ -> d.

    With ``max_len``, cut at a word boundary like Blogger does (about 40 characters).
    """
    ascii_text = " ".join(_ascii_word(word) for word in text.split())
    slug = _NON_SLUG.sub("-", ascii_text).strip("-")
    if max_len and len(slug) > max_len:
        cut = slug[: max_len + 1].rsplit("-", 1)[0]
        slug = cut or slug[:max_len]
    return slug


def news_date(when: datetime) -> str:
    """``Thứ Hai, 23/4/2012, 15:30 (GMT+7)`` as VnExpress-style sites show it."""
    return f"{_WEEKDAYS[when.weekday()]}, {when.day}/{when.month}/{when.year}, {when:%H:%M} (GMT+7)"


def blogger_date(when: datetime) -> str:
    """``Thứ Hai, 23 tháng 4, 2012``, the Vietnamese Blogger date header."""
    return f"{_WEEKDAYS[when.weekday()]}, {when.day} tháng {when.month}, {when.year}"


def iso(when: datetime, millis: bool = False) -> str:
    return when.isoformat(timespec="milliseconds" if millis else "seconds")


def cp1258_bytes(text: str) -> bytes:
    """Encode as real windows-1258 pages do: base letters precomposed, tone marks combining."""
    out: list[str] = []
    for char in nfc(text):
        decomposed = unicodedata.normalize("NFD", char)
        tones = "".join(c for c in decomposed if c in _CP1258_TONES)
        base = unicodedata.normalize(
            "NFC", "".join(c for c in decomposed if c not in _CP1258_TONES)
        )
        out.append(base + tones)
    return "".join(out).encode("cp1258")


def esc(text: str) -> str:
    return escape(text, quote=True)


def paras_html(texts: list[str]) -> str:
    """``<p>`` elements, one per text; one ``escape`` call for all (texts hold no newline)."""
    if not texts:
        return ""
    return "<p>" + esc("\n".join(texts)).replace("\n", "</p>\n<p>") + "</p>"
