"""A page's ``<meta>`` and ``<link>`` elements, its dated ``<abbr>``/``<time>`` and its
JSON-LD scripts, read in one pass over the tree.

The extractor asks for some twenty of them (dates, og:title, og:site_name, author,
article:tag, og:type, generator, canonical, JSON-LD): an XPath each was a walk of the
whole tree each (0.03 to 0.08 ms on a 50 kB page), where one walk of lxml's ``iter``
with these tags (0.04 ms) and dictionary look-ups answer them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

    from lxml.html import HtmlElement

__all__ = ["Head", "read_head"]

_TAGS = ("meta", "link", "abbr", "time", "script")
_META_KEYS = ("property", "name", "itemprop")


@dataclass(slots=True)
class Head:
    meta: dict[tuple[str, str], list[tuple[int, str]]] = field(default_factory=dict)
    """("property" | "name" | "itemprop", its value) -> (place in the page, content)."""
    links: dict[str, list[str]] = field(default_factory=dict)
    """A ``<link>``'s rel -> the hrefs of the links with it (a link with no href: none)."""
    dated: list[HtmlElement] = field(default_factory=list)
    """``<abbr title>`` and ``<time datetime>`` elements, in page order."""
    json_ld: list[str] = field(default_factory=list)
    """The texts of the ``<script type="application/ld+json">`` elements."""

    def contents(self, attribute: str, *values: str) -> list[str]:
        """As ``//meta[@attribute='value' or ...]/@content``: in page order."""
        if len(values) == 1:
            return [content for _, content in self.meta.get((attribute, values[0]), ())]
        found = (pair for value in values for pair in self.meta.get((attribute, value), ()))
        return [content for _, content in sorted(found)]

    def first(self, attribute: str, value: str) -> str | None:
        """The first of those contents with text in it, on one line."""
        return _first_line(self.contents(attribute, value))

    def first_link(self, rel: str) -> str | None:
        """As the first of ``//link[@rel='rel']/@href`` with text in it, on one line."""
        return _first_line(self.links.get(rel, ()))


def _first_line(values: Iterable[str]) -> str | None:
    lines = (" ".join(value.split()) for value in values)
    return next((line for line in lines if line), None)


def read_head(tree: HtmlElement) -> Head:
    head = Head()
    for place, element in enumerate(tree.iter(*_TAGS)):
        tag = element.tag
        if tag == "meta":
            if (content := element.get("content")) is not None:
                for key in _META_KEYS:
                    if (value := element.get(key)) is not None:
                        head.meta.setdefault((key, value), []).append((place, content))
        elif tag == "link":
            if (rel := element.get("rel")) is not None:
                hrefs = head.links.setdefault(rel, [])
                if (href := element.get("href")) is not None:
                    hrefs.append(href)
        elif tag == "script":
            if element.get("type") == "application/ld+json" and element.text:
                head.json_ld.append(element.text)
        elif element.get("title" if tag == "abbr" else "datetime") is not None:
            head.dated.append(element)
    return head
