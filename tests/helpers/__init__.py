"""What the tests share besides fixtures (those are in ``tests/conftest.py``).

- ``crawls``: source files, crawls of the demo world as child processes, WARC readers;
- ``console_fixtures``: the console tests' data;
- ``pywb_harness``: pywb in its own venv, against a WARC tree;
- ``slow_open``: a pipeline that is slow to open, loaded by crawls under test.
"""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
"""The checkout: where ``schedules/``, ``scripts/`` and ``pyproject.toml`` are."""
