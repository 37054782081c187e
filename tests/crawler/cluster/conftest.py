"""A fresh Redis key prefix per test (tests/helpers/redis_keys.py)."""

from __future__ import annotations

import pytest

from tests.helpers.redis_keys import fresh_prefix


@pytest.fixture
def redis_prefix():
    yield from fresh_prefix()
