"""``archivist``: one click group, its commands in one module per audience.

- ``archivists``: demo, crawl, schedule validate|list, scheduler;
- ``backfill``: backfill (from other web archives);
- ``operators``: runs, run show, monitors, serve;
- ``workers``: worker (and the distributed run behind ``crawl --distributed``);
- ``researchers``: articles, export, history, reposts, changes;
- ``replay``: captures, show, replay, wacz;
- ``evidence``: evidence URL, evidence verify (signed bundles of an article);
- ``warcs``: verify, index, extract.

Every command reads the environment through ``_env``. Commands stay thin: the work is
in the crawler's rooms and in ``archive``.
"""

from __future__ import annotations

import logging
import os
import sys

import click
from sqlalchemy.exc import SQLAlchemyError

from archive.errors import ArchiveError
from crawler.cli import (
    archivists,
    backfill,
    evidence,
    operators,
    replay,
    researchers,
    warcs,
    workers,
)
from crawler.errors import CrawlerError

__all__ = ["main"]


class _OneLineErrors(click.Group):
    """Every failure a user can meet is one line naming the thing and what to do, and
    exit 1: a store, a file, a source, a package; never a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except BrokenPipeError:  # the reader went away (`| head`): stop quietly, as cat does
            _quiet_stdout()
            raise click.exceptions.Exit(141) from None  # 128 + SIGPIPE, as a shell reports
        except (ArchiveError, CrawlerError) as exc:
            raise click.ClickException(_first_line(exc)) from exc
        except SQLAlchemyError as exc:
            raise click.ClickException(
                f"the records database failed: {_first_line(exc)} (is it running, reachable "
                "and not locked by another program? ARCHIVIST_STORE_URL says which it is)"
            ) from exc
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            raise click.ClickException(
                f"{where}{exc.strerror or exc} (check that the path exists, is writable, "
                "and that its disk has room)"
            ) from exc


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush of it does not fail too."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


@click.group(cls=_OneLineErrors)
@click.version_option(package_name="archivist")
def main() -> None:
    """archivist: an archiving crawler for news sites and the blogs that repost them."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


for _command in (
    archivists.demo,
    archivists.crawl,
    backfill.backfill_command,
    archivists.schedule_group,
    archivists.scheduler_command,
    operators.runs_command,
    operators.run_group,
    operators.monitors_command,
    operators.serve_command,
    workers.worker_command,
    researchers.articles_command,
    researchers.export_command,
    researchers.history_command,
    researchers.reposts_command,
    researchers.changes_command,
    replay.captures_command,
    replay.show_command,
    replay.replay_command,
    replay.wacz_command,
    evidence.evidence_group,
    warcs.verify_command,
    warcs.index_command,
    warcs.extract_command,
):
    main.add_command(_command)
