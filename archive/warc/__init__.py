"""WARC files: writing, records, reading, recovery, verification and CDXJ indexing.

Imports nothing else of ``archive`` but ``archive.errors``.
"""

from __future__ import annotations
