"""Sources: the ``schedules/*.yaml`` files, validated (the schema, the schedule, durations
and sizes, the monitors a source tunes)."""

from __future__ import annotations
