"""Item pipelines: extraction hand-off (a process pool) and records."""

from __future__ import annotations

from crawler.pipelines.extract import ExtractPipeline

__all__ = ["ExtractPipeline"]
