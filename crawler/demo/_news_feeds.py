"""thoisu.test's machine-readable lists: robots.txt, the sitemaps and the RSS feeds.

``robots.txt`` names the sitemap index (``/sitemap.xml`` -> one ``/sitemaps/news-YYYY-M.xml``
per month) and the Google News sitemap (``/sitemaps/google-news.xml``, the newest
``NEWS_SITEMAP_ITEMS`` articles, ``xmlns:news``). Every ``<url>`` has a ``<lastmod>``: the
article's publication time, or its edit time once ``World.edit`` changed it (an edited
article's RSS item gets an ``<atom:updated>`` too). Hidden articles are listed here and
in the RSS feeds, and on no HTML page.
"""

from __future__ import annotations

from email.utils import format_datetime
from typing import TYPE_CHECKING

from crawler.demo import _response, _text
from crawler.demo._model import NEWS_NAME
from crawler.demo._news import BASE, article_text
from crawler.demo._text import SECTIONS, esc

if TYPE_CHECKING:
    from datetime import datetime

    from crawler.demo._model import Article
    from crawler.demo._news import NewsSite
    from crawler.demo._response import Response

RSS_ITEMS = 50
NEWS_SITEMAP_ITEMS = 10
GOOGLE_NEWS = "/sitemaps/google-news.xml"
FORBIDDEN = ("/quan-tri/", "/bao-in/", "/api/")
_SM = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'


def robots() -> Response:
    disallow = "".join(f"Disallow: {p}\n" for p in FORBIDDEN)
    return _response.text(
        f"User-agent: *\n{disallow}\nSitemap: {BASE}{GOOGLE_NEWS}\nSitemap: {BASE}/sitemap.xml\n"
    )


def sitemap_index(site: NewsSite) -> Response:
    entries = [
        f"<sitemap><loc>{BASE}/sitemaps/news-{month}.xml</loc>"
        f"<lastmod>{_text.iso(max(map(site.modified, arts)))}</lastmod></sitemap>"
        for month, arts in site.by_month.items()
    ]
    newest = site.articles[::-1][:NEWS_SITEMAP_ITEMS]
    entries.append(
        f"<sitemap><loc>{BASE}{GOOGLE_NEWS}</loc>"
        f"<lastmod>{_text.iso(max(map(site.modified, newest)))}</lastmod></sitemap>"
    )
    return _response.xml(
        f"{_HEAD}<sitemapindex {_SM}>\n" + "\n".join(entries) + "\n</sitemapindex>\n"
    )


def month_sitemap(site: NewsSite, name: str) -> Response | None:
    if name == GOOGLE_NEWS.rsplit("/", 1)[1]:
        return google_news(site)
    month = name.removeprefix("news-").removesuffix(".xml")
    arts = site.by_month.get(month) if name.startswith("news-") else None
    if not arts or not name.endswith(".xml"):
        return None
    entries = "\n".join(
        f"<url><loc>{a.url}</loc><lastmod>{_text.iso(site.modified(a))}</lastmod></url>"
        for a in arts
    )
    return _response.xml(f"{_HEAD}<urlset {_SM}>\n{entries}\n</urlset>\n")


def google_news(site: NewsSite) -> Response:
    """The newest articles in Google's News sitemap format (with their ``lastmod`` too)."""
    entries = "\n".join(
        f"<url><loc>{a.url}</loc><lastmod>{_text.iso(site.modified(a))}</lastmod><news:news>"
        f"<news:publication><news:name>{NEWS_NAME}</news:name><news:language>vi</news:language>"
        f"</news:publication><news:publication_date>{_text.iso(a.published)}"
        f"</news:publication_date><news:title>{esc(a.title)}</news:title></news:news></url>"
        for a in site.articles[::-1][:NEWS_SITEMAP_ITEMS]
    )
    return _response.xml(
        f"{_HEAD}<urlset {_SM} "
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n'
        f"{entries}\n</urlset>\n"
    )


def rss(site: NewsSite, name: str) -> Response | None:
    newest = site.articles[::-1]
    if name == "tin-moi-nhat":
        arts, title = newest[:RSS_ITEMS], "Tin mới nhất"
    elif name in SECTIONS:
        arts, title = site.by_section[name][::-1][:RSS_ITEMS], SECTIONS[name]
    else:
        return None
    items = "\n".join(_rss_item(site, a) for a in arts)
    channel_link = f"{BASE}/" if name == "tin-moi-nhat" else f"{BASE}/{name}/"
    # An edited article's item says when it changed in <atom:updated>, as Blogger's do.
    edited = any(site.modified(a) != a.published for a in arts)
    atom = ' xmlns:atom="http://www.w3.org/2005/Atom"' if edited else ""
    return _response.xml(
        f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"{atom}>\n<channel>\n'
        f"<title>{esc(title)} - {NEWS_NAME}</title>\n<link>{channel_link}</link>\n"
        f"<description>{esc(title)}</description>\n<language>vi</language>\n"
        f"{items}\n</channel>\n</rss>\n",
        "application/rss+xml; charset=UTF-8",
    )


def _rss_item(site: NewsSite, art: Article) -> str:
    lead = article_text(site.world.seed, art, site.world.body_bytes).lead
    return (
        f"<item><title>{esc(art.title)}</title><link>{art.url}</link>"
        f'<guid isPermaLink="true">{art.url}</guid>'
        f"<description>{esc(lead)}</description>"
        f"<pubDate>{format_datetime(art.published)}</pubDate>{_updated(site.modified(art), art)}"
        "</item>"
    )


def _updated(modified: datetime, art: Article) -> str:
    """``<atom:updated>`` for an edited article (none for the others)."""
    return (
        "" if modified == art.published else f"<atom:updated>{_text.iso(modified)}</atom:updated>"
    )


def respond(site: NewsSite, path: str) -> Response | None:
    """robots.txt, the sitemaps and the feeds; None for any other path."""
    if path == "/robots.txt":
        return robots()
    if path == "/sitemap.xml":
        return sitemap_index(site)
    parts = path.strip("/").split("/")
    if parts[0] == "rss" and len(parts) == 2 and parts[1].endswith(".rss"):
        return rss(site, parts[1].removesuffix(".rss"))
    if parts[0] == "sitemaps" and len(parts) == 2:
        return month_sitemap(site, parts[1])
    return None
