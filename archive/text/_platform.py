"""What the blog platforms put around a post, so that none of it leaks into the record.

Blogger (classic "Blog1" widget and the 2017+ themes) and WordPress themes mark the
post, its footer, labels, share buttons, pager and comment block with stable classes
(research/platforms.md, 1.9 and 2.4); matching on classes, never on UI strings, works
whatever the blog's language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lxml.html import HtmlElement

    from archive.text._head import Head

__all__ = ["PlatformFields", "detect_platform", "platform_fields"]


def _has_class(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


# Chrome that trafilatura would otherwise keep in the text (measured on Blogger pages:
# the comment block "0 nhận xét: ... Đăng nhận xét" closed the text).
PRUNE = {
    "blogger": [
        f"//div[{_has_class('post-footer')}]",
        "//div[@id='comments'] | //section[@id='comments']",
        f"//*[{_has_class('comments')}]",
        f"//div[{_has_class('blog-pager')}] | //div[@id='blog-pager']",
        f"//div[{_has_class('post-feeds')}]",
        f"//*[{_has_class('post-share-buttons')}] | //*[{_has_class('share-button')}]",
        f"//*[{_has_class('post-labels')}]",
        f"//div[{_has_class('sidebar')}] | //aside",
        f"//*[{_has_class('post-header')}]",
    ],
    "wordpress": [
        "//*[@id='comments'] | //*[@id='respond']",
        f"//*[{_has_class('sharedaddy')}] | //*[{_has_class('sd-sharing-enabled')}]",
        f"//*[{_has_class('entry-meta')}] | //*[{_has_class('entry-footer')}]",
        f"//*[{_has_class('post-navigation')}] | //nav",
        "//*[@id='secondary'] | //aside",
        f"//*[{_has_class('jp-relatedposts')}]",
    ],
}

# The classes (and rel values) each field is read from: one pass over the page's
# elements finds them all, which costs a tenth of one XPath per field on 50 kB pages.
_FIELDS = {
    "blogger": {
        "title": {"post-title"},
        "author": {"post-author"},
        "tags": {"post-labels"},
        "comments": {"comment-body", "comment-content"},
        "body": {"post-body"},
    },
    "wordpress": {
        "title": {"entry-title"},
        "author": {"author"},
        "tags": set(),
        "comments": {"comment-content"},
        "body": {"entry-content"},
    },
}
_SPACE = re.compile(r"\s+")


def _class_index(tree: HtmlElement, wanted: set[str]) -> dict[str, list[HtmlElement]]:
    index: dict[str, list[HtmlElement]] = {}
    for element in tree.iter():
        classes = element.get("class")
        if classes:
            for token in wanted.intersection(classes.split()):
                index.setdefault(token, []).append(element)
    return index


def _text(element: HtmlElement) -> str:
    return _SPACE.sub(" ", element.text_content()).strip()


def _unique(texts: list[str]) -> list[str]:
    return list(dict.fromkeys(text for text in texts if text))


@dataclass
class PlatformFields:
    platform: str
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    closing_lines: list[str] = field(default_factory=list)  # last blocks of the post body


_WP_PATHS = re.compile(r"/wp-(?:content|includes)/")


def detect_platform(tree: HtmlElement, head: Head) -> str:
    generator = " ".join(head.contents("name", "generator")).lower()
    if "blogger" in generator or tree.xpath("//*[@itemprop='blogId']"):
        return "blogger"
    if "wordpress" in generator or "https://api.w.org/" in head.links:
        return "wordpress"
    # Security plugins often remove both; the theme's style sheets still say it.
    if any(_WP_PATHS.search(href) for href in head.links.get("stylesheet", ())):
        return "wordpress"
    return "news"


_AUTHOR_CHARS = 80  # an author element without a name inside is a name itself if this short


def _author_names(containers: list[HtmlElement]) -> list[str]:
    names = []
    for container in containers:
        inner = [el for el in container.iter() if el.get("itemprop") == "name"]
        inner = inner or [el for el in container.iter() if "fn" in (el.get("class") or "").split()]
        if not inner and len(own := _text(container)) <= _AUTHOR_CHARS:
            names.append(own)  # <span class="author vcard">Hồng Quân</span>, no fn inside
        names += [_text(el) for el in inner]
    return _unique(names)


_COMMENT_TOKENS = frozenset({"comment", "comments", "commentlist", "comments-area"})


def _in_comments(element: HtmlElement) -> bool:
    """Whether ``element`` sits in the comments (a commenter is ``<cite class="author fn">``
    in WordPress's default comment markup, not the post's author). ``<body>`` is not
    asked: its classes say ``comments-open`` of every post."""
    for el in element.iterancestors():
        if el.tag in {"body", "html"}:
            return False
        tokens = [*(el.get("class") or "").split(), el.get("id") or ""]
        if any(t in _COMMENT_TOKENS or t.startswith("comment-") for t in tokens):
            return True
    return False


def platform_fields(tree: HtmlElement, platform: str) -> PlatformFields:
    """Title, author, labels and comments from the platform's own markup."""
    fields_ = PlatformFields(platform)
    if platform not in _FIELDS:
        return fields_
    wanted = _FIELDS[platform]
    index = _class_index(tree, set().union(*wanted.values()))
    pick = {
        name: [el for token in tokens for el in index.get(token, [])]
        for name, tokens in wanted.items()
    }
    titles = _unique([_text(el) for el in pick["title"]])
    fields_.title = titles[0] if len(titles) == 1 else None
    fields_.authors = _author_names([el for el in pick["author"] if not _in_comments(el)])[:3]
    tag_links = [a for el in pick["tags"] for a in el.iter("a")]
    if platform == "wordpress":
        tag_links = [a for a in tree.iter("a") if "tag" in (a.get("rel") or "").split()]
    fields_.tags = _unique([_text(a) for a in tag_links])
    fields_.comments = _unique([_text(el) for el in pick["comments"]])
    if len(pick["body"]) == 1:
        fields_.closing_lines = _last_blocks(pick["body"][0], 3)
    return fields_


def _last_blocks(body: HtmlElement, count: int) -> list[str]:
    """The texts of the last ``count`` non-empty blocks, read from the end only."""
    found: list[str] = []
    for element in reversed(body):
        if text := _text(element):
            found.append(text)
            if len(found) == count:
                break
    return found[::-1]
