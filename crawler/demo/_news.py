"""thoisu.test, "Báo Thời Sự": the source news site (pages, feeds, sitemaps, requisites).

The archiver-breaking cases live in ``_cases.py``; this module answers everything else.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from crawler.demo import _media, _response, _text
from crawler.demo._changes import SOFT_TITLE
from crawler.demo._model import NEWS_HOST, NEWS_NAME, Article
from crawler.demo._text import SECTIONS, esc

if TYPE_CHECKING:
    from collections.abc import Callable

    from crawler.demo._response import Response
    from crawler.demo.world import World

BASE = f"http://{NEWS_HOST}"
PER_PAGE = 20
_NAV_LINKS = 16  # logo, home, four sections, breadcrumb, footer links, share links
NEWS_QUERIES = (
    "?print=1",
    "?utm_source=facebook&utm_medium=social&utm_campaign=chia-se",
    "?utm_source=zalo&utm_medium=social",
)
CALENDAR_DAY = "/lich/2012/04/23/"  # the calendar widget opens on the seed repost's day
CSS = """/* Báo Thời Sự */
body { font-family: Arial, sans-serif; margin: 0; background: #fff url(/static/img/nen.png); }
.header { background: #9f224e; padding: 8px; } .header a { color: #fff; margin-right: 12px; }
.title-detail { font-size: 28px; } .date { color: #757575; } .description { font-weight: bold; }
.fck_detail p { line-height: 1.6; } .author { text-align: right; font-weight: bold; }
.related li, .list-news li { margin: 4px 0; } .footer { border-top: 1px solid #ccc; padding: 8px; }
"""
JS = "/* Báo Thời Sự */\nwindow.thoisu = { version: '2012.4' };\n"


@dataclass(frozen=True, slots=True)
class ArticleText:
    lead: str
    paragraphs: tuple[str, ...]
    caption: str


@functools.lru_cache(maxsize=4096)
def article_text(seed: int, art: Article, min_bytes: int) -> ArticleText:
    """The article's words: shared by the news page and every blog that reposts it."""
    r = _text.rng(seed, "body", art.index)
    lead = _text.sentence(r, art.section)
    caption = f"{_text.title(r, art.section)}. (Ảnh: {art.author})"
    paras = _text.paragraphs(r, art.section, r.randint(4, 7), min_bytes)
    return ArticleText(lead, tuple(paras), caption)


def image_path(art: Article, n: int) -> str:
    return f"/images/{art.published:%Y/%m}/{art.id:06d}-{n}.jpg"


def shell(title: str, content: str, head: str = "") -> str:
    nav = " ".join(f'<a href="/{key}/">{esc(name)}</a>' for key, name in SECTIONS.items())
    return f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<title>{esc(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/static/css/thoisu.css">
<link rel="alternate" type="application/rss+xml" title="Tin mới nhất" href="/rss/tin-moi-nhat.rss">
<link rel="icon" href="/static/img/favicon.gif" type="image/gif">
{head}</head>
<body>
<header class="header"><a class="logo" href="/"><img src="/static/img/logo.png" alt="{NEWS_NAME}"></a>
<nav class="main-nav"><a href="/">Trang chủ</a> {nav}</nav></header>
<main class="container">
{content}
</main>
<footer class="footer"><a href="/chuyen-muc/luu-tru">Lưu trữ</a> · <a href="/rss/tin-moi-nhat.rss">RSS</a>
· <a class="lich" href="{CALENDAR_DAY}">Lịch tin bài</a> · <a href="/tim-kiem?sort=moi-nhat&amp;trang=1&amp;loc=tat-ca">Tìm kiếm nâng cao</a>
· <a href="/bao-in/">Báo in</a> · <a href="/quan-tri/">Quản trị</a>
<p>© 2012 {NEWS_NAME}. Giấy phép số 123/GP-BTTTT. Tòa soạn: 15 Hàng Bài, Hà Nội.</p></footer>
<script src="/static/js/thoisu.js"></script>
</body>
</html>
"""


def article_list(arts: list[Article], css_class: str = "list-news") -> str:
    items = "\n".join(
        f'<li><a href="{a.path}">{esc(a.title)}</a> <span class="time">'
        f"{a.published.day:02d}/{a.published.month:02d}/{a.published.year}</span></li>"
        for a in arts
    )
    return f'<ul class="{css_class}">\n{items}\n</ul>'


def _modified_meta(published: str, modified: str) -> str:
    """``article:modified_time``, only for an edited article."""
    if modified == published:
        return ""
    return f'<meta property="article:modified_time" content="{modified}">\n'


def share_links(art: Article) -> str:
    """Print view and tracked share links: duplicates of the article a naive crawler fetches."""
    items = " ".join(
        f'<a href="{art.path}{esc(query)}" rel="nofollow">{label}</a>'
        for query, label in zip(NEWS_QUERIES, ("In bài", "Facebook", "Zalo"), strict=True)
    )
    return f'<div class="social-tools">{items}</div>'


class NewsSite:
    """Routes for thoisu.test that are not special cases."""

    server = "nginx"

    def __init__(self, world: World) -> None:
        self.world = world
        gone = world.changes.deleted
        self.articles = [a for a in (*world.articles, *world.changes.articles) if a.url not in gone]
        """The articles served now, oldest first: the generated ones, less the deleted, and
        the added ones (``World.delete``/``World.add``)."""
        self.by_section: dict[str, list[Article]] = {key: [] for key in SECTIONS}
        self.by_month: dict[str, list[Article]] = {}
        for art in self.articles:
            self.by_section[art.section].append(art)
            self.by_month.setdefault(f"{art.published.year}-{art.published.month}", []).append(art)
        self.by_id = {art.id: art for art in self.articles}
        self.visible = [a for a in self.articles if a.index not in world.hidden_news]
        """Articles some HTML page links to; the hidden ones are only in sitemaps and RSS."""
        self.newest = self.visible[::-1]

    def respond(self, path: str, query: str) -> Response | None:
        statics: dict[str, Callable[[], Response]] = {
            "/": self.home,
            "/quan-tri/": lambda: self.plain("Quản trị", "<form><input name='mat-khau'></form>"),
            "/bao-in/": lambda: self.plain("Báo in", "<p>Đọc báo in bản PDF.</p>"),
            "/static/css/thoisu.css": lambda: _response.data(CSS.encode(), "text/css"),
            "/static/js/thoisu.js": lambda: _response.data(JS.encode(), "application/javascript"),
            "/static/img/logo.png": lambda: _response.data(_media.png("thoisu-logo"), "image/png"),
            "/static/img/nen.png": lambda: _response.data(
                _media.png("thoisu-nen", 4, 4), "image/png"
            ),
            "/static/img/favicon.gif": lambda: _response.data(_media.gif("thoisu"), "image/gif"),
        }
        if path in statics:
            return statics[path]()
        parts = path.strip("/").split("/")
        if parts[0] in SECTIONS:
            return self._section_route(parts, path, query)
        if parts[0] == "images" and len(parts) == 4:
            return self.image(parts[3])
        return None

    def _section_route(self, parts: list[str], path: str, query: str) -> Response | None:
        if path == f"/{parts[0]}/":
            page = parse_qs(query).get("trang", ["1"])[0]
            return self.section(parts[0], int(page)) if page.isdigit() else None
        if len(parts) == 2 and parts[1].endswith(".html"):
            stem = parts[1].removesuffix(".html")
            art = self.by_id.get(int(stem[-6:])) if stem[-6:].isdigit() else None
            if art is not None and art.path == path:
                return self.article(art)
        return None

    def home(self) -> Response:
        w = self.world
        content = (
            f'<h2 class="title-box">Tin mới nhất</h2>\n{article_list(self.newest[:PER_PAGE])}\n'
            '<p><a href="tin-tuc/">Xem thêm tin tức</a></p>'  # relative: it nests on each visit
        )
        cookies = (
            (
                "Set-Cookie",
                f"phien={_text.rng(w.seed, 'cookie').getrandbits(64):016x}; Path=/; HttpOnly",
            ),
            ("Set-Cookie", "dong-y-cookie=chua; Path=/; Max-Age=31536000; SameSite=Lax"),
        )
        html = shell(f"{NEWS_NAME} - Tin tức thời sự trong ngày", content)
        return _response.page(html, headers=cookies)

    def section(self, key: str, page: int) -> Response | None:
        arts = [a for a in self.by_section[key][::-1] if a.index not in self.world.hidden_news]
        pages = max(1, -(-len(arts) // PER_PAGE))
        if not 1 <= page <= pages:
            return None
        chunk = arts[(page - 1) * PER_PAGE : page * PER_PAGE]
        links = " ".join(
            f'<a href="/{key}/{"" if n == 1 else f"?trang={n}"}">{n}</a>'
            for n in range(1, pages + 1)
        )
        content = (
            f'<h1 class="title-box">{esc(SECTIONS[key])}</h1>\n{article_list(chunk)}\n'
            f'<div class="pagination">Trang: {links}</div>'
        )
        title = f"{SECTIONS[key]} - Trang {page} - {NEWS_NAME}"
        return _response.page(shell(title, content))

    def related(self, art: Article) -> list[Article]:
        size = len(self.world.articles)
        want = self.world.links_per_page
        count = min(size - 1, max(3, want - _NAV_LINKS) if want else 5)
        r = _text.rng(self.world.seed, "related", art.index)
        picks: list[int] = []
        for step in range(1, size):
            for index in ((art.index - step) % size, r.randrange(size)):
                if index != art.index and index not in picks and len(picks) < count:
                    picks.append(index)
            if len(picks) >= count:
                break
        arts = self.world.articles
        gone = self.world.changes.deleted
        return [
            arts[i] for i in picks if i not in self.world.hidden_news and arts[i].url not in gone
        ]

    def modified(self, art: Article) -> datetime:
        """When ``art`` last changed (``World.edit``), else its publication time."""
        return self.world.changes.modified(art.url, art.published)

    def _article_head(self, art: Article, text: ArticleText) -> str:
        """Canonical, Open Graph, ``article:published_time`` and a JSON-LD NewsArticle."""
        when, modified = _text.iso(art.published), _text.iso(self.modified(art))
        ld = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": art.title,
            "datePublished": when,
            "dateModified": modified,
            "author": {"@type": "Person", "name": art.author},
            "publisher": {"@type": "Organization", "name": NEWS_NAME},
            "image": [BASE + image_path(art, 1)],
            "articleSection": SECTIONS[art.section],
            "mainEntityOfPage": art.url,
        }
        ld_json = json.dumps(ld, ensure_ascii=False).replace("</", "<\\/")
        return f"""<link rel="canonical" href="{art.url}">
<meta name="description" content="{esc(text.lead)}">
<meta property="og:type" content="article">
<meta property="og:title" content="{esc(art.title)}">
<meta property="og:url" content="{art.url}">
<meta property="og:image" content="{BASE}{image_path(art, 1)}">
<meta property="og:site_name" content="{NEWS_NAME}">
<meta property="article:published_time" content="{when}">
{_modified_meta(when, modified)}<meta property="article:section" content="{esc(SECTIONS[art.section])}">
<script type="application/ld+json">{ld_json}</script>
"""

    def article(self, art: Article) -> Response:
        text = article_text(self.world.seed, art, self.world.body_bytes)
        head = self._article_head(art, text)
        content = f"""<article class="article" data-id="{art.id}">
<div class="breadcrumb"><a href="/{art.section}/">{esc(SECTIONS[art.section])}</a></div>
<h1 class="title-detail">{esc(art.title)}</h1>
<span class="date">{_text.news_date(art.published)}</span>
<p class="description">{esc(text.lead)}</p>
<figure class="image"><img src="{image_path(art, 1)}" alt="{esc(art.title)}" width="32" height="24">
<figcaption>{esc(text.caption)}</figcaption></figure>
<div class="fck_detail">
{_text.paras_html([*text.paragraphs, *self.world.changes.paragraphs(art.url)])}
<p class="author"><strong>{esc(art.author)}</strong></p>
</div>
<img class="icon" src="{image_path(art, 2)}" alt="" width="32" height="24">
</article>
{share_links(art)}
<section class="related"><h3>Tin liên quan</h3>
{article_list(self.related(art), "related")}
</section>"""
        changed = self.modified(art).astimezone(UTC)
        modified = (("Last-Modified", format_datetime(changed, usegmt=True)),)
        return _response.page(shell(f"{art.title} - {NEWS_NAME}", content, head), headers=modified)

    def plain(self, title: str, body: str) -> Response:
        """A page under a path robots.txt forbids (the footer links to it all the same)."""
        return _response.page(shell(f"{title} - {NEWS_NAME}", f"<h1>{title}</h1>\n{body}"))

    def notice(self, text: str) -> Response:
        """The 200 page a deleted article's URL shows (``World.delete(url, how="soft")``)."""
        content = f'<h1 class="title-box">{esc(text)}</h1>\n<p><a href="/">Về trang chủ</a></p>'
        return _response.page(shell(f"{SOFT_TITLE} - {NEWS_NAME}", content))

    def image(self, name: str) -> Response | None:
        stem = name.removesuffix(".jpg")
        art_id, _, n = stem.partition("-")
        art = self.by_id.get(int(art_id)) if art_id.isdigit() else None
        if art is None or n not in {"1", "2"} or not name.endswith(".jpg"):
            return None
        body = _media.jpeg(f"{NEWS_HOST}/{name}")
        return _response.data(body, "image/jpeg")
