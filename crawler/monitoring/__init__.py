"""Monitoring: monitors over the runs, alerts and their delivery, Prometheus metrics."""

from __future__ import annotations
