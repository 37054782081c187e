"""trafilatura's own metadata readers (title, author, site name, htmldate's date), each run
only when asked for.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from htmldate import find_date
from trafilatura.metadata import examine_meta, extract_author, extract_sitename, extract_title
from trafilatura.settings import Document, set_date_params
from trafilatura.utils import load_html

if TYPE_CHECKING:
    from lxml.html import HtmlElement


class LazyMetadata:
    """trafilatura's own metadata readers, each run only when asked for.

    Our signals (platform markup, JSON-LD, meta tags) usually answer first. Where they do
    not, only the reader of the missing field runs: trafilatura's whole metadata pass
    (author, categories, licence, JSON, htmldate) cost 23 ms a page on real news pages,
    as much as the text extraction itself. The readers and their order are trafilatura's
    (``extract_metadata``): meta tags first, then the page's markup.
    """

    def __init__(self, page: str | HtmlElement, url: str, text: str | None = None) -> None:
        self._page, self._url, self._text = page, url, text

    @functools.cached_property
    def _tree(self) -> HtmlElement | None:
        if isinstance(self._page, str):
            return load_html(self._page)
        return self._page  # trafilatura's readers copy what they prune

    @functools.cached_property
    def _head(self) -> Document:
        return examine_meta(self._tree) if self._tree is not None else Document()

    @functools.cached_property
    def title(self) -> str | None:
        if self._tree is None:
            return None
        return self._head.title or extract_title(self._tree)

    @functools.cached_property
    def author(self) -> str | None:
        if self._tree is None:
            return None
        author = self._head.author
        if author and " " not in author:  # trafilatura's rule: one word is not a name
            author = None
        return author or extract_author(self._tree)

    @functools.cached_property
    def sitename(self) -> str | None:
        if self._tree is None:
            return None
        return self._head.sitename or extract_sitename(self._tree)

    @functools.cached_property
    def date(self) -> str | None:
        """htmldate's day, read from ``text`` (the page as sent) where given: the tree has
        lost the page's comments, where some pages keep their date (a blog's trackback
        RDF, ``<!-- <rdf:Description dc:date="..."> -->``). htmldate's own parse costs ~1.2 ms
        of CPU a page more than its copy of our tree (995 real pages), and runs only on
        the pages whose own signals do not settle the date."""
        page = self._text if self._text is not None else self._tree
        if page is None:
            return None
        found = find_date(page, **set_date_params(extensive=True), url=self._url)
        return str(found) if found else None
