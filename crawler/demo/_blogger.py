"""The two Blogger blogs: nhipcau.blogspot.test (classic) and tiengdan.blogspot.test (newer).

They repost subsets of the news site's articles and publish a few posts of their own;
nhipcau also publishes the seed repost (``data/blogger-repost.txt``) dated 23/4/2012.
"""

from __future__ import annotations

import functools
from datetime import datetime
from importlib import resources
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, quote

from crawler.demo import _blogger_html as markup
from crawler.demo import _blogger_routes as routes
from crawler.demo import _response, _text, _traps
from crawler.demo._blogger_feeds import STATIC_PAGES
from crawler.demo._changes import SOFT_TITLE, served
from crawler.demo._comments import comments_for
from crawler.demo._model import (
    NEWS_HOST,
    NEWS_NAME,
    blogger_id,
    blogger_path,
    make_posts,
    pick_hidden,
)
from crawler.demo._news import article_text
from crawler.demo._text import VN_TZ, esc

if TYPE_CHECKING:
    from crawler.demo._comments import Comment
    from crawler.demo._model import BlogSpec, Post
    from crawler.demo._response import Response
    from crawler.demo.world import World

SERVER = routes.SERVER
HOME_POSTS = 7
SEED_KEY = "seed"
SEED_DATE = datetime(2012, 4, 23, 21, 47, tzinfo=VN_TZ)


@functools.cache
def seed_repost() -> tuple[str, tuple[str, ...], str, str]:
    """``(title, body paragraphs, byline, credit)`` of the seed repost."""
    text = resources.files("crawler.demo").joinpath("data/blogger-repost.txt").read_text("utf-8")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    # The file ends with the byline, the credit and Blogger's comment block (two lines).
    assert lines[-2:] == ["0 nhận xét:", "Đăng nhận xét"], lines[-2:]
    return lines[0], tuple(lines[1:-4]), lines[-4], lines[-3]


class BloggerBlog:
    def __init__(self, world: World, spec: BlogSpec, *, modern: bool, seed_post: bool) -> None:
        self.world, self.spec, self.modern = world, spec, modern
        self.base, self.name, self.owner = f"http://{spec.host}", spec.name, spec.owner
        self.server = SERVER
        self.blog_id = blogger_id(world.seed, spec.host)
        extra = ((SEED_KEY, SEED_DATE, seed_repost()[0], "Chính trị"),) if seed_post else ()
        generated = make_posts(spec, world.articles, world.seed, blogger_path, extra)
        oldest_first = generated[::-1]
        candidates = [k for k, p in enumerate(oldest_first) if p.key != SEED_KEY]
        self.hidden = {oldest_first[k].key for k in pick_hidden(candidates, len(generated))}
        self.generated = generated
        """The posts as generated, before any change (``World.delete``, ``World.add``)."""
        self.posts = served(generated, world.changes, self.base)
        self.by_path = {p.path: p for p in self.posts}
        self.by_id = {str(p.post_id): p for p in self.posts}
        self.by_key = {p.key: p for p in self.posts}
        self.position = {p.key: i for i, p in enumerate(self.posts)}
        self.labels = sorted({lb for p in self.posts for lb in p.labels})
        self.visible = [p for p in self.posts if p.key not in self.hidden]
        """Posts some HTML page links to; the hidden ones are only in feeds and sitemaps."""
        self.home_posts = HOME_POSTS
        self.months: dict[str, list[Post]] = {}
        for post in self.visible:
            self.months.setdefault(f"{post.published:%Y/%m}", []).append(post)
        self.body = functools.lru_cache(maxsize=1024)(self._body)

    # -- post bodies -------------------------------------------------------------------

    def _image(self, key: str) -> str:
        return (
            "<div class='separator' style='clear: both; text-align: center;'>"
            f"<a href='{self.base}/images/s1600/{key}.jpg' style='margin-left: 1em; margin-right: 1em;'>"
            f"<img border='0' src='{self.base}/images/s320/{key}.jpg' width='32' height='24'/></a></div>"
        )

    def _credit(self, post: Post) -> str:
        art = post.source
        assert art is not None
        if self.spec.credit == "theo":
            return f"<p>(Theo website {NEWS_NAME})</p>"
        kind = art.index % 3
        if kind == 0:
            return f"<p>Nguồn: <a href='{art.url}'>{NEWS_NAME}</a></p>"
        if kind == 1:
            legacy = f"http://{NEWS_HOST}{art.legacy_path}"
            return f"<p>Nguồn: <a href='{legacy}'>{legacy}</a></p>"
        return f"<p>(Theo {NEWS_NAME})</p>"

    def parts(self, post: Post) -> list[str]:
        """The post body as HTML blocks (the listing pages show the first three)."""
        w = self.world
        byline = "<p style='text-align: right;'><b>{}</b></p>"
        added = [f"<p>{esc(p)}</p>" for p in w.changes.paragraphs(self.base + post.path)]
        if post.key == SEED_KEY:
            _title, lines, author, credit = seed_repost()
            return [
                *(f"<p>{esc(p)}</p>" for p in lines),
                *added,
                byline.format(esc(author)),
                f"<p>{esc(credit)}</p>",
            ]
        if post.source is not None:
            text = article_text(w.seed, post.source, w.body_bytes)
            return [
                f"<p><b>{esc(text.lead)}</b></p>",
                self._image(post.key),
                *(f"<p>{esc(p)}</p>" for p in text.paragraphs),
                *added,
                byline.format(esc(post.source.author)),
                self._credit(post),
            ]
        r = _text.rng(w.seed, self.spec.host, "own-body", post.key)
        paras = _text.paragraphs(r, "xa-hoi", r.randint(3, 5), w.body_bytes)
        return [
            self._image(post.key),
            *(f"<p>{esc(p)}</p>" for p in paras),
            *added,
            byline.format(esc(post.author)),
        ]

    def modified(self, post: Post) -> datetime:
        """When ``post`` last changed (``World.edit``), else its publication time."""
        return self.world.changes.modified(self.base + post.path, post.published)

    def _body(self, post: Post) -> str:
        return "\n".join(self.parts(post))

    def summary(self, post: Post) -> str:
        more = (
            f"<div class='jump-link'><a href='{self.base}{post.path}#more' "
            f"title='{esc(post.title)}'>Đọc thêm »</a></div>"
        )
        return "\n".join(self.parts(post)[:3]) + "\n" + more

    # -- pages -------------------------------------------------------------------------

    def _sidebar(self) -> str:
        months = [(ym, len(posts)) for ym, posts in self.months.items()]
        want = self.world.links_per_page
        count = max(5, want - len(months) - len(self.labels) - 8) if want else 10
        return markup.sidebar(self.base, months, self.visible[:count], self.labels)

    def _page(self, title: str, canonical: str, main: str, head: str = "") -> Response:
        html = markup.page(
            base=self.base,
            name=self.name,
            blog_id=self.blog_id,
            title=title,
            canonical=canonical,
            main=main,
            sidebar=self._sidebar(),
            extra_head=head,
            modern=self.modern,
        )
        return _response.page(html, server=SERVER)

    def replies(self, post: Post) -> tuple[Comment, ...]:
        return comments_for(self.world.seed, self.spec.host, post, blogger=True)

    def post_page(self, post: Post) -> Response:
        i = self.position[post.key]
        newer = next((p for p in reversed(self.posts[:i]) if p.key not in self.hidden), None)
        older = next((p for p in self.posts[i + 1 :] if p.key not in self.hidden), None)
        main = markup.single(
            self.base,
            self.blog_id,
            post,
            self.body(post),
            modern=self.modern,
            pager=markup.pager(
                self.base,
                self.base + newer.path if newer else None,
                self.base + older.path if older else None,
            ),
            replies=self.replies(post),
            modified=self.modified(post),
        )
        head = (
            f"<link rel='alternate' type='application/atom+xml' title='{esc(self.name)} - Atom' "
            f"href='{self.base}/feeds/{post.post_id}/comments/default'/>\n"
        )
        return self._page(f"{self.name}: {post.title}", self.base + post.path, main, head)

    def listing(
        self,
        posts: list[Post],
        per: int,
        title: str,
        older_base: str,
        *,
        paged: bool = False,
        by_date: bool = True,
        extra: str = "",
    ) -> Response:
        """``per`` posts; older pages go on with ``updated-max``, newer (``paged``) with
        ``reverse-paginate=true``; a label's older link adds ``start`` and ``by-date``."""
        shown = posts[:per]
        older = newer = None
        if len(posts) > per:
            mark = quote(_text.iso(shown[-1].published), safe=":")
            older = f"{older_base}updated-max={mark}&amp;max-results={per}"
            older += "" if by_date else f"&amp;start={per}&amp;by-date=false"
        if paged and shown:
            mark = quote(_text.iso(shown[0].published), safe=":")
            newer = (
                f"{older_base}updated-max={mark}&amp;max-results={per}&amp;reverse-paginate=true"
            )
        main = markup.listing(
            self.base,
            self.blog_id,
            [(p, self.summary(p)) for p in shown],
            modern=self.modern,
            pager=markup.pager(self.base, newer, older),
        )
        return self._page(title, f"{self.base}/", main + extra)

    def notice(self, text: str) -> Response:
        """The 200 page a deleted post's URL shows (``World.delete(url, how="soft")``)."""
        main = (
            "<div class='status-msg-wrap'><div class='status-msg-body'>"
            f"{esc(text)}</div></div>\n<div class='blog-pager'><a class='home-link' "
            f"href='{self.base}/'>Trang chủ</a></div>"
        )
        return self._page(f"{self.name}: {SOFT_TITLE}", f"{self.base}/", main)

    def static_page(self, path: str) -> Response:
        title = STATIC_PAGES[path]
        r = _text.rng(self.world.seed, self.spec.host, "static", path)
        main = (
            f"<div class='post-outer'><div class='post hentry'><h3 class='post-title entry-title'>"
            f"{esc(title)}</h3><div class='post-body entry-content'>"
            f"{_text.paras_html(_text.paragraphs(r, 'xa-hoi', 2))}</div></div></div>"
        )
        return self._page(f"{self.name}: {title}", self.base + path, main)

    # -- routing -----------------------------------------------------------------------

    def respond(self, path: str, query: str) -> Response | None:
        if path == "/ncr" or path.startswith("/ncr/"):  # "no country redirect": same page
            path = path.removeprefix("/ncr") or "/"
        params = parse_qs(query)
        if path in self.by_path:
            return self.post_page(self.by_path[path])
        if path == "/":
            return self._home(params)
        if path.startswith("/search"):
            return routes.search(self, path, params)
        if path.startswith("/feeds/"):
            return routes.feed_route(self, path, params)
        if path.startswith("/images/"):
            return routes.images(self, path)
        return self._month(path) or routes.misc(self, path, params)

    def _home(self, params: dict[str, list[str]]) -> Response:
        """The home page; an archive-widget toggle shows it with that month's toggles."""
        month = _traps.toggled_month(params)
        extra = ""
        if month is not None:
            extra = (
                "<div class='widget BlogArchive' id='BlogArchive1_toggled'><ul class='hierarchy'>"
                f"{_traps.toggles_around(self.base, month)}</ul></div>"
            )
        return self.listing(
            self.visible, HOME_POSTS, self.name, f"{self.base}/search?", extra=extra
        )

    def _month(self, path: str) -> Response | None:
        month = path[1:-1]
        if path.count("/") != 3 or not path.endswith("/") or month not in self.months:
            return None
        posts = self.months[month]
        return self.listing(posts, len(posts), f"{self.name}: {month}", "")
