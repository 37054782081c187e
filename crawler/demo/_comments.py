"""Readers' comments on blog posts: ids, times and words, the same wherever they are shown.

Blogger links each comment as ``<permalink>?showComment=<epoch-ms>#c<id>``; WordPress
gives each a reply link ``<permalink>?replytocom=<id>#respond``. Both are duplicates of
the post page a naive crawler would fetch once per comment.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from crawler.demo import _text
from crawler.demo._model import blogger_id

if TYPE_CHECKING:
    from crawler.demo._model import Post

MAX_COMMENTS = 3
_READERS = ("Bạn đọc", "Nguyễn Văn Hùng", "Lê Thị Mai", "Ẩn danh", "Trần Quốc Bảo")


@dataclass(frozen=True, slots=True)
class Comment:
    id: int
    when: datetime
    author: str
    text: str

    @property
    def millis(self) -> int:
        """Blogger's ``showComment`` value: epoch milliseconds."""
        return int(self.when.timestamp()) * 1000


@functools.lru_cache(maxsize=4096)
def comments_for(seed: int, host: str, post: Post, *, blogger: bool) -> tuple[Comment, ...]:
    """1 to ``MAX_COMMENTS`` comments on a repost; own posts and the seed repost have none."""
    if post.source is None:
        return ()
    r = _text.rng(seed, host, "comments", post.key)
    out = []
    for n in range(1 + r.randrange(MAX_COMMENTS)):
        when = post.published + timedelta(hours=3 + 5 * n, minutes=r.randrange(60))
        number = blogger_id(seed, host, post.key, "c", n) if blogger else post.post_id * 10 + n
        out.append(Comment(number, when, r.choice(_READERS), _text.sentence(r, "xa-hoi")))
    return tuple(out)
