"""Backfill: a source's captures that only other web archives kept, brought into its
collection (``archivist backfill``): the index asked (``cdx``), each capture's original
bytes fetched politely (``client``), the original response told apart from the
archive's answer (``original``), the run (``run``)."""

from __future__ import annotations
