"""Researchers' commands over a real store (SQLite and PostgreSQL, the ``store`` fixture)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner

from crawler.cli import main

if TYPE_CHECKING:
    from collections.abc import Callable

    from click.testing import Result


@pytest.fixture
def cli(store_url, tmp_path) -> Callable[..., Result]:
    """``archivist ARGS`` on the test's store; ``color=True`` keeps a terminal's styles."""
    env = {"ARCHIVIST_STORE_URL": store_url, "ARCHIVIST_HOME": str(tmp_path / "home")}

    def run(*args: str, color: bool = False, **more_env: str) -> Result:
        result = CliRunner().invoke(main, list(args), env={**env, **more_env}, color=color)
        assert result.exit_code in {0, 1, 2}, result.output  # 2: a usage error
        return result

    return run
