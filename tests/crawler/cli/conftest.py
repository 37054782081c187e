"""The small scheduler world (tests/helpers/scheduler_world.py) for these tests."""

from __future__ import annotations

from tests.helpers.scheduler_world import sched_world  # noqa: F401 - a fixture
