"""The demo world's content as light values: news articles and blog posts, not pages.

Everything here is cheap to compute for every item (ids, slugs, titles, dates); page
bodies are generated later, only when a page is asked for.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from crawler.demo import _text
from crawler.demo._text import VN_TZ

if TYPE_CHECKING:
    from collections.abc import Callable

NEWS_HOST = "thoisu.test"
NEWS_NAME = "Báo Thời Sự"
_START = datetime(2012, 1, 2, 6, 0, tzinfo=VN_TZ)
_SPAN_MINUTES = 727 * 24 * 60  # articles run from January 2012 to December 2013
_FIRST_ID = 510_000
MAX_SIZE = 60_000  # keeps article ids at six digits


@dataclass(frozen=True, slots=True)
class Article:
    """One original article of the news site."""

    index: int
    id: int
    section: str
    title: str
    slug: str
    published: datetime
    author: str

    @property
    def path(self) -> str:
        return f"/{self.section}/{self.slug}-{self.id:06d}.html"

    @property
    def url(self) -> str:
        return f"http://{NEWS_HOST}{self.path}"

    @property
    def legacy_path(self) -> str:
        """The pre-2012 URL blogs still link to; it redirects in three hops."""
        return f"/tin-tuc/{self.id:06d}.html"


@dataclass(frozen=True, slots=True)
class Post:
    """One blog post: a repost of ``source`` or the blog's own writing."""

    key: str
    post_id: int
    title: str
    path: str
    published: datetime
    author: str
    labels: tuple[str, ...]
    source: Article | None = None


@dataclass(frozen=True, slots=True)
class BlogSpec:
    """What a blog host reposts (``index % every == offset``) and how it credits."""

    host: str
    name: str
    owner: str
    every: int
    offset: int
    own_posts: int
    credit: str  # "theo": "(Theo website Báo Thời Sự)"; "nguon": "Nguồn: <a>...</a>"


def make_articles(size: int, seed: int) -> list[Article]:
    step = _SPAN_MINUTES / size
    sections = list(_text.SECTIONS)
    out = []
    for i in range(size):
        r = _text.rng(seed, "article", i)
        section = sections[r.randrange(len(sections))]
        title = _text.title(r, section)
        minutes = int(i * step) + r.randrange(max(1, int(step // 2)))
        out.append(
            Article(
                index=i,
                id=_FIRST_ID + 7 * i + r.randrange(7),
                section=section,
                title=title,
                slug=_text.slugify(title),
                published=_START + timedelta(minutes=minutes),
                author=r.choice(_text.REPORTERS),
            )
        )
    return out


def blogger_id(seed: int, *parts: object) -> int:
    """A 19-digit id like Blogger's blogId and postId."""
    digest = hashlib.sha256(":".join(map(str, (seed, *parts))).encode()).digest()
    return 10**18 + int.from_bytes(digest[:8], "big") % (9 * 10**18)


def _own_post(spec: BlogSpec, seed: int, k: int) -> tuple[str, datetime, str]:
    r = _text.rng(seed, spec.host, "own", k)
    when = _START + timedelta(minutes=(k + 1) * _SPAN_MINUTES // (spec.own_posts + 1))
    when = when.replace(hour=r.randint(19, 23), minute=r.randrange(60))
    return f"own-{k}", when, _text.title(r, "xa-hoi")


def make_posts(
    spec: BlogSpec,
    articles: list[Article],
    seed: int,
    path_for: Callable[[str, datetime, set[str]], str],
    extra: tuple[tuple[str, datetime, str, str], ...] = (),
) -> list[Post]:
    """Reposts and own posts of one blog, newest first.

    ``path_for(title, published, taken)`` builds the platform's URL path and records it in
    ``taken`` so duplicate slugs get the platform's suffix. ``extra`` adds posts given as
    ``(key, published, title, label)``.
    """
    rows: list[tuple[str, datetime, str, str, Article | None]] = []
    for art in articles[spec.offset :: spec.every]:
        r = _text.rng(seed, spec.host, "repost", art.index)
        when = art.published + timedelta(hours=r.randint(2, 40), minutes=r.randrange(60))
        rows.append((f"repost-{art.index}", when, art.title, _text.SECTIONS[art.section], art))
    for k in range(spec.own_posts):
        key, when, title = _own_post(spec, seed, k)
        rows.append((key, when, title, "Tản mạn", None))
    rows.extend((key, when, title, label, None) for key, when, title, label in extra)
    rows.sort(key=lambda row: (row[1], row[0]))
    taken: set[str] = set()
    posts = []
    for n, (key, when, title, label, source) in enumerate(rows):
        path = path_for(title, when, taken)
        post_id = (
            blogger_id(seed, spec.host, key)
            if spec.host.endswith(".blogspot.test")
            else 100 + 3 * n
        )
        posts.append(Post(key, post_id, title, path, when, spec.owner, (label,), source))
    posts.reverse()
    return posts


def blogger_path(title: str, when: datetime, taken: set[str]) -> str:
    """``/YYYY/MM/<slug>.html``; the slug is cut near 40 characters, duplicates get ``_NN``."""
    base = f"/{when:%Y/%m}/{_text.slugify(title, 40)}"
    path, n = f"{base}.html", 0
    while path in taken:
        n += 1
        path = f"{base}_{n:02d}.html"
    taken.add(path)
    return path


def wordpress_path(title: str, when: datetime, taken: set[str]) -> str:
    """``/YYYY/MM/DD/<slug>/``; duplicates get ``-2``, ``-3``..."""
    base = f"/{when:%Y/%m/%d}/{_text.slugify(title)}"
    path, n = f"{base}/", 1
    while path in taken:
        n += 1
        path = f"{base}-{n}/"
    taken.add(path)
    return path


HIDDEN_EVERY = 7  # about one post in seven is linked from no HTML page


def pick_hidden(candidates: list[int], total: int) -> frozenset[int]:
    """``max(1, total // 7)`` of ``candidates``, evenly spaced (none if there are none).

    Hidden posts are in the feeds, the sitemaps and the REST API, never in a listing.
    """
    if not candidates:
        return frozenset()
    count = min(len(candidates), max(1, total // HIDDEN_EVERY))
    step = len(candidates) / count
    return frozenset(candidates[int(step * k + step / 2)] for k in range(count))
