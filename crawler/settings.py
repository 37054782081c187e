"""Archival defaults for Scrapy (values only).

The only place, with the CLI, that reads the environment:
- ``ARCHIVIST_HOME``: the data folder (default ``./data``);
- ``ARCHIVIST_SOURCES``: the folder of source files (default ``./schedules``);
- ``ARCHIVIST_ROUTE_PROXIES``: JSON for ``ROUTE_PROXIES`` (``archivist demo serve``
  prints it);
- ``ARCHIVIST_STORE_URL``: the records database (default: SQLite in ``ARCHIVIST_HOME``);
- ``ARCHIVIST_REDIS_URL``, ``ARCHIVIST_REDIS_PREFIX``: a distributed run's Redis and key
  prefix (``CLUSTER_REDIS_URL``, ``CLUSTER_PREFIX``).
"""

from __future__ import annotations

import json
import os

BOT_NAME = "archivist"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
ADDONS = {"crawler.addon.ArchivistAddon": 0}

ARCHIVIST_HOME = os.environ.get("ARCHIVIST_HOME") or "data"
SOURCES_DIR = os.environ.get("ARCHIVIST_SOURCES") or "schedules"
ROUTE_PROXIES = json.loads(os.environ.get("ARCHIVIST_ROUTE_PROXIES") or "{}")
STORE_URL = os.environ.get("ARCHIVIST_STORE_URL") or None
CLUSTER_REDIS_URL = os.environ.get("ARCHIVIST_REDIS_URL") or "redis://127.0.0.1:6379/0"
CLUSTER_PREFIX = os.environ.get("ARCHIVIST_REDIS_PREFIX") or "archivist"
NETWORK_LOOPBACK_ONLY = os.environ.get("ARCHIVIST_LOOPBACK_ONLY", "") not in {"", "0"}

# Every host name's address is judged before a connection (crawler/middlewares/network.py).
TWISTED_DNS_RESOLVER = "crawler.middlewares.network.GuardedResolver"

# An archive obeys robots.txt unless a source says otherwise.
ROBOTSTXT_OBEY = True
# Scrapy 2.19 opens a telnet console and a remote-control HTTP server by default:
# an unattended crawler must not listen on ports nobody asked for.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

STATS_CLASS = "crawler.stats.JsonFileStatsCollector"
LOG_LEVEL = "INFO"
# Scrapy starts CONCURRENT_ITEMS asyncio tasks for the output of every response, even
# an image's empty one: at the default 100 that was a quarter of the crawl's CPU in
# tests/benchmarks. Callbacks here yield requests, which need no parallelism.
CONCURRENT_ITEMS = 16
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 8
DOWNLOAD_TIMEOUT = 60
# A body longer than this is kept up to it and marked WARC-Truncated: length
# (crawler/handler.py); Scrapy's 1 GiB would be held in memory whole.
DOWNLOAD_MAXSIZE = 64 * 1024 * 1024
# A crawl that archives keeps error pages too; redirects are followed hop by hop.
HTTPERROR_ALLOW_ALL = False
REDIRECT_MAX_TIMES = 10
# Every response that arrived is archived, one cut short too (fewer bytes than its
# Content-Length): Scrapy's default drops it. The capture marks it WARC-Truncated, and the
# spider extracts no article from it.
DOWNLOAD_FAIL_ON_DATALOSS = False
