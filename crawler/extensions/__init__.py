"""Extensions: capture into WARC, and the run's figures."""

from __future__ import annotations

from crawler.extensions.capture import WarcCaptureExtension

__all__ = ["WarcCaptureExtension"]
