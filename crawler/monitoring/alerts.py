"""Alerts: monitor findings become incidents, each announced once when it opens and once
when it resolves, to the log, to webhooks and (optionally) by e-mail.

``AlertManager.check(store, sources, now)`` evaluates each source's monitors
(``crawler.monitoring.monitors``) and reconciles the findings with the open incidents in the store's
``alerts`` table: a finding with no open incident opens one and fires; an open incident
whose finding is gone is resolved. Repeated checks of a lasting fault send nothing more.
Notices go out from a background thread with retries (``crawler.monitoring.delivery``), so a
check, and so a run, never waits on a receiver. The scheduler daemon checks after each run
and every ``interval``; ``archivist monitors --notify`` does one check by hand.

Settings: ``<home>/alerts.yaml`` (not in ``schedules/``, where every file is a source)::

    webhooks:
      - url: https://hooks.example.org/archivist
        headers: {Authorization: "Bearer ..."}    # optional
    smtp:                                         # optional
      host: smtp.example.org
      port: 587
      from: archivist@example.org
      to: [ops@example.org]
      starttls: true
      username: archivist                         # optional, with password
      password: "..."
    retries: 5          # after the first attempt; waits double from backoff up to max_backoff
    backoff: 2s
    max_backoff: 5m
    timeout: 10s        # per attempt
    interval: 1m        # how often the scheduler checks between runs

A webhook gets ``{"status": "firing"|"resolved", "key", "source", "monitor", "severity",
"message", "run_id", "opened_at", "resolved_at", "alert_id"}`` as JSON.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from crawler.errors import AlertConfigError
from crawler.monitoring.delivery import Delivery, Notifier, post_json, send_mail
from crawler.monitoring.monitors import ProgressTracker, evaluate
from crawler.sources.durations import Duration
from crawler.sources.schema import SourceError, load_source

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from pathlib import Path

    from archive.store import Store
    from archive.store._alerts import AlertRecord
    from crawler.monitoring.monitors import Finding
    from crawler.sources.schema import Source

__all__ = [
    "ALERTS_FILE",
    "AlertConfigError",
    "AlertManager",
    "AlertSettings",
    "load_alert_settings",
]

logger = logging.getLogger(__name__)

ALERTS_FILE = "alerts.yaml"
_LEVELS = {"info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}


class Webhook(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str
    headers: dict[str, str] = Field(default_factory=dict)

    @field_validator("url")
    @classmethod
    def _check_url(cls, url: str) -> str:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"{url!r} is not an http(s) URL")
        return url


class Smtp(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    host: str
    port: int = Field(default=25, gt=0, lt=65536)
    sender: str = Field(alias="from")
    to: tuple[str, ...] = Field(min_length=1)
    starttls: bool = False
    username: str | None = None
    password: str | None = None


class AlertSettings(BaseModel):
    """Where alerts go and how hard to try; the defaults send to the log only."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    webhooks: tuple[Webhook, ...] = ()
    smtp: Smtp | None = None
    retries: int = Field(default=5, ge=0, le=20)
    backoff: Duration = 2.0
    max_backoff: Duration = 300.0
    timeout: Duration = 10.0
    interval: Duration = 60.0


def load_alert_settings(home: Path, webhooks: Iterable[str] = ()) -> AlertSettings:
    """``<home>/alerts.yaml`` if there is one, plus any ``webhooks`` URLs given."""
    path = home / ALERTS_FILE
    data: Any = {}
    if path.is_file():
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
            raise AlertConfigError(f"{path}: cannot be read as YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise AlertConfigError(f"{path}: expected a mapping (webhooks: ..., smtp: ...)")
    extra = [{"url": url} for url in webhooks]
    data = {**data, "webhooks": [*data.get("webhooks", []), *extra]}
    try:
        return AlertSettings.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise AlertConfigError(f"{path}: {where}: {first['msg']}") from exc


class AlertManager:
    """Turns findings into incidents and announces each once; thread-safe."""

    def __init__(self, settings: AlertSettings | None = None) -> None:
        self.settings = settings or AlertSettings()
        self.notifier = Notifier(
            self.settings.retries, self.settings.backoff, self.settings.max_backoff
        )
        self.progress = ProgressTracker()
        self._lock = threading.Lock()
        self._last_check: float | None = None

    @classmethod
    def from_home(
        cls, home: Path, webhooks: Iterable[str] = (), *, strict: bool = True
    ) -> AlertManager:
        """With ``<home>/alerts.yaml``'s settings; a bad file raises ``AlertConfigError``,
        or, not ``strict`` (the scheduler: crawls matter more), is logged and alerts go to
        the log only."""
        try:
            return cls(load_alert_settings(home, webhooks))
        except AlertConfigError as exc:
            if strict:
                raise
            logger.error("%s; alerts go to the log only until it is fixed", exc)
            return cls()

    def check(
        self, store: Store, sources: Sequence[Source], now: datetime | None = None
    ) -> list[Finding]:
        """Evaluate ``sources``, open and resolve their incidents; returns the findings.

        Incidents of sources not given are left as they are.
        """
        now = now or datetime.now(UTC)
        findings: list[Finding] = []
        with self._lock:
            self._last_check = time.monotonic()
            for source in sources:
                try:
                    found = evaluate(store, source, now, self.progress)
                    self._reconcile(store, source.name, found, now)
                except Exception:  # one source's trouble must not silence the others
                    logger.exception("Could not check the monitors of %s", source.name)
                    continue
                findings.extend(found)
        return findings

    def check_folder(self, store: Store, sources_dir: Path) -> list[Finding]:
        """``check`` every source file of a folder that loads; never raises (for daemons)."""
        sources = []
        for path in sorted([*sources_dir.glob("*.yaml"), *sources_dir.glob("*.yml")]):
            try:
                sources.append(load_source(path))
            except SourceError as exc:
                logger.debug("Monitors skip %s: %s", path, exc)
        try:
            return self.check(store, sources)
        except Exception:
            logger.exception("Could not check the monitors")
            return []

    def due(self) -> bool:
        """Whether ``interval`` has passed since the last check."""
        last = self._last_check
        return last is None or time.monotonic() - last >= self.settings.interval

    def close(self, timeout: float | None = 10.0) -> None:
        """Send what is pending (within ``timeout``) and stop the sending thread."""
        self.notifier.close(timeout)

    def _reconcile(self, store: Store, source: str, found: list[Finding], now: datetime) -> None:
        was_open = {alert.key: alert for alert in store.alerts(source, open_only=True)}
        for finding in found:
            alert, opened = store.open_alert(
                finding.key,
                finding.source,
                finding.monitor,
                finding.severity,
                finding.message,
                finding.run_id,
                now,
            )
            if opened:
                self._announce("firing", alert)
        keys = {finding.key for finding in found}
        for key, alert in was_open.items():
            if key not in keys:
                self._announce("resolved", store.resolve_alert(alert.id, now))

    def _announce(self, status: str, alert: AlertRecord) -> None:
        if status == "firing":
            level = _LEVELS.get(alert.severity, logging.CRITICAL)
            logger.log(level, "Alert %s: %s", alert.key, alert.message)
        else:
            logger.info("Resolved %s: %s", alert.key, alert.message)
        payload = _payload(status, alert)
        timeout = self.settings.timeout
        for hook in self.settings.webhooks:
            self.notifier.submit(
                Delivery(hook.url, partial(post_json, hook.url, payload, hook.headers, timeout))
            )
        smtp = self.settings.smtp
        if smtp is not None:
            subject = f"[archivist] {status}: {alert.key} ({alert.severity})"
            text = (
                f"{alert.message}\n\nrun: {alert.run_id}\nopened: {alert.opened_at.isoformat()}\n"
            )

            def mail() -> None:
                send_mail(
                    smtp.host, smtp.port, smtp.sender, smtp.to, subject, text,
                    starttls=smtp.starttls, username=smtp.username, password=smtp.password,
                    timeout=timeout,
                )  # fmt: skip

            self.notifier.submit(Delivery(f"smtp://{smtp.host}:{smtp.port}", mail))


def _payload(status: str, alert: AlertRecord) -> dict[str, Any]:
    return {
        "status": status,
        "key": alert.key,
        "source": alert.source,
        "monitor": alert.monitor,
        "severity": alert.severity,
        "message": alert.message,
        "run_id": alert.run_id,
        "opened_at": alert.opened_at.isoformat(),
        "resolved_at": alert.resolved_at.isoformat() if alert.resolved_at else None,
        "alert_id": alert.id,
    }
