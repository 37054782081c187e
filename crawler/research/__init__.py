"""Research: export, histories, WACZ packages, replay with pywb, rebuilding the records."""

from __future__ import annotations
