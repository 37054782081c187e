"""Read-only commands on a read-only data folder (a read-only mount, as an archive copied
to a shared drive or a snapshot is): they read it as it is, and write nothing.

The folder is made read-only by a read-only bind mount in a mount namespace of the test's
own (``unshare -m``), since file modes do not stop root; where that is not allowed the
tests skip, or fail with ARCHIVIST_REQUIRE_SERVICES=1 (CI).
"""

from __future__ import annotations

import os
import shlex
import sqlite3
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, text

from archive.store import Store
from tests.helpers.records import add_article, sample_article
from tests.helpers.required import missing

ARCHIVIST = str(Path(sys.executable).with_name("archivist"))
URL = "http://news.test/a/1"


def _read_only(home: Path, *commands: str) -> list[subprocess.CompletedProcess[str]]:
    """Each ``archivist`` command run with ``home`` mounted read-only."""
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        missing(f"cannot make a read-only mount here (unshare -m: {probe.stderr.strip()})")
    results = []
    for command in commands:
        script = (
            f"mount --bind {home} {home} && mount -o remount,bind,ro {home} && "
            f"{ARCHIVIST} {command}"
        )
        env = {**os.environ, "ARCHIVIST_HOME": str(home), "ARCHIVIST_STORE_URL": ""}
        results.append(
            subprocess.run(
                ["unshare", "-m", "sh", "-c", script],
                capture_output=True,
                text=True,
                env=env,
                timeout=120,
                check=False,
            )
        )
    return results


def _home(tmp_path: Path) -> Path:
    home = tmp_path / "data"
    home.mkdir()
    with Store.for_home(home) as store:
        add_article(store, 1, sample_article(URL))
    return home


def test_read_only_commands_read_a_read_only_folder(tmp_path):
    home = _home(tmp_path)
    out = tmp_path / "out.csv"
    runs, articles, history, export = _read_only(
        home, "runs", "articles", f"history {URL}", f"export -o {shlex.quote(str(out))}"
    )
    for result in (runs, articles, history, export):
        assert result.returncode == 0, result.stdout + result.stderr
        assert "Traceback" not in result.stderr
    assert "Trương Tấn Sang" in articles.stdout
    assert "1 article" in export.stdout
    assert URL in out.read_text(encoding="utf-8")
    assert sorted(p.name for p in home.iterdir()) == ["archivist.db"]  # nothing written


def test_a_database_a_writer_left_open_is_read_with_its_journal(tmp_path):
    home = _home(tmp_path)
    writer = sqlite3.connect(home / "archivist.db", isolation_level=None)
    writer.execute("PRAGMA wal_autocheckpoint = 0")  # what it writes stays in -wal
    writer.execute("UPDATE article_versions SET title = 'Sửa lại sau khi đăng'")
    try:
        assert (home / "archivist.db-wal").stat().st_size > 0
        (articles,) = _read_only(home, "articles")
    finally:
        writer.close()
    assert articles.returncode == 0, articles.stderr
    assert "Sửa lại sau khi đăng" in articles.stdout


def test_a_read_only_database_of_an_older_schema_is_one_line(tmp_path):
    home = _home(tmp_path)
    engine = create_engine(f"sqlite:///{home / 'archivist.db'}")
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0006'"))
    engine.dispose()
    (runs,) = _read_only(home, "runs")
    assert runs.returncode == 1
    assert "Traceback" not in runs.stderr
    (line,) = [x for x in runs.stderr.splitlines() if x.startswith("Error: ")]
    assert "read-only, at schema revision 0006" in line
    assert "open it once with write access" in line
