"""Downloader middlewares: where requests go, and where they may never go."""

from __future__ import annotations

from crawler.middlewares.routing import LoopbackOnlyMiddleware, RouteProxyMiddleware

__all__ = ["LoopbackOnlyMiddleware", "RouteProxyMiddleware"]
