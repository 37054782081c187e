"""Alembic's entry point for the records database.

``archive.store`` runs the migrations on its own connection, passed in
``config.attributes["connection"]``; nothing reads an ``alembic.ini``. Offline mode
(``alembic upgrade --sql``) takes the URL from the ``sqlalchemy.url`` option.
Batch mode is on, so ALTERs that SQLite lacks become table copies there.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

config = context.config


def run_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if not isinstance(connection, Connection):
        raise TypeError(
            "archive/store/migrations runs on a connection given by archive.store.Store; "
            "open the store (Store(url)) to migrate the database"
        )
    context.configure(connection=connection, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
