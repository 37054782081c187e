"""Real Redis on 127.0.0.1 for the distributed runs' tests: each test under its own key
prefix, every key of it deleted afterwards; skipped (failed in CI) where Redis is absent."""

from __future__ import annotations

import os
import secrets
from typing import TYPE_CHECKING

import redis

from tests.helpers.required import missing

if TYPE_CHECKING:
    from collections.abc import Iterator

REDIS_URL = os.environ.get("ARCHIVIST_TEST_REDIS_URL") or "redis://127.0.0.1:6379/0"


def fresh_prefix() -> Iterator[str]:
    """A fresh key prefix on a reachable Redis; its keys are deleted afterwards."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError as exc:
        client.close()
        missing(f"Redis at {REDIS_URL} is unreachable: {exc}")
    prefix = f"test-{secrets.token_hex(4)}"
    try:
        yield prefix
    finally:
        for key in client.scan_iter(match=f"{prefix}:*", count=1000):
            client.delete(key)
        client.close()
