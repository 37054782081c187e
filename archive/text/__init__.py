"""Text: raw HTML bytes to the ``Article`` record (decoding and the legacy Vietnamese
encodings, dates, credits, platform chrome, folding for search, passage fingerprints).

Imports nothing else of ``archive`` but ``archive.errors``: it works on bytes, not files.
"""

from __future__ import annotations
