"""One scheduler, many crawl workers: a run's frontier, leases, politeness and figures
shared in Redis (scrapy-redis and the small parts it lacks), records in the store.

``archivist worker`` (``worker.py``) runs crawls of the runs announced in Redis;
``archivist crawl SOURCE --distributed`` (``coordinator.py``) announces one, follows it
and writes its one run row. Inside each crawl, ``addon.enable_cluster`` switches on the
leased scheduler, the shared-manners downloader and the worker extension.
"""

from __future__ import annotations
