"""Monitors fire on constructed bad runs and stay quiet on good ones; alerts reach a
webhook receiver on loopback once per incident, retried when it fails."""

from __future__ import annotations

import json
import socketserver
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Self, cast

import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from archive.store import Store
from archive.store._monitor import ArticleShares
from crawler.cli import main
from crawler.monitoring.alerts import (
    AlertConfigError,
    AlertManager,
    AlertSettings,
    load_alert_settings,
)
from crawler.monitoring.monitors import Monitor, MonitorConfig, ProgressTracker, evaluate
from crawler.runs.scheduler import Daemon
from crawler.sources.schedule import Schedule
from tests.helpers.records import add_capture, sample_article, sample_ref

if TYPE_CHECKING:
    from pathlib import Path

    from crawler.sources.schema import Source

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class _Src:
    """What ``evaluate`` reads of a ``Source``; ``monitors`` before ``Source`` has it."""

    name: str
    schedule: Schedule | None
    monitors: MonitorConfig


def src(
    name: str, schedule: Schedule | None = None, monitors: MonitorConfig | None = None
) -> Source:
    return cast("Source", _Src(name, schedule, monitors or MonitorConfig()))


@pytest.fixture
def store(store_url):
    with Store(store_url) as opened:
        yield opened


class Runs:
    """Builds runs (and the article versions they captured) through the store's API."""

    def __init__(self, store: Store, source: str = "s") -> None:
        self.store, self.source, self.n = store, source, 0

    def add(self, status="finished", ago=timedelta(hours=1), dated=4, authored=4, articles=4,
            **figures) -> str:  # fmt: skip
        self.n += 1
        run_id = f"{self.source}-{self.n:03d}"
        started = NOW - ago
        figures = {"pages": 50, "articles_new": 5, **figures}
        self.store.start_run(run_id, self.source, self.source, started_at=started)
        if status != "running":
            self.store.finish_run(run_id, status, finished_at=started + timedelta(minutes=5),
                                  finish_reason="test", **figures)  # fmt: skip
        for i in range(articles):
            url = f"http://{self.source}.test/{self.n}/{i}"
            capture = add_capture(self.store, self.n * 100 + i, url, started, run_id=run_id)
            missing: dict[str, Any] = {}
            if i >= dated:
                missing["published"] = None
            if i >= authored:
                missing["authors"] = ()
            article = sample_article(url, body=f"body {self.n} {i}", **missing)
            self.store.record_article(article, capture, self.source)
        return run_id

    def revisit(self, of: int, ago=timedelta(hours=1), articles=4) -> str:  # fmt: skip
        """A run that only recaptures run ``of``'s articles: 304 revisits, nothing new."""
        self.n += 1
        run_id = f"{self.source}-{self.n:03d}"
        started = NOW - ago
        self.store.start_run(run_id, self.source, self.source, started_at=started)
        self.store.finish_run(run_id, "finished", finished_at=started + timedelta(minutes=5),
                              finish_reason="test", pages=50, articles_new=0)  # fmt: skip
        for i in range(articles):
            url, k = f"http://{self.source}.test/{of}/{i}", self.n * 100 + i
            self.store.add_capture("demo", url, started, 304, "text/html", f"sha1:D{k}", sample_ref(k),
                                   run_id, record_type="revisit",
                                   refers_to=f"<urn:uuid:rec-{of * 100 + i}>")  # fmt: skip
        return run_id

    def history(self, count: int = 3) -> None:
        for k in range(count, 0, -1):
            self.add(ago=timedelta(hours=k + 1))


HOURLY = Schedule(every=3600)


def _bad(runs: Runs, monitor: str) -> Source:
    runs.history()
    if monitor == "run_failed":
        runs.add(status="failed")
    elif monitor == "no_new_articles":
        for k in (3, 2, 1):
            runs.add(ago=timedelta(minutes=10 * k), articles_new=0, articles=0)
    elif monitor == "error_ratio":
        runs.add(errors={"http:404": 20, "extraction": 5})
    elif monitor == "dates_dropped":
        runs.add(dated=1)
    elif monitor == "authors_dropped":
        runs.add(authored=0)
    elif monitor == "stuck":
        runs.add(status="running", ago=timedelta(hours=2))  # its heartbeat stopped then
    elif monitor == "overdue":
        runs.add(ago=timedelta(hours=3))
        return src("s", schedule=HOURLY)
    return src("s")


def _good(runs: Runs, monitor: str) -> Source:
    runs.history()
    if monitor == "stuck":
        runs.add(status="running", ago=timedelta(minutes=1))
    else:
        runs.add(ago=timedelta(minutes=40), errors={"http:404": 2})
    return src("s", schedule=HOURLY if monitor == "overdue" else None)


MONITORS = [m.name for m in MonitorConfig().monitors()]


@pytest.mark.parametrize("monitor", MONITORS)
def test_each_monitor_fires_on_its_bad_run_only(store, monitor):
    findings = evaluate(store, _bad(Runs(store), monitor), NOW)
    assert [f.monitor for f in findings] == [monitor], [f.message for f in findings]
    finding = findings[0]
    assert finding.key == f"s/{monitor}"
    assert finding.run_id is not None
    assert finding.message.startswith("s: ")


@pytest.mark.parametrize("monitor", MONITORS)
def test_each_monitor_is_quiet_on_a_good_run(store, monitor):
    assert evaluate(store, _good(Runs(store), monitor), NOW) == []


def test_timed_out_counts_as_failed_and_stopped_or_skipped_runs_say_nothing(store):
    runs = Runs(store)
    runs.add(status="timed_out", ago=timedelta(hours=2))
    assert [f.monitor for f in evaluate(store, src("s"), NOW)] == ["run_failed"]
    runs.add(status="stopped", ago=timedelta(minutes=30), pages=0, articles_new=0)
    assert [f.monitor for f in evaluate(store, src("s"), NOW)] == ["run_failed"]


def test_a_crawl_whose_figures_stand_still_is_stuck_for_a_tracker(store):
    run_id = Runs(store).add(status="running", ago=timedelta(minutes=1))
    tracker = ProgressTracker()
    assert evaluate(store, src("s"), NOW, tracker) == []
    store.update_run(run_id, heartbeat_at=NOW + timedelta(minutes=40))  # beats, no progress
    findings = evaluate(store, src("s"), NOW + timedelta(minutes=40), tracker)
    assert [f.monitor for f in findings] == ["stuck"]
    store.update_run(run_id, pages=99)  # it moves again
    assert evaluate(store, src("s"), NOW + timedelta(minutes=41), tracker) == []


def test_defaults_are_retuned_disabled_and_extended_by_name(store):
    runs = Runs(store)
    runs.add(errors={"http:404": 15})  # 0.3 errors per page
    assert [f.monitor for f in evaluate(store, src("s"), NOW)] == ["error_ratio"]
    config = MonitorConfig.model_validate(
        {
            "error_ratio": {"threshold": 0.5},
            "run_failed": {"enabled": False},
            "custom": [{"name": "few_pages", "stat": "pages", "op": "<", "threshold": 100,
                        "severity": "info"}],
        }
    )  # fmt: skip
    findings = evaluate(store, src("s", monitors=config), NOW)
    assert [(f.monitor, f.severity) for f in findings] == [("few_pages", "info")]
    with pytest.raises(ValidationError, match="used twice"):
        MonitorConfig.model_validate({"custom": [{"name": "stuck", "stat": "pages", "op": "<",
                                                  "threshold": 1}]})  # fmt: skip
    with pytest.raises(ValidationError):
        MonitorConfig.model_validate({"eror_ratio": {"threshold": 1}})
    with pytest.raises(ValidationError):
        Monitor(name="x", stat="pages", op="=~", threshold=1)  # type: ignore[arg-type]


def test_a_run_that_only_revisits_articles_has_their_date_and_author_shares(store):
    runs = Runs(store)
    runs.add(ago=timedelta(hours=2), dated=3, authored=2)
    revisit = runs.revisit(of=1)
    shares = store.article_shares([revisit])
    assert shares == {revisit: ArticleShares(articles=4, dated=3, authored=2)}
    assert shares[revisit].dated_share == 0.75
    assert store.article_shares([]) == {}


def test_a_run_shares_what_the_version_in_force_at_its_capture_says(store):
    runs = Runs(store)
    first = runs.add(ago=timedelta(hours=3))
    edit = runs.add(ago=timedelta(hours=2), articles=0)  # then a new body, without a date
    url = "http://s.test/1/0"
    capture = add_capture(store, 999, url, NOW - timedelta(hours=2), run_id=edit)
    store.record_article(sample_article(url, body="edited", published=None), capture, "s")
    later = runs.revisit(of=1)
    shares = store.article_shares([first, edit, later])
    assert shares[first] == ArticleShares(4, 4, 4)  # the later version changes nothing here
    assert shares[edit] == ArticleShares(1, 0, 1)
    assert shares[later] == ArticleShares(4, 3, 4)


def test_a_share_drop_is_measured_against_runs_that_only_revisited(store):
    runs = Runs(store)
    runs.add(ago=timedelta(hours=10))
    for hours in range(9, 2, -1):  # more than the window: the first run is out of sight
        runs.revisit(of=1, ago=timedelta(hours=hours))
    runs.add(ago=timedelta(hours=1), dated=0)
    findings = evaluate(store, src("s"), NOW)
    assert [f.monitor for f in findings] == ["dates_dropped"], [f.message for f in findings]


# -- alerts: a webhook receiver on loopback ---------------------------------------------------


class Receiver:
    """A JSON webhook on 127.0.0.1; answers 500 to the first ``fail`` posts."""

    def __init__(self, fail: int = 0, delay: float = 0.0) -> None:
        self.posts: list[dict] = []
        self.attempts = 0
        self.fail, self.delay = fail, delay
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                time.sleep(receiver.delay)
                receiver.attempts += 1
                ok = receiver.attempts > receiver.fail
                if ok:
                    receiver.posts.append(json.loads(body))
                self.send_response(200 if ok else 500)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def _manager(url: str, **settings) -> AlertManager:
    return AlertManager(AlertSettings.model_validate({"webhooks": [{"url": url}],
                                                      "backoff": 0.05, **settings}))  # fmt: skip


def test_each_incident_is_sent_once_and_resolved_once(store):
    runs = Runs(store)
    runs.add(status="failed", ago=timedelta(hours=2))
    with Receiver() as receiver:
        manager = _manager(receiver.url)
        for minutes in range(3):  # the fault lasts: three checks, one alert
            findings = manager.check(store, [src("s")], NOW + timedelta(minutes=minutes))
            assert [f.monitor for f in findings] == ["run_failed"]
        assert manager.notifier.flush(10)
        assert [(p["status"], p["key"]) for p in receiver.posts] == [("firing", "s/run_failed")]
        assert store.alerts("s", open_only=True)[0].key == "s/run_failed"
        runs.add(ago=timedelta(minutes=30))  # a good run ends the incident
        for minutes in range(3, 6):
            assert manager.check(store, [src("s")], NOW + timedelta(minutes=minutes)) == []
        manager.close()
    assert [p["status"] for p in receiver.posts] == ["firing", "resolved"]
    resolved = receiver.posts[1]
    assert resolved["resolved_at"] is not None
    assert resolved["alert_id"] == receiver.posts[0]["alert_id"]
    assert store.alerts("s", open_only=True) == []


def test_a_failing_receiver_gets_the_alert_after_retries_without_blocking_the_check(store):
    Runs(store).add(status="failed")
    with Receiver(fail=2, delay=0.3) as receiver:
        manager = _manager(receiver.url)
        started = time.monotonic()
        manager.check(store, [src("s")], NOW)
        assert time.monotonic() - started < 0.3  # the check did not wait for the receiver
        assert manager.notifier.flush(20)
        manager.close()
    assert receiver.attempts == 3
    assert [p["key"] for p in receiver.posts] == ["s/run_failed"]
    assert manager.notifier.failed == []


def test_alert_settings_from_the_data_folder(tmp_path):
    assert load_alert_settings(tmp_path).webhooks == ()
    (tmp_path / "alerts.yaml").write_text(
        "webhooks: [{url: 'http://127.0.0.1:9/a'}]\nretries: 2\nbackoff: 1s\n"
        "smtp: {host: 127.0.0.1, from: a@example.org, to: [b@example.org]}\n",
        encoding="utf-8",
    )
    settings = load_alert_settings(tmp_path, ["http://127.0.0.1:9/b"])
    assert [w.url for w in settings.webhooks] == ["http://127.0.0.1:9/a", "http://127.0.0.1:9/b"]
    assert (settings.retries, settings.backoff) == (2, 1.0)
    assert settings.smtp is not None
    assert settings.smtp.sender == "a@example.org"
    (tmp_path / "alerts.yaml").write_text("webhooks: [{url: 'ftp://x.test/'}]\n", encoding="utf-8")
    with pytest.raises(AlertConfigError, match=r"alerts.yaml: webhooks.0.url"):
        load_alert_settings(tmp_path)
    # The scheduler's crawls go on: its alerts go to the log until the file is fixed.
    assert AlertManager.from_home(tmp_path, strict=False).settings == AlertSettings()


def _source_file(folder: Path, name: str = "s") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.yaml").write_text(
        f"name: {name}\nseeds: [http://{name}.test/]\ncontact: tests@example.org\n"
        "schedule: {every: 1h}\n",
        encoding="utf-8",
    )


def test_the_scheduler_checks_after_each_run(tmp_path):
    home, sources = tmp_path / "home", tmp_path / "schedules"
    _source_file(sources)
    with Store.for_home(home) as store, Receiver() as receiver:

        def runner(source, path, options, stop):
            run_id = f"run-{len(store.runs()) + 1}"
            store.start_run(run_id, source.name, source.collection)
            return store.finish_run(run_id, "failed", finish_reason="crashed")

        daemon = Daemon(store, home, sources, runner=runner, alerts=_manager(receiver.url))
        daemon.run_job("s")
        daemon.run_job("s")
        daemon.alerts.close()
    assert [(p["status"], p["key"], p["run_id"]) for p in receiver.posts] == [
        ("firing", "s/run_failed", "run-1")
    ]


def test_cli_prints_findings_and_notifies_once(tmp_path, monkeypatch):
    home, sources = tmp_path / "home", tmp_path / "schedules"
    _source_file(sources)
    _source_file(sources, "t")
    monkeypatch.setenv("ARCHIVIST_HOME", str(home))
    monkeypatch.setenv("ARCHIVIST_SOURCES", str(sources))
    monkeypatch.delenv("ARCHIVIST_STORE_URL", raising=False)
    with Store.for_home(home) as store:
        store.start_run("r1", "s", "s")
        store.finish_run("r1", "failed", finish_reason="crashed (exit 1)")
    result = CliRunner().invoke(main, ["monitors"])
    assert result.exit_code == 1, result.output
    assert "s/run_failed" in result.output
    assert "2 sources checked, 1 finding" in result.output
    assert CliRunner().invoke(main, ["monitors", "--source", "t"]).exit_code == 0
    with Receiver() as receiver:
        for _ in range(2):
            result = CliRunner().invoke(main, ["monitors", "--notify", "--webhook", receiver.url])
            assert result.exit_code == 1, result.output
    assert [p["key"] for p in receiver.posts] == ["s/run_failed"]


class _SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321) to take one message: what ``smtplib`` sends."""

    def handle(self) -> None:
        self.wfile.write(b"220 test\r\n")
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb == b"DATA":
                self.wfile.write(b"354 go on\r\n")
                data = b"".join(iter(self.rfile.readline, b".\r\n"))
                self.server.messages.append(data.decode())  # type: ignore[attr-defined]
                self.wfile.write(b"250 ok\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


def test_alerts_by_email(store):
    Runs(store).add(status="failed")
    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpHandler) as server:
        server.messages = []  # type: ignore[attr-defined]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        smtp = {"host": "127.0.0.1", "port": server.server_address[1], "from": "a@example.org",
                "to": ["ops@example.org"]}  # fmt: skip
        manager = AlertManager(AlertSettings.model_validate({"smtp": smtp, "backoff": 0.05}))
        manager.check(store, [src("s")], NOW)
        manager.check(store, [src("s")], NOW + timedelta(minutes=1))
        manager.close()
        server.shutdown()
    [message] = server.messages  # type: ignore[attr-defined]
    assert "Subject: [archivist] firing: s/run_failed (error)" in message
    assert "To: ops@example.org" in message
