"""A deterministic demo web (a news site, two Blogger blogs, two WordPress blogs) on loopback.

``World`` generates the sites; ``DemoServer`` serves them as an HTTP proxy and as an
origin server, for tests, ``archivist demo`` and the benchmark.
"""

from __future__ import annotations

from crawler.demo.server import DemoServer, LogEntry
from crawler.demo.world import World

__all__ = ["DemoServer", "LogEntry", "World"]
