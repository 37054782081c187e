"""Raw HTML bytes + URL -> ``Article``: trafilatura, tuned for news sites and blogs.

``extract(html, url, headers)`` is the one entry point. It is a pure function of its
inputs (no network, no files), so a researcher can re-run it on WARC payloads.

What it adds to plain ``trafilatura.bare_extraction``:
- decoding that honours the HTTP charset, then BOM, then ``<meta charset>``, then
  detection, and converts the legacy Vietnamese encodings (``archive.text.charset``);
- the page is parsed once and trafilatura gets the tree, so ``<meta charset>`` counts;
- Blogger and WordPress chrome (footer, labels, pager, share buttons, comment block)
  is pruned before extraction; title, author, labels and comments come from the
  platform's own markup ("Đăng bởi" and the blog-name prefix never leak);
- dates from machine-readable metadata first, then (on Vietnamese pages) visible
  day-first dates, then htmldate's guess, checked against a ``/YYYY/MM/`` URL and never
  after the capture; htmldate's day settles dates that contradict each other (not on
  Vietnamese pages); each keeps the offset the page stated and gets none it did not;
- a repost's credit line is parsed into ``Article.credit`` and cut from the body; a blog
  repost without one is credited to the outlet its lead-in dateline names;
- titles lose the site's name, bylines the site beside the writers; a Vietnamese page
  with no author markup takes the byline closing its text.
"""

from __future__ import annotations

import gzip
import hashlib
import itertools
import re
import zlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import lxml.html
import trafilatura
from lxml.etree import ParserError

from archive.text import _choice, _dates
from archive.text._bylines import (
    authors_of,
    closing_byline,
)
from archive.text._credit import lead_in_credit, split_credit
from archive.text._fold import UNSPACED, names_host
from archive.text._head import Head, read_head
from archive.text._lazymeta import LazyMetadata
from archive.text._page import first_match, first_meta, is_vietnamese, nfc, one_line
from archive.text._platform import PRUNE, PlatformFields, detect_platform, platform_fields
from archive.text.article import Article, DatedValue
from archive.text.charset import decode_html

if TYPE_CHECKING:
    from collections.abc import Iterator
    from datetime import datetime

    from lxml.html import HtmlElement

__all__ = ["EXTRACTOR_OPTIONS", "decode_content", "extract", "normalise_body"]

# trafilatura's own defaults: no precision/recall bias; metadata comes from our signals
# first and from trafilatura's metadata pass only when those are missing.
EXTRACTOR_OPTIONS: tuple[tuple[str, str], ...] = (
    ("favor_precision", "False"),
    ("favor_recall", "False"),
    ("include_tables", "True"),
    ("with_metadata", "lazy"),
)
_VIET = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.IGNORECASE)
_TITLE_SEPARATOR = re.compile(r"\s+(?:[|–—»:·]|-{1,2}|::)\s+|\s*[-–—|]\s*(?=[^\s-][^-]{0,40}$)")
_HEADINGS = 10  # the page's first headings a title may be cut back to
_MIN_WORDS = 15  # less text than this is navigation, unless the page says it is an article
_WORD = re.compile(r"[^\W\d_]{2,}")
_DATE_BITS = re.compile(r"(?i)\b(?:thứ\s+\w+|chủ\s+nhật|ngày|tháng|năm|gmt|lúc|cập\s+nhật)\b")
_DATEISH = "//*[contains(@class, 'date') or contains(@class, 'time') or contains(@class, 'meta')]"


def _word_count(text: str, words: list[str]) -> int:
    """Words; in scripts written without spaces (Chinese, Japanese, Thai, Lao, Khmer,
    Burmese), each of their characters counts as one, as word processors count them."""
    if not UNSPACED.search(text):
        return len(words)
    return sum(1 for word in words if not UNSPACED.search(word)) + len(UNSPACED.findall(text))


def normalise_body(body: str) -> str:
    """What the body hash covers: NFC text with runs of white space folded to one space."""
    return " ".join(nfc(body).split())


def _header(headers: Mapping[str, str] | None, name: str) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return value
    return None


def decode_content(body: bytes, encoding: str | None) -> bytes:
    """Undo Content-Encoding (WARC payloads keep it); unknown codings are left as they are."""
    coding = (encoding or "").strip().lower()
    if coding == "br":
        return _unbrotli(body)
    try:
        if coding in {"gzip", "x-gzip"}:
            return gzip.decompress(body)
        if coding == "deflate":
            try:
                return zlib.decompress(body)
            except zlib.error:
                return zlib.decompress(body, -zlib.MAX_WBITS)
    except (OSError, EOFError, zlib.error):
        return body
    return body


def _unbrotli(body: bytes) -> bytes:
    try:
        import brotli  # noqa: PLC0415 - optional, Scrapy's dependency when installed
    except ImportError:
        return body
    try:
        return bytes(brotli.decompress(body))
    except brotli.error:
        return body


def _links(tree: HtmlElement, url: str) -> dict[str, str]:
    """Short blocks holding a link -> the link: "Nguồn: <a href=...>VnExpress</a>"."""
    links: dict[str, str] = {}
    short = "[string-length(normalize-space()) <= 120]"
    for anchor in tree.xpath(
        f"//p[a[@href]]{short} | //div[a[@href]][not(*[not(self::a)])]{short}"
    ):
        text = " ".join(anchor.text_content().split())
        if text and len(text) <= 120:
            href = anchor.xpath(".//a/@href")[0]
            links.setdefault(nfc(text), urljoin(url, str(href)))
    return links


class _LazyLinks(Mapping[str, str]):
    """``_links(tree, url)``, found on first use."""

    def __init__(self, tree: HtmlElement, url: str) -> None:
        self._tree, self._url = tree, url
        self._found: dict[str, str] | None = None

    def _all(self) -> dict[str, str]:
        if self._found is None:
            self._found = _links(self._tree, self._url)
        return self._found

    def __getitem__(self, key: str) -> str:
        return self._all()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


def _title(
    found: str | None,
    ld: list[dict[str, Any]],
    tree: HtmlElement,
    head: Head,
    url: str,
    *,
    doc: LazyMetadata,
) -> str:
    headline = next((i["headline"] for i in ld if isinstance(i.get("headline"), str)), None)
    title = found or headline or first_meta(head, "property", "og:title")
    if not title:
        title = doc.title or ""
    return _without_site(one_line(title), tree, head, doc, urlsplit(url).hostname or "")


def _without_site(title: str, tree: HtmlElement, head: Head, doc: LazyMetadata, host: str) -> str:
    """The title without the site's name or section trail: "Bài viết - Báo X", "Tin »
    Local » Noticias » Ultima Hora", "Bài viết -- Sott.net". Cut only where the page
    says so: the part kept is a heading of the page, or the part dropped names the site."""
    cuts = list(_TITLE_SEPARATOR.finditer(title))
    if not cuts:
        return title
    leading = itertools.islice(tree.iter("h1", "h2"), _HEADINGS)  # as //h1 | //h2, one walk
    headings = {one_line(h.text_content()) for h in leading}
    for cut in reversed(cuts):  # the longest leading part that is a heading
        if title[: cut.start()] in headings:
            return title[: cut.start()]
    site = first_meta(head, "property", "og:site_name") or doc.sitename or ""
    names = {n.casefold() for n in (site, host, host.removeprefix("www.")) if n}
    last, first = cuts[-1], cuts[0]
    if title[last.end() :].casefold() in names:
        return title[: last.start()]
    if title[: first.start()].casefold() in names:
        return title[first.end() :]
    if names_host(title[last.end() :], host):
        # "Bài viết - Báo Dân trí" on dantri.com.vn; a trail ("X » Local » Noticias »
        # Ultima Hora Mallorca") is cut at its first mark, a dash only at the last one:
        # headlines hold dashes ("Hà Nội - Sài Gòn: ... - VnExpress").
        trail = {cut[0].strip() for cut in cuts} <= _TRAIL_MARKS and len(cuts) > 1
        return title[: (first if trail else last).start()]
    return title


_TRAIL_MARKS = {"»", "|", "·"}  # of _TITLE_SEPARATOR's marks, those of section trails


def _language(tree: HtmlElement, body: str) -> str | None:
    lang = first_match(tree, "/html/@lang") or first_match(
        tree, "//meta[@http-equiv='content-language']/@content"
    )
    if lang:
        return lang.split("-")[0].split("_")[0].lower()
    return "vi" if len(_VIET.findall(body)) > 20 else None


def _visible_date(tree: HtmlElement, url: str) -> list[DatedValue]:
    """A Vietnamese page's first visible date (a time without a zone: +07:00, assumed)."""
    for element in tree.xpath(_DATEISH)[:20]:
        if stamp := _dates.parse_vietnamese(element.text_content(), url):
            return [_dates.dated(stamp, "visible-date", vietnamese=True)]
    return []


def _tags(found: list[str], ld: list[dict[str, Any]], head: Head) -> list[str]:
    tags = found or head.contents("property", "article:tag")
    if not tags:
        keywords = next((i["keywords"] for i in ld if i.get("keywords")), None)
        if isinstance(keywords, str):
            tags = keywords.split(",")
        elif isinstance(keywords, list):
            tags = [str(k) for k in keywords]
    return list(dict.fromkeys(nfc(t.strip()) for t in tags if t.strip()))


def _declares_article(head: Head, ld: list[dict[str, Any]], post_body: list[str]) -> bool:
    """og:type=article, a JSON-LD *Article / *Posting, or a blog platform's post body."""
    og = " ".join(head.contents("property", "og:type")).lower()
    types = " ".join(str(item.get("@type", "")) for item in ld)
    return "article" in og or "Article" in types or "Posting" in types or bool(post_body)


def _strip_lead(paragraphs: list[str], title: str) -> list[str]:
    """Drop a repeated title and a bare dateline from the top of the body.

    Many news templates put the headline and "Thứ Hai, 16/1/2012, 04:16 (GMT+7)" inside
    the article element, and trafilatura keeps both as the first lines of the text.
    """
    folded_title = " ".join(title.split()).casefold()
    kept = list(paragraphs)
    for _ in range(3):
        if not kept:
            break
        first = kept[0]
        if (folded_title and " ".join(first.split()).casefold() == folded_title) or (
            len(first) <= 60
            and _dates.parse_vietnamese(first)
            and len(_WORD.findall(_DATE_BITS.sub("", first))) <= 3
        ):
            kept.pop(0)
        else:
            break
    return kept


# As trafilatura parses a page itself: no comments or processing instructions in the tree
# (fewer nodes for every pass over it, and the tree plain trafilatura would see).
_PARSER = lxml.html.HTMLParser(
    collect_ids=False, default_doctype=False, remove_comments=True, remove_pis=True
)


_XML_DECLARATION = re.compile(r"^\ufeff?\s*<\?xml[^>]*\?>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # no XML text may hold them


def _parse(text: str) -> HtmlElement | None:
    # lxml refuses a str that declares its encoding ("Unicode strings with encoding
    # declaration are not supported"): an XHTML page's ``<?xml ... encoding=?>`` made
    # the whole page None (found on real pages: 5 of htmldate's evaluation set). The
    # text is decoded already, so the declaration says nothing more. C0 control
    # characters (a stray BEL in a footnote) made trafilatura give up on the whole page.
    text = _CONTROL.sub("", _XML_DECLARATION.sub("", text))
    try:
        return lxml.html.document_fromstring(text, parser=_PARSER)
    except (ParserError, ValueError):
        return None


def extract(
    html: bytes,
    url: str,
    headers: Mapping[str, str] | None = None,
    *,
    captured_at: datetime | None = None,
) -> Article | None:
    """The article in one captured page, or None when the page holds none.

    ``headers`` are the response's HTTP headers (Content-Type's charset and
    Content-Encoding are honoured); ``captured_at`` bounds the dates (default: now).
    """
    body = decode_content(html, _header(headers, "content-encoding"))
    decoded = decode_html(body, _header(headers, "content-type"))
    tree = _parse(decoded.text)
    if tree is None:
        return None
    head = read_head(tree)
    ld = _dates.json_ld_objects(head)
    platform = detect_platform(tree, head)
    found = platform_fields(tree, platform)
    # trafilatura reads metadata from our tree (one parse), unless pruning will change it.
    meta = LazyMetadata(decoded.text if platform in PRUNE else tree, url, decoded.text)
    vietnamese = is_vietnamese(tree, url)
    signals = _signals(tree, head, url, ld, found, meta=meta, vietnamese=vietnamese)
    if not _choice.settled(signals["published"], url, captured_at) and vietnamese:
        # Visible day-first dates, read before pruning drops the post's meta line.
        signals["published"] += _visible_date(tree, url)
    if platform in PRUNE:
        # Pruned here in one XPath pass: trafilatura's prune_xpath costs ~7 ms a page.
        for element in tree.xpath(" | ".join(PRUNE[platform])):
            element.drop_tree()
    doc = trafilatura.bare_extraction(tree, url=url, include_comments=platform not in PRUNE)
    if doc is None or isinstance(doc, dict) or not doc.text:
        return None
    paragraphs = [nfc(p.strip()) for p in str(doc.text).split("\n") if p.strip()]
    paragraphs, credit = split_credit(paragraphs, signals["links"])
    if credit is None:
        # trafilatura drops a credit that is mostly a link ("Nguồn: <a>http://...</a>").
        _, credit = split_credit(found.closing_lines, signals["links"])
    kept = _strip_lead(paragraphs, signals["title"])
    if credit is None and platform in PRUNE:
        credit = lead_in_credit(kept)  # "(Chinhphu.vn) - ..." opening a repost
    text = "\n".join(kept)
    words = text.split()  # once: the count, the check and the hash all use it
    word_count = _word_count(text, words)
    if word_count < _MIN_WORDS and not signals["declared"]:
        return None
    # htmldate's day only where needed; not to settle a Vietnamese page's contradictions,
    # where our day-first reading of its visible dates is the one to trust.
    published, modified = _choice.choose_dates(
        signals["published"],
        signals["modified"],
        url,
        captured_at,
        lambda: meta.date,
        tie_break=not vietnamese,
    )
    comments = found.comments or [c for c in str(doc.comments or "").split("\n") if c.strip()]
    return Article(
        url=url,
        canonical_url=signals["canonical"],
        title=signals["title"],
        authors=tuple(signals["authors"] or closing_byline(kept, tree, url)),
        published=published,
        modified=modified,
        language=_language(tree, text),
        site=urlsplit(url).hostname or "",
        platform=platform,
        tags=tuple(signals["tags"]),
        body=text,
        comments=tuple(nfc(c.strip()) for c in comments),
        credit=credit,
        word_count=word_count,
        # normalise_body(text), without its NFC pass: the paragraphs are NFC already.
        body_hash=hashlib.sha1(" ".join(words).encode()).hexdigest(),  # noqa: S324
        encoding=decoded.encoding,
        encoding_confidence=decoded.confidence,
        encoding_note=decoded.note,
        extractor_version=f"archivist-extract 1; trafilatura {trafilatura.__version__}",
        extractor_options=EXTRACTOR_OPTIONS,
    )


def _signals(
    tree: HtmlElement,
    head: Head,
    url: str,
    ld: list[dict[str, Any]],
    found: PlatformFields,
    *,
    meta: LazyMetadata,
    vietnamese: bool,
) -> dict[str, Any]:
    """Everything read from the page before trafilatura prunes it."""
    canonical = head.first_link("canonical")
    published, modified = _dates.date_candidates(head, ld, vietnamese=vietnamese)
    return {
        # Pruning will change a blog page's tree: read its links now; elsewhere only when
        # a credit line without its own URL asks (a rare line; the search costs ~0.7 ms).
        "links": _links(tree, url) if found.platform in PRUNE else _LazyLinks(tree, url),
        "canonical": urljoin(url, canonical) if canonical else None,
        "published": published,
        "modified": modified,
        "title": _title(found.title, ld, tree, head, url, doc=meta),
        "authors": authors_of(found.authors, ld, head, meta, urlsplit(url).hostname or ""),
        "tags": _tags(found.tags, ld, head),
        "declared": _declares_article(head, ld, found.closing_lines),
    }
