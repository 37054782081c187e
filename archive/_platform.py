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

_POST_TITLE = {
    "blogger": f"//*[{_has_class('post-title')}]",
    "wordpress": f"//*[{_has_class('entry-title')}]",
}
_AUTHOR = {
    "blogger": f"//*[{_has_class('post-author')}]//*[@itemprop='name'] | "
    f"//*[{_has_class('post-author')}]//*[{_has_class('fn')}]",
    "wordpress": f"//*[{_has_class('author')}]//*[{_has_class('fn')}] | //a[@rel='author']",
}
_TAGS = {
    "blogger": f"//*[{_has_class('post-labels')}]//a",
    "wordpress": "//a[contains(concat(' ', @rel, ' '), ' tag ')]",
}
_COMMENTS = {
    "blogger": f"//dd[{_has_class('comment-body')}] | //*[{_has_class('comment-content')}]",
    "wordpress": f"//*[{_has_class('comment-content')}]",
}
_POST_BODY = {
    "blogger": f"//div[{_has_class('post-body')}]",
    "wordpress": f"//div[{_has_class('entry-content')}]",
}
_SPACE = re.compile(r"\s+")


@dataclass
class PlatformFields:
    platform: str
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    closing_lines: list[str] = field(default_factory=list)  # last blocks of the post body


def detect_platform(tree: HtmlElement) -> str:
    generator = " ".join(tree.xpath("//meta[@name='generator']/@content")).lower()
    if "blogger" in generator or tree.xpath("//*[@itemprop='blogId']"):
        return "blogger"
    if "wordpress" in generator or tree.xpath("//link[@rel='https://api.w.org/']"):
        return "wordpress"
    return "news"


def _texts(tree: HtmlElement, xpath: str) -> list[str]:
    found = (_SPACE.sub(" ", el.text_content()).strip() for el in tree.xpath(xpath))
    return list(dict.fromkeys(text for text in found if text))


def platform_fields(tree: HtmlElement, platform: str) -> PlatformFields:
    """Title, author, labels and comments from the platform's own markup."""
    fields_ = PlatformFields(platform)
    if platform not in PRUNE:
        return fields_
    titles = _texts(tree, _POST_TITLE[platform])
    fields_.title = titles[0] if len(titles) == 1 else None
    fields_.authors = _texts(tree, _AUTHOR[platform])[:3]
    fields_.tags = _texts(tree, _TAGS[platform])
    fields_.comments = _texts(tree, _COMMENTS[platform])
    bodies = tree.xpath(_POST_BODY[platform])
    if len(bodies) == 1:
        blocks = (_SPACE.sub(" ", el.text_content()).strip() for el in bodies[0])
        fields_.closing_lines = [text for text in blocks if text][-3:]
    return fields_
