"""One URL per post: canonical forms of Blogger and WordPress URL variants.

Pure functions over URL strings (no Scrapy), so spiders, tests and researchers
share one definition of "the same post" (research/platforms.md, 1.6).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from w3lib.url import url_query_cleaner

# Query parameters that select a rendering of a post, never another post.
_VARIANT_PARAMS = ("m", "showComment", "spref", "replytocom", "share", "amp")
# blogname.blogspot.com.vn, .co.uk, .de ... are aliases of blogname.blogspot.com.
# Only country forms: ``.blogspot.test`` (the demo world) or ``.blogspot.com`` stay as they are.
_BLOGSPOT_ALIAS = re.compile(
    r"^(?P<blog>[^.]+)\.blogspot\.(?:com\.[a-z]{2}|co\.[a-z]{2}|[a-z]{2})$"
)


def canonical_url(url: str) -> str:
    """Return the one URL that stands for ``url``'s post or page."""
    cleaned = url_query_cleaner(url, _VARIANT_PARAMS, remove=True, keep_fragments=False)
    parts = urlsplit(cleaned)
    host = parts.hostname or ""
    alias = _BLOGSPOT_ALIAS.match(host)
    if alias:
        host = f"{alias['blog']}.blogspot.com"
    path = parts.path
    if path == "/ncr" or path.endswith("/ncr"):
        path = path.removesuffix("ncr") or "/"
    if path.endswith("/amp/"):
        path = path.removesuffix("amp/")
    netloc = host if parts.port is None else f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, netloc, path, parts.query, ""))
