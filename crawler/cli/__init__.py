"""``archivist``: one click group, its commands in one module per audience.

- ``archivists``: demo, crawl, schedule validate|list, scheduler;
- ``operators``: runs, run show, monitors, serve;
- ``researchers``: articles, export, history, reposts, changes;
- ``replay``: captures, show, replay, wacz;
- ``warcs``: verify, index, extract.

Every command reads the environment through ``_env``. Commands stay thin: the work is
in the crawler's rooms and in ``archive``.
"""

from __future__ import annotations

import logging

import click

from crawler.cli import archivists, operators, replay, researchers, warcs

__all__ = ["main"]


@click.group()
@click.version_option(package_name="archivist")
def main() -> None:
    """archivist: an archiving crawler for news sites and the blogs that repost them."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


for _command in (
    archivists.demo,
    archivists.crawl,
    archivists.schedule_group,
    archivists.scheduler_command,
    operators.runs_command,
    operators.run_group,
    operators.monitors_command,
    operators.serve_command,
    researchers.articles_command,
    researchers.export_command,
    researchers.history_command,
    researchers.reposts_command,
    researchers.changes_command,
    replay.captures_command,
    replay.show_command,
    replay.replay_command,
    replay.wacz_command,
    warcs.verify_command,
    warcs.index_command,
    warcs.extract_command,
):
    main.add_command(_command)
