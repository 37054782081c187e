"""Crawl traps: URL spaces without end, each page linking more of them.

* Blogger: the archive widget's toggles (``/?widgetType=BlogArchive&...&toggle=YEARLY-<ms>
  &toggleopen=MONTHLY-<ms>``; a toggled page offers the months either side, forever),
  ``/search`` paging, labels and queries, and the hosts never served:
  ``www.blogger.com`` (edit, comment and share links) and ``<blog>.blogspot.com.vn``;
* thoisu.test: a calendar ``/lich/YYYY/MM/DD/`` linking the days either side, a relative
  ``tin-tuc/`` link that nests (``/tin-tuc/tin-tuc/...``), and ``/tim-kiem?sort=&trang=&loc=``
  whose links multiply sorts by places by pages.

``patterns(host, family)`` gives regular expressions that match every trap URL of a host.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from crawler.demo import _response, _text
from crawler.demo._model import NEWS_HOST, NEWS_NAME
from crawler.demo._news import article_list, shell
from crawler.demo._text import SECTIONS, VN_TZ, esc

if TYPE_CHECKING:
    from crawler.demo._model import Article
    from crawler.demo._response import Response

BLOGGER_ADMIN = "https://www.blogger.com"
CALENDAR = "/lich/"
NESTED = "tin-tuc/"
EXPLODING = "/tim-kiem"
SORTS = ("moi-nhat", "cu-nhat", "xem-nhieu")
PLACES = ("tat-ca", *SECTIONS)
_EXPLOSION_ITEMS = 5


def alias_host(host: str) -> str:
    """The country alias of a demo blogspot host (never served): ``x.blogspot.com.vn``."""
    return host.removesuffix(".test") + ".com.vn"


def patterns(host: str, family: str) -> list[str]:
    """Regular expressions (``re.search`` on the absolute URL) matching every trap URL."""
    h = re.escape(host)
    if family == "blogger":
        return [
            r"^https?://www\.blogger\.com/",
            r"^https?://[^/]+\.blogspot\.com\.vn(?::\d+)?/",
            rf"^http://{h}/\?(?:.*&)?widgetType=BlogArchive",
            rf"^http://{h}/search(?:[/?]|$)",
        ]
    if family == "news":
        n = re.escape(NEWS_HOST)
        return [
            rf"^http://{n}/lich/",
            # /tin-tuc/ itself looks like any section page; the trap is its repetition.
            rf"^http://{n}/(?:tin-tuc/){{2,}}(?:$|\?)",
            rf"^http://{n}/tim-kiem\?(?:.*&)?sort=",
        ]
    return []


# -- Blogger's archive widget ----------------------------------------------------------------


def _millis(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=VN_TZ).timestamp()) * 1000


def toggle_url(base: str, month: date) -> str:
    """The widget's toggle for ``month`` (its first day), as linked (``&amp;``-escaped)."""
    year = date(month.year, 1, 1)
    return (
        f"{base}/?widgetType=BlogArchive&amp;widgetId=BlogArchive1&amp;action=toggle&amp;dir=open"
        f"&amp;toggle=YEARLY-{_millis(year)}&amp;toggleopen=MONTHLY-{_millis(month)}"
    )


def toggled_month(params: dict[str, list[str]]) -> date | None:
    """The month a toggle request opens, or None if the request is not a toggle."""
    if params.get("widgetType") != ["BlogArchive"]:
        return None
    value = params.get("toggleopen", [""])[0].removeprefix("MONTHLY-")
    if not value.isdigit():
        return None
    try:
        when = datetime.fromtimestamp(int(value) / 1000, VN_TZ)
    except (OverflowError, OSError, ValueError):
        return None
    return date(when.year, when.month, 1)


def toggles_around(base: str, month: date) -> str:
    """Toggles for the months before and after ``month``: a chain with no end."""
    before = (month - timedelta(days=1)).replace(day=1)
    after = (month + timedelta(days=32)).replace(day=1)
    return "\n".join(
        f"<li><a class='toggle' href='{toggle_url(base, m)}'>► {m:%Y-%m}</a></li>"
        for m in (before, after)
    )


# -- thoisu.test ---------------------------------------------------------------------------------


class NewsTraps:
    """The calendar, the nesting ``tin-tuc/`` link and the exploding search."""

    def __init__(self, visible: list[Article]) -> None:
        self.visible = visible

    def respond(self, path: str, query: str) -> Response | None:
        if path.startswith(CALENDAR):
            return self.calendar(path.removeprefix(CALENDAR))
        if re.fullmatch(r"/(?:tin-tuc/)+", path):
            return self.nested(path.count("/") - 1)
        params = parse_qs(query)
        if path == EXPLODING and "sort" in params:
            return self.explosion(params)
        return None

    def calendar(self, rest: str) -> Response | None:
        m = re.fullmatch(r"(\d{4})/(\d\d)/(\d\d)/", rest)
        try:
            day = date(int(m[1]), int(m[2]), int(m[3])) if m else None
        except ValueError:
            day = None
        if day is None:
            return None
        arts = [a for a in self.visible if a.published.date() == day]
        links = []
        for step, label in ((-1, "« Ngày trước"), (1, "Ngày sau »")):
            try:
                other = day + timedelta(days=step)
            except OverflowError:
                continue
            links.append(f'<a href="{CALENDAR}{other:%Y/%m/%d}/">{label}</a>')
        found = article_list(arts) if arts else "<p>Không có bài viết trong ngày này.</p>"
        content = (
            f'<h1 class="title-box">Tin ngày {day.day}/{day.month}/{day.year}</h1>\n{found}\n'
            f'<div class="calendar">{" · ".join(links)}</div>'
        )
        return _response.page(shell(f"Lịch {day:%d/%m/%Y} - {NEWS_NAME}", content))

    def nested(self, depth: int) -> Response:
        content = (
            f'<h1 class="title-box">Tin tức (cấp {depth})</h1>\n{article_list(self.visible[-5:])}\n'
            f'<p><a href="{NESTED}">Xem thêm tin tức</a></p>'
        )
        return _response.page(shell(f"Tin tức - {NEWS_NAME}", content))

    def explosion(self, params: dict[str, list[str]]) -> Response | None:
        sort, place = params["sort"][0], params.get("loc", ["tat-ca"])[0]
        page = params.get("trang", ["1"])[0]
        if sort not in SORTS or place not in PLACES or not page.isdigit() or int(page) < 1:
            return None
        r = _text.rng("explosion", sort, place, page)
        arts = r.sample(self.visible, min(_EXPLOSION_ITEMS, len(self.visible)))
        combos = [(s, p, int(page)) for s in SORTS for p in PLACES]
        combos.append((sort, place, int(page) + 1))
        links = " ".join(
            f'<a href="{EXPLODING}?sort={s}&amp;trang={n}&amp;loc={p}">{esc(s)}/{esc(p)}/{n}</a>'
            for s, p, n in combos
        )
        content = (
            f'<h1 class="title-box">Tìm kiếm nâng cao: {esc(sort)}, {esc(place)}, trang {page}</h1>'
            f'\n{article_list(arts)}\n<div class="filters">{links}</div>'
        )
        return _response.page(shell(f"Tìm kiếm nâng cao - {NEWS_NAME}", content))
