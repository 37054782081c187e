"""The console from 800 px wide, in headless Chromium (Debian's ``chromium``, see
scripts/chromium-env): each page is loaded in an 800 px frame of a measuring page served
by the same application (same origin), whose script writes what the browser laid out
into its own DOM, which ``--dump-dom`` returns. No column is cut: the page itself never
scrolls sideways, every table fits its box or scrolls inside it, and the overview's
health column is inside the frame, wide enough to read."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from typing import TYPE_CHECKING

import pytest
import uvicorn
from starlette.responses import HTMLResponse

from crawler.console import create_app
from tests.helpers.console_fixtures import page_tree
from tests.helpers.required import chromium

if TYPE_CHECKING:
    from pathlib import Path

WIDTH = 800

MEASURE = """<!doctype html><html><body style="margin:0">
<iframe id="f" src="%(page)s" style="width:%(width)dpx;height:900px;border:0"></iframe>
<pre id="out"></pre>
<script>
document.getElementById("f").addEventListener("load", function () {
  const doc = this.contentDocument, view = doc.documentElement;
  const box = (e) => { const r = e.getBoundingClientRect(); return [r.left, r.right, r.width]; };
  const tables = Array.from(doc.querySelectorAll("table")).map(function (t) {
    const holder = t.parentElement;
    const scrolls = getComputedStyle(holder).overflowX;
    return {cls: t.className, right: box(t)[1], holder_right: box(holder)[1],
            scrolls: scrolls === "auto" || scrolls === "scroll",
            holder_fits: holder.scrollWidth <= holder.clientWidth + 1};
  });
  const health = Array.from(doc.querySelectorAll("td.health")).map(box);
  document.getElementById("out").textContent = JSON.stringify({
    page_width: view.scrollWidth, view_width: view.clientWidth, tables: tables, health: health});
});
</script></body></html>"""


@pytest.fixture
def browser() -> str:
    return chromium()


@pytest.fixture
def served(sched_world):
    app = create_app(sched_world.home, sched_world.sources, sched_world.url)

    async def measure(request):
        page = request.query_params["page"]
        return HTMLResponse(MEASURE % {"page": page, "width": WIDTH})

    app.add_route("/__measure", measure)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    server.should_exit = True
    thread.join(10)


def _measure(browser: str, served: str, page: str, profile: Path) -> dict:
    command = [
        browser, "--headless=new", "--no-sandbox", "--disable-gpu",
        f"--user-data-dir={profile}", "--virtual-time-budget=5000",
        f"--window-size={WIDTH + 40},1000", "--dump-dom", f"{served}/__measure?page={page}",
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    text = page_tree(done.stdout).cssselect("#out")[0].text_content()
    assert text, f"the measuring script did not run for {page}"
    return json.loads(text)


def test_pages_fit_800_px_and_the_health_column_is_whole(browser, served, sched_world, tmp_path):
    run = sched_world.store.runs(source="hong")[0]
    for page in ("/", "/runs", f"/runs/{run.id}", "/sources/hong", "/changes"):
        laid = _measure(browser, served, page, tmp_path / "profile")
        view = laid["view_width"]  # 800 px, less a vertical scrollbar if the page is long
        assert WIDTH - 20 <= view <= WIDTH
        assert laid["page_width"] <= view, (page, laid)  # the page never scrolls sideways
        for table in laid["tables"]:
            assert table["holder_fits"] or table["scrolls"], (page, table)
            assert table["holder_right"] <= view, (page, table)
        if page == "/":
            assert len(laid["health"]) == 3
            for left, right, width in laid["health"]:
                assert right <= view, laid
                assert left >= 0, laid
                assert width >= 150, laid  # wide enough for a sentence, not a column of letters
