"""The store's ``alerts`` table: one row per incident a monitor opened.

An incident is keyed by ``<source>/<monitor>``: it opens when a monitor's finding first
appears, stays open (its message and run refreshed) while the finding holds, and is
resolved when the finding is gone. At most one incident per key is open at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime  # noqa: TC003 - SQLAlchemy reads Mapped[datetime] at run time
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import Index, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from archive.store._schema import Base, StoreError, UTCDateTime

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.engine import Engine

__all__ = ["AlertRecord", "AlertRow", "AlertsMixin"]

T = TypeVar("T")


class AlertRow(Base):
    """One incident (since 0003); ``resolved_at`` is None while it is open."""

    __tablename__ = "alerts"
    __table_args__ = (Index(None, "key", "resolved_at"), Index(None, "source"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(200))
    monitor: Mapped[str] = mapped_column(String(100))
    severity: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text)
    run_id: Mapped[str | None] = mapped_column(String(200))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


@dataclass(frozen=True, slots=True)
class AlertRecord:
    """One incident as the ``alerts`` table holds it."""

    id: int
    key: str
    source: str
    monitor: str
    severity: str
    message: str
    run_id: str | None
    opened_at: datetime
    last_seen_at: datetime
    resolved_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


def _alert(row: AlertRow) -> AlertRecord:
    return AlertRecord(
        id=row.id,
        key=row.key,
        source=row.source,
        monitor=row.monitor,
        severity=row.severity,
        message=row.message,
        run_id=row.run_id,
        opened_at=row.opened_at,
        last_seen_at=row.last_seen_at,
        resolved_at=row.resolved_at,
    )


class AlertsMixin:
    """``Store``'s helpers over the ``alerts`` table."""

    engine: Engine
    shown_url: str

    def _write(self, work: Callable[[Session], T]) -> T:  # pragma: no cover - Store's
        raise NotImplementedError

    def open_alert(  # noqa: PLR0917 - an incident's fields, in order
        self,
        key: str,
        source: str,
        monitor: str,
        severity: str,
        message: str,
        run_id: str | None,
        at: datetime,
    ) -> tuple[AlertRecord, bool]:
        """The open incident of ``key``, refreshed; a new one if none is open.

        Returns the incident and whether it was opened now (the caller notifies once).
        """

        def work(session: Session) -> tuple[AlertRecord, bool]:
            row = session.scalar(
                select(AlertRow).filter_by(key=key, resolved_at=None).with_for_update()
            )
            opened = row is None
            if row is None:
                row = AlertRow(key=key, source=source, monitor=monitor, opened_at=at)
                session.add(row)
            row.severity, row.message, row.run_id, row.last_seen_at = severity, message, run_id, at
            session.flush()
            return _alert(row), opened

        return self._write(work)

    def resolve_alert(self, alert_id: int, at: datetime) -> AlertRecord:
        """Close an incident; closing a closed one changes nothing."""

        def work(session: Session) -> AlertRecord:
            row = session.get(AlertRow, alert_id, with_for_update=True)
            if row is None:
                raise StoreError(self.shown_url, f"it has no alert {alert_id}")
            if row.resolved_at is None:
                row.resolved_at = at
            session.flush()
            return _alert(row)

        return self._write(work)

    def alerts(
        self, source: str | None = None, *, open_only: bool = False, limit: int | None = None
    ) -> list[AlertRecord]:
        """Incidents, the latest opened first; ``open_only`` keeps the unresolved ones."""
        statement = select(AlertRow)
        if source is not None:
            statement = statement.where(AlertRow.source == source)
        if open_only:
            statement = statement.where(AlertRow.resolved_at.is_(None))
        statement = statement.order_by(AlertRow.opened_at.desc(), AlertRow.id.desc()).limit(limit)
        with Session(self.engine) as session:
            return [_alert(row) for row in session.scalars(statement)]
