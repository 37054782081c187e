"""One URL per post, and the URLs never to request: variants and crawl traps.

Pure functions over URL strings (no Scrapy), so spiders, tests and researchers share
one definition of "the same post" and of "a trap" (research/platforms.md, 1.6, 1.11
and 2.3). ``canonical_url`` folds a variant into its post; ``trap_reason`` says why a
URL is a trap, or None. Neither is a policy of one site: both are rules of the
platforms, written once.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections import Counter
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

__all__ = ["MAX_QUERY_PARAMS", "canonical_url", "is_comment_feed", "resolve_link", "trap_reason"]

# Query parameters that select a rendering of a post, never another post: Blogger's
# mobile switch, comment permalinks and share tracking; WordPress's comment-reply,
# Jetpack share and like buttons; AMP and print views; the archive widget's toggles.
_VARIANT_PARAMS = frozenset({
    "m", "showComment", "spref", "replytocom", "share", "nb", "like", "_wpnonce", "amp",
    "print", "fbclid", "gclid", "widgetType", "widgetId", "action", "dir", "toggle",
    "toggleopen",
})  # fmt: skip
_TRACKING_PREFIXES = ("utm_",)
# blogname.blogspot.com.vn, .co.uk, .de ... are aliases of blogname.blogspot.com.
# Only country forms: ``.blogspot.test`` (the demo world) or ``.blogspot.com`` stay as they are.
_BLOGSPOT_ALIAS = re.compile(
    r"^(?P<blog>[^.]+)\.blogspot\.(?:com\.[a-z]{2}|co\.[a-z]{2}|[a-z]{2})$"
)
# Path endings that are another rendering of the page before them.
_VARIANT_SUFFIX = re.compile(r"(?:/amp|/print|/comment-page-\d+)/?$")

# Traps: pages whose links multiply without end.
MAX_QUERY_PARAMS = 2
"""More query parameters than this is a combination explosion (filters x sorts x pages)."""
_SEARCH_SEGMENTS = frozenset({"search", "tim-kiem", "timkiem", "tim_kiem", "tra-cuu"})
_SEARCH_PARAMS = frozenset({"q", "s", "query", "keyword", "keywords", "tu-khoa", "tukhoa"})
_DATE_PARAMS = frozenset({"date", "ngay", "day", "calendar"})
_CALENDAR_PATH = re.compile(r"/(?:19|20)\d\d[/-](?:0?[1-9]|1[0-2])[/-](?:0?[1-9]|[12]\d|3[01])/?$")
_FAMILY_TRAPS = {
    # Blogger's paging and reverse-paging chains, its label x date combinations and the
    # admin and share links of www.blogger.com (research/platforms.md 1.11).
    "blogger": re.compile(
        r"[?&](?:updated-max|updated-min|reverse-paginate|by-date)="
        r"|^https?://(?:www\.)?blogger\.com/(?!feeds/)"
        r"|/share-widget"
        r"|_archive\.html$"
    ),
    "wordpress": re.compile(r"/wp-admin/|/wp-login\.php|[?&]attachment_id=|/attachment/"),
    "news": None,
}
_COMMENT_FEED = re.compile(
    r"/feeds/(?:\d+/)?comments/|/comments/feed/?$|/\d{4}/\d{2}/\d{2}/[^/]+/feed/?$"
)


def canonical_url(url: str) -> str:
    """Return the one URL that stands for ``url``'s post or page."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    alias = _BLOGSPOT_ALIAS.match(host)
    if alias:
        host = f"{alias['blog']}.blogspot.com"
    path = parts.path or "/"
    if path == "/ncr" or path.endswith("/ncr"):
        path = path.removesuffix("ncr") or "/"
    elif path.startswith("/ncr/"):
        path = path.removeprefix("/ncr")
    path = _VARIANT_SUFFIX.sub("/", path)
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        kept = [(k, v) for k, v in pairs if not _is_variant_param(k)]
        if len(kept) != len(pairs):
            query = urlencode(kept)
    netloc = host if parts.port is None else f"{host}:{parts.port}"
    return urlunsplit((parts.scheme.lower(), netloc, path, query, ""))


def resolve_link(base: str, href: str) -> tuple[str, str] | None:
    """``href`` as found on a page whose base URL is ``base``: the absolute http(s) URL as
    linked and its ``canonical_url``; None for a link that is not http(s) or cannot be
    read as a URL (a port that is no number, a broken IPv6 host), which a hostile or
    careless page may hold among good links.

    A page links mostly to the same site-wide paths as the pages before it (menus,
    sections, the latest posts). An absolute or root-relative ``href`` resolves against the
    base's origin alone, the same on every page of the site, so those are remembered
    (a few thousand): resolving a link then costs a look-up, not a parse and a join.
    """
    try:
        if _ORIGIN_ONLY.match(href):
            parts = urlsplit(base)
            return _resolve_on_origin(f"{parts.scheme}://{parts.netloc}/", href)
        return _resolve(base, href)
    except ValueError:
        return None


# Links whose URL depends on the base's origin alone: a path from the root ("/a", not the
# protocol-relative "//"), or an absolute URL with a host.
_ORIGIN_ONLY = re.compile(r"/(?!/)|https?://[^/?#]", re.IGNORECASE)


@functools.lru_cache(maxsize=4096)
def _resolve_on_origin(origin: str, href: str) -> tuple[str, str] | None:
    return _resolve(origin, href)


def _resolve(base: str, href: str) -> tuple[str, str] | None:
    raw = urljoin(base, href)
    if not raw.startswith(("http://", "https://")):
        return None
    return raw, canonical_url(raw)


def _is_variant_param(name: str) -> bool:
    return name in _VARIANT_PARAMS or name.startswith(_TRACKING_PREFIXES)


def trap_reason(url: str, family: str = "news") -> str | None:  # noqa: PLR0911 - one rule a line
    """Why ``url`` leads into a crawl trap (a short stat key), or None if it does not.

    Checked on the URL as linked, before ``canonical_url`` folds its variants away.
    """
    parts = urlsplit(url)
    family_trap = _FAMILY_TRAPS.get(family)
    if family_trap is not None and family_trap.search(url):
        return f"{family}_trap"
    segments = [s.lower() for s in parts.path.split("/") if s]
    if any(s in _SEARCH_SEGMENTS for s in segments):
        return "search"
    names = [k for k, _ in parse_qsl(parts.query, keep_blank_values=True)]
    if any(k.lower() in _SEARCH_PARAMS for k in names):
        return "search"
    if _CALENDAR_PATH.search(parts.path) or any(k.lower() in _DATE_PARAMS for k in names):
        return "calendar"
    if _repeats(segments):
        return "repeated_segments"
    if len([k for k in names if not _is_variant_param(k)]) > MAX_QUERY_PARAMS:
        return "query_explosion"
    return None


def _repeats(segments: list[str]) -> bool:
    """A segment twice in a row, or three times anywhere: a relative-link loop.

    Numbers do not count: ``/2012/05/05/slug/`` is a post of 5 May.
    """
    segments = [s for s in segments if not s.isdigit()]
    if any(a == b for a, b in itertools.pairwise(segments)):
        return True
    return bool(segments) and max(Counter(segments).values()) >= 3


def is_comment_feed(url: str) -> bool:
    """A blog-wide or per-post comment feed (Blogger or WordPress), fetched only on request."""
    return bool(_COMMENT_FEED.search(urlsplit(url).path))
