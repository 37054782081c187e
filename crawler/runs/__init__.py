"""Runs: one crawl as a child process, its bookkeeping in the store, its live progress,
and the scheduler daemon that starts runs."""

from __future__ import annotations
