"""The demo world's hosts, and the small world the demo's own tests serve."""

from __future__ import annotations

NEWS, CLASSIC, MODERN, WP, DD = (
    "thoisu.test",
    "nhipcau.blogspot.test",
    "tiengdan.blogspot.test",
    "goc-nhin.test",
    "dien-dan.test",
)
BLOGGER, WORDPRESS = (CLASSIC, MODERN), (WP, DD)

SMALL = 12  # articles of the small world
SLOW = 0.3  # seconds its slow page waits
LARGE = 200_000  # bytes of its large page
