"""The operators' console: a Starlette application over the records store.

Pages: ``/`` (whether the scheduler runs; each source: last run, status, age, next fire
time as the scheduler's job store holds it, health in words), ``/runs`` (filter
by ``source`` and ``status``), ``/runs/<id>`` (figures, errors by kind and by host, the
failing URLs, WARC files, the log's last warnings and errors, replay links),
``/runs/<id>/log?line=N`` (the log around line N, each line anchored ``#L<n>``),
``/sources/<name>`` (charts over its runs) and
``/changes`` (edits, removals, restorations; filter by ``source`` and ``kind``; a
removed article's archived copies on other sites, linked to their replay, and the
evidence bundle written for a change, served from ``/evidence/<key>/<file>``).
``/api/live`` gives the running runs' progress as JSON, which the pages poll;
``/metrics`` is Prometheus' text format. Everything is rendered on the server; every
time is shown in one display zone (``create_app(zone=...)``), its zone written.
"""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from archive.store import RUN_STATUSES, Store
from crawler.console._auth import TokenMiddleware, check_token
from crawler.console._cache import PageCache
from crawler.console._charts import charted_runs, source_charts
from crawler.console._health import health_of
from crawler.console._queries import errors_by_host, timestamp14
from crawler.console._views import (
    SourceRow,
    ago,
    live_figures,
    overview,
    run_figures,
)
from crawler.runs.evidence import EVIDENCE_DIR, bundle_path
from crawler.runs.outcome import failures_by_kind
from crawler.runs.progress import human_size
from crawler.runs.runlog import log_window, warning_tail
from crawler.runs.watch import SchedulerState, read_state
from crawler.sources.times import display_zone, shown_time

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from zoneinfo import ZoneInfo

    from starlette.requests import Request

    from archive.store import ChangeRecord

__all__ = ["DEFAULT_REPLAY_URL", "create_app"]

HERE = Path(__file__).resolve().parent
DEFAULT_REPLAY_URL = "http://127.0.0.1:8080"
CHANGE_KINDS = ("edited", "removed", "restored")
_KEY = re.compile(r"[0-9a-f]{16}")
_BUNDLE = re.compile(r"[0-9]{8}T[0-9]{6}Z-(edited|removed)[.]wacz")


class _Console:
    """The routes, sharing one store, the source folder and the templates."""

    def __init__(
        self, home: Path, sources_dir: Path, store: Store, replay_url: str, zone: ZoneInfo
    ) -> None:
        self.home = home
        self.zone = zone
        self.sources_dir = sources_dir
        self.store = store
        self.replay_url = replay_url.rstrip("/")
        self.env = Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=select_autoescape(default=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters.update(when=lambda m: shown_time(m, zone), ago=ago, size=human_size)
        self.env.globals.update(zone=zone)

    def render(self, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        html = self.env.get_template(name).render(**context)
        return HTMLResponse(html, status_code=status_code)

    def replay(self, collection: str, fetched_at: datetime, url: str) -> str:
        return f"{self.replay_url}/{collection}/{timestamp14(fetched_at)}/{url}"

    def sources(self, now: datetime) -> tuple[list[SourceRow], SchedulerState]:
        """The overview's rows, each with its health, and the scheduler's state."""
        state = read_state(self.home, self.store.engine, now)
        rows = overview(self.store, self.sources_dir, now, state.next_fires)
        for row in rows:
            row.health = health_of(row.last, row.findings, now)
        return rows, state

    def scheduler_context(self, state: SchedulerState, now: datetime) -> dict[str, Any]:
        return {"scheduler": state, "scheduler_text": state.summary(self.zone, now), "now": now}

    def home_page(self, request: Request) -> Response:
        now = datetime.now(UTC)
        rows, state = self.sources(now)
        return self.render(
            "overview.html", rows=rows, page="overview", **self.scheduler_context(state, now)
        )

    def runs_page(self, request: Request) -> Response:
        source = request.query_params.get("source") or None
        status = request.query_params.get("status") or None
        if status is not None and status not in RUN_STATUSES:
            raise HTTPException(400, f"unknown status {status!r}")
        records = self.store.runs(source=source, status=status, limit=500)
        sources = sorted({r.source for r in self.store.runs()})
        return self.render(
            "runs.html",
            runs=records,
            sources=sources,
            statuses=sorted(RUN_STATUSES),
            source=source,
            status=status,
            page="runs",
        )

    def run_page(self, request: Request) -> Response:
        run_id = request.path_params["run_id"]
        record = self.store.get_run(run_id)
        if record is None:
            raise HTTPException(404, f"no run {run_id!r}")
        log = Path(record.log_path) if record.log_path else None
        articles = self.store.captured_articles(record.id)
        return self.render(
            "run.html",
            run=record,
            figures=run_figures(record, datetime.now(UTC), self.zone),
            by_host=errors_by_host(record),
            failing=failures_by_kind(record.errors, record.failed_urls),
            archive_dir=self.home / "collections" / record.collection / "archive",
            tail=warning_tail(log) if log else [],
            articles=[(a, self.replay(a.collection, a.fetched_at, a.url)) for a in articles],
            page="runs",
        )

    def run_log_page(self, request: Request) -> Response:
        run_id = request.path_params["run_id"]
        record = self.store.get_run(run_id)
        if record is None or not record.log_path:
            raise HTTPException(404, f"no run {run_id!r}" if record is None else "no log")
        text = request.query_params.get("line", "1")
        if not text.isdigit():
            raise HTTPException(400, f"line must be a line number, not {text!r}")
        line = int(text)
        lines = log_window(Path(record.log_path), line)
        return self.render("run_log.html", run=record, line=line, lines=lines, page="runs")

    def source_page(self, request: Request) -> Response:
        name = request.path_params["name"]
        now = datetime.now(UTC)
        listed, state = self.sources(now)
        rows = {row.name: row for row in listed}
        if name not in rows:
            raise HTTPException(404, f"no source {name!r}")
        runs = charted_runs(self.store, name)
        return self.render(
            "source.html",
            row=rows[name],
            runs=list(reversed(runs)),
            charts=source_charts(self.store, runs, self.zone),
            page="sources",
            **self.scheduler_context(state, now),
        )

    def changes_page(self, request: Request) -> Response:
        source = request.query_params.get("source") or None
        kind = request.query_params.get("kind") or None
        changes = [c for c in self.store.changes(source=source) if kind is None or c.kind == kind]
        changes.reverse()  # the latest first
        collections = {r.source: r.collection for r in self.store.runs()}
        links = {
            c: self.replay(collections[c.source], c.at, c.url)
            for c in changes
            if c.kind == "edited" and c.source in collections
        }
        kept = {c: self.kept_by(c.url, collections) for c in changes if c.kind == "removed"}
        bundles = {c: path for c in changes if (path := self.bundle_of(c)) is not None}
        return self.render(
            "changes.html",
            changes=changes,
            links=links,
            bundles=bundles,
            kept={c: copies for c, copies in kept.items() if copies},
            sources=sorted({r.source for r in self.store.runs()}),
            kinds=CHANGE_KINDS,
            source=source,
            kind=kind,
            page="changes",
        )

    def bundle_of(self, change: ChangeRecord) -> str | None:
        """The console's path of the evidence bundle written for ``change``, if any."""
        path = bundle_path(self.home, change.url, change.kind, change.at)
        if not path.is_file():
            return None
        return f"/evidence/{path.parent.name}/{path.name}"

    def evidence(self, request: Request) -> Response:
        key, name = request.path_params["key"], request.path_params["name"]
        if not (_KEY.fullmatch(key) and _BUNDLE.fullmatch(name)):
            raise HTTPException(404, "no such evidence bundle")
        path = self.home / EVIDENCE_DIR / key / name
        if not path.is_file():
            raise HTTPException(404, "no such evidence bundle")
        return FileResponse(path, media_type="application/wacz+zip", filename=name)

    def history_page(self, request: Request) -> Response:
        """An article's versions, live and backfilled, and its removals, on one timeline."""
        url = request.query_params.get("url", "")
        versions = self.store.versions(url) if url else []
        if not versions:
            raise HTTPException(404, f"no article recorded at {url!r}")
        entries: list[tuple[datetime, dict[str, Any]]] = [
            (v.fetched_at, {"version": n, "stored": v, "by": v.seen_by,
                            "link": self.replay(v.collection, v.fetched_at, v.article.url)})
            for n, v in enumerate(versions, 1)
        ]  # fmt: skip
        entries += [
            (e.at, {"event": e})
            for e in self.store.events()
            if e.url in {url, versions[0].article.url}
        ]
        return self.render(
            "history.html",
            url=url,
            title=versions[-1].article.title,
            timeline=[entry for _, entry in sorted(entries, key=lambda item: item[0])],
            page="changes",
        )

    def kept_by(self, url: str, collections: dict[str, str]) -> list[tuple[str, str]]:
        """(site, replay link) of each copy of the article at ``url`` that the archive
        holds: what a removed article's readers can still find."""
        return [
            (copy.site, self.replay(collections[copy.source], copy.first_seen, copy.url))
            for copy in self.store.copies(url)
            if copy.source in collections
        ]

    def live(self, request: Request) -> Response:
        now = datetime.now(UTC)
        runs = {r.id: live_figures(self.home, r, now) for r in self.store.runs(status="running")}
        return JSONResponse({"at": now.isoformat(), "runs": runs})

    def metrics(self, request: Request) -> Response:
        try:
            from crawler.monitoring.metrics import render_metrics  # noqa: PLC0415 - may not exist yet
        except ImportError:
            return Response("metrics not available\n", 503, media_type="text/plain")
        from crawler.console._views import load_source_files  # noqa: PLC0415

        sources = [row.source for row in load_source_files(self.sources_dir) if row.source]
        body, content_type = render_metrics(self.store, sources, self.home)
        return Response(body, media_type=content_type)

    def error(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return self.render(
            "error.html", status_code=exc.status_code, status=exc.status_code, detail=exc.detail
        )


def create_app(
    home: Path,
    sources_dir: Path,
    store_url: str | None = None,
    token: str | None = None,
    *,
    replay_url: str = DEFAULT_REPLAY_URL,
    zone: ZoneInfo | None = None,
    cache_seconds: float = 2.0,
) -> Starlette:
    """The console over the data folder ``home`` (or the store at ``store_url``); times
    shown in ``zone`` (default: the schedules' zone); each page built at most once every
    ``cache_seconds`` (crawler/console/_cache.py)."""
    store = Store(store_url) if store_url else Store.for_home(home)
    console = _Console(home, sources_dir, store, replay_url, zone or display_zone())

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        store.close()

    page = PageCache(cache_seconds).wrap
    routes = [
        Route("/", page(console.home_page)),
        Route("/runs", page(console.runs_page)),
        Route("/runs/{run_id}", page(console.run_page)),
        Route("/runs/{run_id}/log", page(console.run_log_page)),
        Route("/sources/{name}", page(console.source_page)),
        Route("/changes", page(console.changes_page)),
        Route("/evidence/{key}/{name}", console.evidence),
        Route("/history", page(console.history_page)),
        Route("/api/live", console.live),  # live: never kept
        Route("/metrics", page(console.metrics)),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    if token is not None and (weak := check_token(token)) is not None:
        raise ValueError(f"console token refused: {weak}")
    middleware = [Middleware(TokenMiddleware, token=token)] if token else []
    return Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={HTTPException: console.error},
        lifespan=lifespan,
    )
