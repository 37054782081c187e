"""crawler: everything that fetches, and the operation of fetching."""

from __future__ import annotations

import os as _os

__version__ = "0.1.0"

# Bundled public-suffix data only (tldextract's snapshot, used by Scrapy's cookies and by
# surt): without this, the first look-up fetches the list from publicsuffix.org, a
# request nobody asked for (and, offline, a traceback in every crawl's log). Set the
# variable to a URL or file to use another list.
_os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
