"""The cases that break archivers, all on thoisu.test and linked from /chuyen-muc/luu-tru.

``case_paths`` names each case; ``CaseRoutes.respond`` answers them before the ordinary
news routes, so a case may borrow an ordinary URL shape (the 410 looks like an article).
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, quote_plus

from crawler.demo import _media, _response, _text
from crawler.demo._model import NEWS_NAME
from crawler.demo._news import BASE, article_list, image_path, shell
from crawler.demo._response import Response
from crawler.demo._text import esc

if TYPE_CHECKING:
    from crawler.demo._model import Article
    from crawler.demo._news import NewsSite
    from crawler.demo.world import World

ARCHIVE = "/chuyen-muc/luu-tru"
GZIP = "/dac-biet/ban-tin-nen.html"
CHUNKED = "/dac-biet/truc-tiep.html"
GZIP_CHUNKED = "/dac-biet/truc-tiep-nen.html"
NOT_FOUND = "/dac-biet/lien-ket-hong.html"
GONE = "/xa-hoi/bai-viet-da-bi-go-bo-100001.html"
SERVER_ERROR = "/dac-biet/thong-ke-truy-cap.html"
SLOW = "/dac-biet/du-bao-thoi-tiet.html"
CP1258 = "/luu-tru/2005/ha-noi-don-nam-moi-2005-012005.html"
LARGE = "/tai-lieu/bao-cao-2012.pdf"
SEARCH = "/tim-kiem"
VIDEO = "/video"
VIDEOS = 12
SEARCH_PAGES = 3
_LABELS = {
    GZIP: "Bản tin nén (gzip)",
    CHUNKED: "Tường thuật trực tiếp (chunked)",
    GZIP_CHUNKED: "Tường thuật trực tiếp, bản nén",
    SLOW: "Dự báo thời tiết (trang chậm)",
    NOT_FOUND: "Liên kết hỏng",
    GONE: "Bài viết đã gỡ",
    SERVER_ERROR: "Thống kê truy cập",
    CP1258: "Hà Nội đón năm mới 2005 (lưu trữ)",
    LARGE: "Báo cáo tổng hợp 2012 (PDF)",
}


def case_paths(first: Article) -> dict[str, str]:
    """Case name -> path on thoisu.test."""
    return {
        "archive": ARCHIVE,
        "gzip": GZIP,
        "chunked": CHUNKED,
        "gzip_chunked": GZIP_CHUNKED,
        "redirect_chain": first.legacy_path,
        "redirect_final": first.path,
        "not_found": NOT_FOUND,
        "gone": GONE,
        "server_error": SERVER_ERROR,
        "slow": SLOW,
        "two_cookies": "/",
        "query": f"{SEARCH}?tu-khoa=bau-cu&trang=2",
        "query_vi": f"{SEARCH}?tu-khoa={quote_plus('bầu cử')}",
        "video": f"{VIDEO}?id=7&ngon-ngu=vi",
        "cp1258": CP1258,
        "image": "/static/img/logo.png",
        "image_jpeg": image_path(first, 1),
        "image_gif": "/static/img/favicon.gif",
        "css": "/static/css/thoisu.css",
        "large": LARGE,
    }


class CaseRoutes:
    def __init__(self, world: World, news: NewsSite) -> None:
        self.world = world
        self.news = news

    def respond(self, path: str, query: str) -> Response | None:
        simple = {
            ARCHIVE: self.archive,
            GZIP: lambda: self.bulletin(chunked=False, gzip=True),
            CHUNKED: lambda: self.bulletin(chunked=True, gzip=False),
            GZIP_CHUNKED: lambda: self.bulletin(chunked=True, gzip=True),
            GONE: self.gone,
            SERVER_ERROR: self.server_error,
            SLOW: self.slow,
            CP1258: self.cp1258,
            LARGE: self.large,
        }
        if path in simple:
            return simple[path]()
        params = parse_qs(query)
        if path == SEARCH:
            return self.search(params)
        if path == VIDEO:
            return self.video(params)
        return self.redirect(path, params)

    def archive(self) -> Response:
        first = self.world.articles[0]
        items = [f'<li><a href="{p}">{esc(label)}</a></li>' for p, label in _LABELS.items()]
        paths = case_paths(first)
        items += [
            f'<li><a href="{first.legacy_path}">{esc(first.title)} (đường dẫn cũ)</a></li>',
            f'<li><a href="{esc(paths["query"])}">Tìm kiếm: bầu cử, trang 2</a></li>',
            f'<li><a href="{esc(paths["query_vi"])}">Tìm kiếm: “bầu cử”</a></li>',
            f'<li><a href="{esc(paths["video"])}">Video số 7</a></li>',
        ]
        content = '<h1 class="title-box">Lưu trữ</h1>\n<ul class="archive">\n'
        content += "\n".join(items) + "\n</ul>"
        return _response.page(shell(f"Lưu trữ - {NEWS_NAME}", content))

    def bulletin(self, *, chunked: bool, gzip: bool) -> Response:
        r = _text.rng(self.world.seed, "bulletin", chunked, gzip)
        title = "Tường thuật trực tiếp" if chunked else "Bản tin tổng hợp"
        updates = "\n".join(
            f'<div class="update"><span class="time">{8 + n}:00</span>'
            f"<p>{esc(_text.paragraph(r, 'xa-hoi'))}</p></div>"
            for n in range(12)
        )
        html = shell(f"{title} - {NEWS_NAME}", f"<h1>{title}</h1>\n{updates}")
        base = _response.page(html, gzip=gzip)
        return Response(base.status, base.headers, base.body, gzip=gzip, chunked=chunked)

    def gone(self) -> Response:
        html = shell(f"Bài viết đã bị gỡ bỏ - {NEWS_NAME}", "<h1>Bài viết này đã bị gỡ bỏ.</h1>")
        return _response.page(html, 410, gzip=False)

    def server_error(self) -> Response:
        html = "<html><body><h1>500 Internal Server Error</h1><p>Lỗi máy chủ.</p></body></html>"
        return _response.page(html, 500, gzip=False)

    def slow(self) -> Response:
        r = _text.rng(self.world.seed, "weather")
        content = f"<h1>Dự báo thời tiết</h1>\n<p>{esc(_text.paragraph(r, 'xa-hoi'))}</p>"
        base = _response.page(shell(f"Dự báo thời tiết - {NEWS_NAME}", content))
        return Response(
            base.status, base.headers, base.body, gzip=True, delay=self.world.slow_delay
        )

    def cp1258(self) -> Response:
        r = _text.rng(self.world.seed, "cp1258")
        paras = _text.paras_html(_text.paragraphs(r, "xa-hoi", 4))
        html = f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="windows-1258">
<title>Hà Nội đón năm mới 2005 \u2013 {NEWS_NAME}</title>
<link rel="stylesheet" href="/static/css/thoisu.css">
</head>
<body>
<h1>Hà Nội đón năm mới 2005</h1>
<span class="date">Thứ Bảy, 1/1/2005, 08:00 (GMT+7)</span>
<div class="fck_detail">
{paras}
<p class="author"><strong>Minh Châu</strong></p>
</div>
<p><a href="/">Trang chủ</a> · <a href="{ARCHIVE}">Lưu trữ</a></p>
</body>
</html>
"""
        headers = (
            ("Server", "Microsoft-IIS/6.0"),
            ("Content-Type", "text/html; charset=windows-1258"),
        )
        return Response(200, headers, _text.cp1258_bytes(html))

    def large(self) -> Response:
        size, seed = self.world.large_bytes, self.world.seed
        headers = (
            ("Server", "nginx"),
            ("Content-Type", "application/pdf"),
            ("Content-Disposition", 'inline; filename="bao-cao-2012.pdf"'),
        )
        return Response(200, headers, stream=lambda: _media.pdf_chunks(size, seed), length=size)

    def search(self, params: dict[str, list[str]]) -> Response | None:
        keyword = _text.nfc(params.get("tu-khoa", [""])[0].strip())
        page_text = params.get("trang", ["1"])[0]
        if not page_text.isdigit() or int(page_text) < 1:
            return None
        page = int(page_text)
        if not keyword:
            body = '<form action="/tim-kiem"><input name="tu-khoa"><button>Tìm</button></form>'
            return _response.page(shell(f"Tìm kiếm - {NEWS_NAME}", body))
        arts = self.news.visible
        r = _text.rng(self.world.seed, "search", zlib.crc32(keyword.encode()), page)
        found = [] if page > SEARCH_PAGES else r.sample(arts, min(10, len(arts)))
        pager = " ".join(
            f'<a href="{SEARCH}?tu-khoa={esc(quote_plus(keyword))}&amp;trang={n}">{n}</a>'
            for n in range(1, SEARCH_PAGES + 1)
        )
        content = (
            f"<h1>Kết quả tìm kiếm cho “{esc(keyword)}” (trang {page})</h1>\n"
            f"{article_list(found) if found else '<p>Không có kết quả.</p>'}\n"
            f'<div class="pagination">{pager}</div>'
        )
        return _response.page(shell(f"{keyword} - Tìm kiếm - {NEWS_NAME}", content))

    def video(self, params: dict[str, list[str]]) -> Response | None:
        number, lang = params.get("id", [""])[0], params.get("ngon-ngu", ["vi"])[0]
        if not number.isdigit() or not 1 <= int(number) <= VIDEOS or lang not in {"vi", "en"}:
            return None
        n = int(number)
        art = self.news.visible[n % len(self.news.visible)]
        heading = f"Video {n}: {art.title}" if lang == "vi" else f"Video {n} (English)"
        links = [
            f'<a href="{VIDEO}?id={n}&amp;ngon-ngu={"en" if lang == "vi" else "vi"}">{lang}</a>'
        ]
        links += [
            f'<a href="{VIDEO}?id={m}&amp;ngon-ngu={lang}">Video {m}</a>' for m in (n - 1, n + 1)
        ]
        links = [link for link in links if "id=0&" not in link and f"id={VIDEOS + 1}&" not in link]
        content = (
            f'<h1>{esc(heading)}</h1>\n<video poster="{image_path(art, 1)}" controls></video>\n'
            f'<p><a href="{art.path}">{esc(art.title)}</a></p>\n<p>{" · ".join(links)}</p>'
        )
        return _response.page(shell(f"{heading} - {NEWS_NAME}", content))

    def redirect(self, path: str, params: dict[str, list[str]]) -> Response | None:
        """Legacy ``/tin-tuc/<id>.html`` -> 301 ``/tin/<id>.html`` -> 302 ``/bai-viet?id=`` -> 307."""
        parts = path.strip("/").split("/")
        if path == "/bai-viet":
            art = self._by_id(params.get("id", [""])[0])
            return _response.redirect(art.url, 307) if art else None
        if len(parts) != 2 or parts[0] not in {"tin-tuc", "tin"} or not parts[1].endswith(".html"):
            return None
        art = self._by_id(parts[1].removesuffix(".html"))
        if art is None:
            return None
        if parts[0] == "tin-tuc":
            return _response.redirect(f"{BASE}/tin/{art.id:06d}.html", 301)
        return _response.redirect(f"{BASE}/bai-viet?id={art.id:06d}", 302)

    def _by_id(self, text: str) -> Article | None:
        return self.news.by_id.get(int(text)) if text.isdigit() else None
