"""Alerts: each incident sent once and resolved once to a webhook receiver on loopback, retries
without blocking the check, settings from the data folder, the scheduler's and the CLI's
checks, email."""

from __future__ import annotations

import json
import socketserver
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Self

import pytest
from click.testing import CliRunner

from archive.store import Store
from crawler.cli import main
from crawler.monitoring.alerts import (
    AlertConfigError,
    AlertManager,
    AlertSettings,
    load_alert_settings,
)
from crawler.runs.scheduler import Daemon
from tests.helpers.monitor_runs import NOW, Runs, src

if TYPE_CHECKING:
    from pathlib import Path

# -- alerts: a webhook receiver on loopback ---------------------------------------------------


class Receiver:
    """A JSON webhook on 127.0.0.1; answers 500 to the first ``fail`` posts."""

    def __init__(self, fail: int = 0, hold: threading.Event | None = None) -> None:
        self.posts: list[dict] = []
        self.attempts = 0
        self.fail, self.hold = fail, hold  # each post waits for ``hold`` before its answer
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.hold is not None:
                    receiver.hold.wait(30)
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
    hold = threading.Event()
    with Receiver(fail=2, hold=hold) as receiver:
        manager = _manager(receiver.url)
        manager.check(store, [src("s")], NOW)
        # The check came back while the receiver had not answered once (a check that
        # waited for the delivery would still be waiting, and then count 3 attempts).
        assert receiver.attempts == 0
        hold.set()
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
