"""Every setting archivist defines, with its default: the one table (as Scrapy's
``scrapy/settings/default_settings.py`` is for Scrapy's).

``ArchivistAddon`` loads this module at the ``"default"`` priority, so
``crawler/settings.py`` (the project, which fills some from the environment), a spider
(a source's declarations, ``crawler.spiders.base.apply_source``) and ``-s NAME=VALUE``
all win over it. Components read these names with Scrapy's typed getters and no
fallback of their own. Scrapy's own settings keep Scrapy's defaults.
"""

from __future__ import annotations

from typing import Any

# -- where things are -----------------------------------------------------------------------
ARCHIVIST_HOME = "data"
"""The data folder: collections/, logs/, the SQLite records database."""
SOURCES_DIR = "schedules"
"""The folder of source files (``-a source=NAME`` looks there)."""
STORE_URL: str | None = None
"""The records database's SQLAlchemy URL; None: SQLite at ``<ARCHIVIST_HOME>/archivist.db``."""

# -- the network ----------------------------------------------------------------------------
ROUTE_PROXIES: dict[str, str] = {}
"""Host -> proxy URL: reserved hosts (the demo world's ``.test``) routed to a local server."""
NETWORK_LOOPBACK_ONLY = False
"""Refuse every connection that would leave loopback (tests, the demo)."""
NETWORK_GUARD = True
"""Refuse connections to private, loopback, link-local, multicast and reserved addresses."""
NETWORK_ALLOW_PRIVATE: list[str] = []
"""Hosts and networks (CIDR) the guard lets through: a source's ``allow_private``."""

DOWNLOAD_MAX_HEADER_SIZE = 256 * 1024
"""Bytes a response's header section may take (Chrome's bound); over it, the response fails."""
DECOMPRESSION_MAXSIZE = 16 * 1024 * 1024
"""Bytes a compressed body may inflate to for the spider (the raw bytes are archived):
no reader needs more (DISCOVERY_MAX_PAGE_BYTES, DISCOVERY_MAX_LIST_BYTES)."""

# -- discovery (crawler.spiders) ------------------------------------------------------------
DISCOVERY_MAX_PAGE_LINKS = 6000
"""Links (and, apart, requisites) read from one page; 0: all (Heritrix's maxOutlinks)."""
DISCOVERY_MAX_PAGE_BYTES = 2 * 1024 * 1024
"""Bytes of a page parsed for links; a longer page is archived whole, not extracted. A
parsed tree costs up to 50 times the page's bytes (measured: 100 MB for 4 MiB of dense
markup)."""
DISCOVERY_MAX_LIST_LINKS = 50_000
"""Entries read from one feed or sitemap; 0: all (the sitemaps protocol's own limit)."""
DISCOVERY_MAX_LIST_BYTES = 16 * 1024 * 1024
"""Bytes past which a feed or sitemap is archived but not read; 0: no bound. A sitemap
of the protocol's 50,000 URLs with dates is about 6 MB."""

# -- capture into WARC (crawler.extensions.capture) -----------------------------------------
ARCHIVE_ENABLED = True
ARCHIVE_EXACT = True
"""Records hold each exchange's bytes as they crossed the connection (crawler.handler's
tap): header case, order and repeats, chunk framing, the server's status line."""
ARCHIVE_COLLECTION: str | None = None
"""The pywb collection written to; None: the spider's name."""
ARCHIVE_PREFIX: str | None = None
"""WARC file names' prefix; None: the collection's name."""
ARCHIVE_INFO: dict[str, Any] = {}
"""Extra ``warcinfo`` fields (operator, source, run id)."""
ARCHIVE_MAX_SIZE = 1_000_000_000
"""Bytes after which a WARC file is closed and the next one opened."""
ARCHIVE_GZIP_LEVEL = 6
ARCHIVE_WARC_VERSION = "1.1"
ARCHIVE_INDEX = True
"""Index each WARC file (CDXJ) as it closes, merged into index.cdxj at the end."""
ARCHIVE_RECORD_CAPTURES = True
"""Record each capture in the store (the digest index, recrawls, removals)."""
ARCHIVE_DEDUPE = "collection"
"""Where an identical payload makes a revisit: ``collection``, ``all`` or ``off``."""

# -- extraction (crawler.pipelines.extract) -------------------------------------------------
EXTRACT_ENABLED = True
EXTRACT_WORKERS = 0
"""Extraction processes; 0: one per CPU core, 1 to 4."""

# -- recrawls (crawler.middlewares.recrawl, crawler.spiders.sweep) --------------------------
RECRAWL_CONDITIONAL = True
"""Send If-None-Match / If-Modified-Since from a URL's last capture."""
RECRAWL_SWEEP = "auto"
"""``auto`` (by the source's recrawl settings), ``full`` or ``incremental``."""
RESUME_RUN: str | None = None
"""A run cut short, resumed: its captures are served from its WARCs, not fetched again."""

# -- manners and budgets (crawler.middlewares.politeness, crawler.extensions) ---------------
POLITENESS_MAX_RETRY_AFTER = 600.0
"""Seconds of Retry-After a host may ask for before it is given up for the crawl."""
POLITENESS_MAX_CRAWL_DELAY = 60.0
"""The most of robots.txt's Crawl-delay honoured, in seconds; 0: ignore it."""
ARCHIVIST_MAX_PAGES = 0
"""Pages (not requisites) after which the crawl closes; 0: no limit."""

# -- a worker of a distributed run (crawler.cluster) --------------------------------------
CLUSTER_RUN: str | None = None
"""The distributed run this crawl works for; None: a local crawl (the default)."""
CLUSTER_REDIS_URL = "redis://127.0.0.1:6379/0"
"""Redis, where the run's frontier, seen-set, leases and per-host manners live."""
CLUSTER_PREFIX = "archivist"
"""The first part of every Redis key archivist writes."""
CLUSTER_WORKER: str | None = None
"""This worker's name; None: ``<host>-<pid>``."""
CLUSTER_HEARTBEAT = 1.0
"""Seconds between a worker's heartbeats (and stats published to Redis)."""
CLUSTER_WORKER_TTL = 10.0
"""Seconds without a heartbeat after which a worker is dead and its leases go back."""

# -- the run's figures (crawler.stats) ------------------------------------------------------
STATS_FILE: str | None = None
"""Where the stats collector writes the run's figures as JSON; None: nowhere."""
STATS_FILE_INTERVAL = 5.0
"""Seconds between live writes of that file."""
FAILURES_LISTED = 100
"""Failing URLs of each error kind listed, with their log lines (crawler.middlewares.failures);
the rest are counted."""
