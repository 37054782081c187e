"""The demo world's pages asked of ``World.url_response`` directly (no server): a page
checked for its status, its links, its XML, the URLs of a sitemap."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import TYPE_CHECKING
from urllib.parse import urljoin
from xml.etree import ElementTree as ET

from crawler.demo._wordpress_api import SITEMAP_PAGE

if TYPE_CHECKING:
    from crawler.demo import World

NS = {
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "atom": "http://www.w3.org/2005/Atom",
    "os": "http://a9.com/-/spec/opensearchrss/1.0/",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
}


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in {"a", "link"}:
            self.hrefs += [v for k, v in attrs if k == "href" and v]


def get(world: World, url: str, status: int = 200):
    response = world.url_response(url)
    assert response is not None, url
    assert response.status == status, (url, response.status)
    return response


def links(world: World, url: str, tags: tuple[str, ...] = ("a",)) -> list[str]:
    """Absolute ``href``s of a page's ``<a>`` (and optionally ``<link>``), fragments kept."""
    parser = _Anchors() if "link" in tags else _OnlyA()
    parser.feed(get(world, url).body.decode())
    return [urljoin(url, h) for h in parser.hrefs]


class _OnlyA(_Anchors):
    def handle_starttag(self, tag, attrs):
        if tag == "a":
            super().handle_starttag(tag, attrs)


def xml(world: World, url: str) -> ET.Element:
    return ET.fromstring(get(world, url).body)


def locs(root: ET.Element) -> list[str]:
    return [e.text or "" for e in root.iterfind("sm:url/sm:loc", NS)]


def wp_sitemap(world: World, host: str) -> list[str]:
    index = xml(world, f"http://{host}/wp-sitemap.xml")
    found = []
    for loc in index.iterfind("sm:sitemap/sm:loc", NS):
        page = locs(xml(world, loc.text or ""))
        assert 1 <= len(page) <= SITEMAP_PAGE
        found += page
    return found
