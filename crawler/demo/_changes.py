"""What a test changed in the demo world between crawls: edits, deletions, new posts and
a new timestamp in every page's chrome (``World.edit``/``delete``/``restore``/``add``/``tick``).

``Changes`` only records them. The sites read it when they are built (deleted items leave
their lists, added ones join them) and when they render (an edited item's body and
modified time). New items are made here from the seed and their position, like the
original ones: the same calls give the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from crawler.demo import _text
from crawler.demo._model import Article, Post, blogger_id
from crawler.demo._text import VN_TZ

if TYPE_CHECKING:
    from collections.abc import Callable

    from crawler.demo._model import BlogSpec

DELETE_HOWS = ("404", "410", "home", "soft")
"""How a deleted item answers: a 404, a 410, a redirect to the home page, or a 200 notice."""
SOFT_TITLE = "Bài viết không tồn tại"
SOFT_NOTICE = "Bài viết không tồn tại hoặc đã bị gỡ bỏ."
ADDED_PREFIX = "added-"
_FIRST_ID = 510_000  # as _model's article ids: six digits up to MAX_SIZE articles


@dataclass(frozen=True, slots=True)
class Edit:
    """Paragraphs appended to an item's body, and its new modified time."""

    paragraphs: tuple[str, ...]
    modified: datetime


@dataclass(slots=True)
class Changes:
    """Every change made so far; empty for the world as generated."""

    edits: dict[str, Edit] = field(default_factory=dict)
    deleted: dict[str, str] = field(default_factory=dict)
    """URL -> one of ``DELETE_HOWS``."""
    articles: list[Article] = field(default_factory=list)
    """News articles added, oldest first."""
    posts: dict[str, list[Post]] = field(default_factory=dict)
    """Blog host -> posts added, oldest first."""
    stamp: str | None = None
    """Shown as "Cập nhật lúc <stamp>" in the footer of every HTML page (``tick``)."""

    def modified(self, url: str, published: datetime) -> datetime:
        """When the item at ``url`` last changed: its edit time, else ``published``."""
        edit = self.edits.get(url)
        return edit.modified if edit is not None else published

    def paragraphs(self, url: str) -> tuple[str, ...]:
        """The paragraphs edits appended to the item at ``url``."""
        edit = self.edits.get(url)
        return edit.paragraphs if edit is not None else ()

    def edit(self, url: str, paragraph: str, at: datetime) -> None:
        if not paragraph.strip():
            raise ValueError("an edit needs a non-empty paragraph")
        self.edits[url] = Edit((*self.paragraphs(url), paragraph), local_time(at))


def local_time(when: datetime) -> datetime:
    """``when`` in the sites' time zone (UTC+7), to the second (what every list shows)."""
    if when.tzinfo is None:
        raise ValueError(f"a time zone is needed, got the naive datetime {when!r}")
    return when.astimezone(VN_TZ).replace(microsecond=0)


def next_time(seed: int, host: str, n: int, newest: datetime) -> datetime:
    """When the ``n``-th added item of ``host`` is published if no time is given: a few
    hours after the newest item there."""
    r = _text.rng(seed, host, "added-time", n)
    return newest + timedelta(hours=r.randint(2, 30), minutes=r.randrange(60))


def added_article(seed: int, index: int, published: datetime) -> Article:
    """A new news article at position ``index`` (after the generated ones)."""
    r = _text.rng(seed, "added-article", index)
    sections = list(_text.SECTIONS)
    section = sections[r.randrange(len(sections))]
    title = _text.title(r, section)
    return Article(
        index=index,
        id=_FIRST_ID + 7 * index + r.randrange(7),
        section=section,
        title=title,
        slug=_text.slugify(title),
        published=published,
        author=r.choice(_text.REPORTERS),
    )


def added_post(
    spec: BlogSpec,
    seed: int,
    n: int,
    published: datetime,
    *,
    path_for: Callable[[str, datetime, set[str]], str],
    taken: set[str],
    number: int,
) -> Post:
    """The ``n``-th post added to a blog: the owner's own writing, labelled "Tản mạn".

    ``taken`` holds the blog's paths (a duplicate slug gets the platform's suffix);
    ``number`` is the WordPress id's position (Blogger ids are hashed from the key).
    """
    key = f"{ADDED_PREFIX}{n}"
    title = _text.title(_text.rng(seed, spec.host, key), "xa-hoi")
    path = path_for(title, published, taken)
    blogger = spec.host.endswith(".blogspot.test")
    post_id = blogger_id(seed, spec.host, key) if blogger else 100 + 3 * number
    return Post(key, post_id, title, path, published, spec.owner, ("Tản mạn",))


def newest_first(posts: list[Post]) -> list[Post]:
    """Posts in the order the blogs list them (as ``make_posts``: by time, then key)."""
    return sorted(posts, key=lambda p: (p.published, p.key), reverse=True)


def served(generated: list[Post], changes: Changes, base: str) -> list[Post]:
    """A blog's posts as served now, newest first: the generated ones less the deleted,
    with the added ones."""
    added = changes.posts.get(base.removeprefix("http://"), [])
    posts = [p for p in (*generated, *added) if base + p.path not in changes.deleted]
    return generated if len(posts) == len(generated) and not added else newest_first(posts)
