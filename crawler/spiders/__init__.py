"""Spiders, one per site family: ``news``, ``blogger``, ``wordpress``."""

from __future__ import annotations
