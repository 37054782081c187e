"""The two Blogger blogs: nhipcau.blogspot.test (classic) and tiengdan.blogspot.test (newer).

They repost subsets of the news site's articles and publish a few posts of their own;
nhipcau also publishes the seed repost (``data/blogger-repost.txt``) dated 23/4/2012.
"""

from __future__ import annotations

import functools
from datetime import datetime
from importlib import resources
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, quote, unquote

from crawler.demo import _blogger_feeds as feeds
from crawler.demo import _blogger_html as markup
from crawler.demo import _media, _response, _text
from crawler.demo._model import NEWS_HOST, NEWS_NAME, blogger_id, blogger_path, make_posts
from crawler.demo._news import article_text
from crawler.demo._text import VN_TZ, esc

if TYPE_CHECKING:
    from crawler.demo._model import BlogSpec, Post
    from crawler.demo._response import Response
    from crawler.demo.world import World

SERVER = "GSE"
HOME_POSTS = 7
LABEL_POSTS = 20
SEED_KEY = "seed"
SEED_DATE = datetime(2012, 4, 23, 21, 47, tzinfo=VN_TZ)
ATOM = "application/atom+xml; charset=UTF-8"
RSS = "application/rss+xml; charset=UTF-8"


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
        self.posts = make_posts(spec, world.articles, world.seed, blogger_path, extra)
        self.by_path = {p.path: p for p in self.posts}
        self.by_id = {str(p.post_id): p for p in self.posts}
        self.by_key = {p.key: p for p in self.posts}
        self.position = {p.key: i for i, p in enumerate(self.posts)}
        self.labels = sorted({lb for p in self.posts for lb in p.labels})
        self.months: dict[str, list[Post]] = {}
        for post in self.posts:
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
        if post.key == SEED_KEY:
            _title, lines, author, credit = seed_repost()
            return [
                *(f"<p>{esc(p)}</p>" for p in lines),
                byline.format(esc(author)),
                f"<p>{esc(credit)}</p>",
            ]
        if post.source is not None:
            text = article_text(w.seed, post.source, w.body_bytes)
            return [
                f"<p><b>{esc(text.lead)}</b></p>",
                self._image(post.key),
                *(f"<p>{esc(p)}</p>" for p in text.paragraphs),
                byline.format(esc(post.source.author)),
                self._credit(post),
            ]
        r = _text.rng(w.seed, self.spec.host, "own-body", post.key)
        paras = _text.paragraphs(r, "xa-hoi", r.randint(3, 5), w.body_bytes)
        return [
            self._image(post.key),
            *(f"<p>{esc(p)}</p>" for p in paras),
            byline.format(esc(post.author)),
        ]

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
        return markup.sidebar(self.base, months, self.posts[:count], self.labels)

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

    def post_page(self, post: Post) -> Response:
        index = self.position[post.key]
        newer = self.base + self.posts[index - 1].path if index > 0 else None
        older = self.base + self.posts[index + 1].path if index + 1 < len(self.posts) else None
        main = markup.single(
            self.base,
            self.blog_id,
            post,
            self.body(post),
            modern=self.modern,
            pager=markup.pager(self.base, newer, older),
        )
        head = (
            f"<link rel='alternate' type='application/atom+xml' title='{esc(self.name)} - Atom' "
            f"href='{self.base}/feeds/{post.post_id}/comments/default'/>\n"
        )
        return self._page(f"{self.name}: {post.title}", self.base + post.path, main, head)

    def listing(self, posts: list[Post], per: int, title: str, older_base: str) -> Response:
        """``per`` posts from ``posts``; the older link continues with ``updated-max``."""
        shown = posts[:per]
        older = None
        if len(posts) > per:
            mark = quote(_text.iso(shown[-1].published), safe=":")
            older = f"{older_base}updated-max={mark}&amp;max-results={per}"
        main = markup.listing(
            self.base,
            self.blog_id,
            [(p, self.summary(p)) for p in shown],
            modern=self.modern,
            pager=markup.pager(self.base, None, older),
        )
        return self._page(title, f"{self.base}/", main)

    # -- routing -----------------------------------------------------------------------

    def respond(self, path: str, query: str) -> Response | None:
        params = parse_qs(query)
        if path in self.by_path:
            return self.post_page(self.by_path[path])
        if path == "/":
            return self.listing(self.posts, HOME_POSTS, self.name, f"{self.base}/search?")
        routes = (("/search", self._search), ("/feeds/", self._feeds), ("/images/", self._images))
        for prefix, route in routes:
            if path.startswith(prefix):
                return route(path, params)
        return self._month(path) or self._misc(path, params)

    def _month(self, path: str) -> Response | None:
        month = path[1:-1]
        if path.count("/") != 3 or not path.endswith("/") or month not in self.months:
            return None
        posts = self.months[month]
        return self.listing(posts, len(posts), f"{self.name}: {month}", "")

    def _misc(self, path: str, params: dict[str, list[str]]) -> Response | None:
        if path == "/robots.txt":
            return _response.text(
                "User-agent: Mediapartners-Google\nDisallow: \n\nUser-agent: *\n"
                f"Disallow: /search\nAllow: /\n\nSitemap: {self.base}/sitemap.xml\n",
                server=SERVER,
            )
        if path == "/sitemap.xml":
            if "page" not in params:
                return _response.xml(feeds.sitemap_index(self, self.posts), server=SERVER)
            page = params["page"][0]
            text = feeds.sitemap_page(self, self.posts, int(page)) if page.isdigit() else None
            return _response.xml(text, server=SERVER) if text else None
        if path == "/static/v1/widgets/css_bundle_v2.css":
            return _response.data(markup.CSS.encode(), "text/css", server=SERVER)
        if path == "/favicon.ico":
            return _response.data(_media.gif(self.spec.host), "image/gif", server=SERVER)
        return None

    def _images(self, path: str, _params: dict[str, list[str]]) -> Response | None:
        if path == "/images/header.png":
            return _response.data(
                _media.png(f"{self.spec.host}/header"), "image/png", server=SERVER
            )
        parts = path.split("/")
        if len(parts) == 4 and parts[2] in {"s320", "s1600"} and parts[3].endswith(".jpg"):
            key = parts[3].removesuffix(".jpg")
            if key in self.by_key:
                body = _media.jpeg(f"{self.spec.host}/{key}", 4 if parts[2] == "s320" else 8, 3)
                return _response.data(body, "image/jpeg", server=SERVER)
        return None

    def _search(self, path: str, params: dict[str, list[str]]) -> Response | None:
        posts, base, title = self.posts, f"{self.base}/search?", self.name
        per = HOME_POSTS
        if path.startswith("/search/label/"):
            label = _text.nfc(unquote(path.removeprefix("/search/label/")))
            if label not in self.labels:
                return None
            posts = [p for p in posts if label in p.labels]
            base, title, per = f"{self.base}{path}?", f"{self.name}: {label}", LABEL_POSTS
        elif path != "/search":
            return None
        if "max-results" in params:
            per = int(params["max-results"][0]) if params["max-results"][0].isdigit() else per
        if "updated-max" in params:
            try:
                mark = datetime.fromisoformat(params["updated-max"][0].replace(" ", "+"))
            except ValueError:
                return None
            posts = [p for p in posts if p.published < mark]
        return self.listing(posts, max(1, per), title, base)

    def _feeds(self, path: str, params: dict[str, list[str]]) -> Response | None:
        parts = unquote(path).strip("/").split("/")
        if len(parts) == 4:
            return self._feed_item(parts)
        selected = self._feed_posts(parts)
        page = feeds.paging(params)
        alt = params.get("alt", ["atom"])[0]
        if selected is None or page is None or alt not in {"atom", "rss"}:
            return None
        url, posts = selected
        if alt == "rss":
            return _response.xml(feeds.rss(self, posts, url, *page), RSS, SERVER)
        return _response.xml(feeds.atom(self, posts, url, *page), ATOM, SERVER)

    def _feed_item(self, parts: list[str]) -> Response | None:
        """A post's comment feed, or one post as an Atom entry."""
        if parts[2:] == ["comments", "default"] and parts[1] in self.by_id:
            return _response.xml(feeds.comments(self, self.by_id[parts[1]]), ATOM, SERVER)
        if parts[:3] == ["feeds", "posts", "default"] and parts[3] in self.by_id:
            return _response.xml(feeds.single_entry(self, self.by_id[parts[3]]), ATOM, SERVER)
        return None

    def _feed_posts(self, parts: list[str]) -> tuple[str, list[Post]] | None:
        """The feed URL and its posts: the whole blog, or one label (``/-/<Label>``)."""
        url = f"{self.base}/feeds/posts/default"
        if parts == ["feeds", "posts", "default"]:
            return url, self.posts
        label = _text.nfc(parts[-1])
        if (
            len(parts) != 5
            or parts[:4] != ["feeds", "posts", "default", "-"]
            or label not in self.labels
        ):
            return None
        return f"{url}/-/{quote(label)}", [p for p in self.posts if label in p.labels]
