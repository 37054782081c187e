"""What the crawler knows of sites: their family (Blogger, WordPress, news), where each
family lists its posts, which URLs are articles, and which URLs are variants or traps.

Pure functions over URLs and bytes (no Scrapy), shared by the spiders and ``archivist extract``.
"""

from __future__ import annotations
