"""Quantities as archivists write them in source files.

Durations: ``90``, ``500ms``, ``90s``, ``10m``, ``2h``, ``1d``; sizes: ``500000``, ``200KB``, ``2GB``.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

__all__ = ["ByteSize", "Delay", "Duration", "parse_duration", "parse_size"]

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b?|b)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {"": 1, "b": 1, "k": 10**3, "m": 10**6, "g": 10**9, "t": 10**12}


def parse_duration(value: Any) -> Any:
    """Seconds from a number or a string such as '90s', '10m', '2h', '1d'.

    Anything else is returned unchanged for pydantic to refuse with its own message.
    """
    if isinstance(value, str):
        match = _DURATION.match(value)
        if not match:
            raise ValueError(f"{value!r} is not a duration such as 90s, 10m, 2h or 1d")
        return float(match[1]) * _UNITS[match[2] or "s"]
    return value


Duration = Annotated[float, BeforeValidator(parse_duration), Field(gt=0)]
"""A positive number of seconds, written as a number or with a unit."""


Delay = Annotated[float, BeforeValidator(parse_duration), Field(ge=0)]
"""A duration that may be zero (no delay)."""


def parse_size(value: Any) -> Any:
    """Bytes from a number or a string such as '200KB', '2GB' or '1.5GiB'."""
    if isinstance(value, str):
        match = _SIZE.match(value)
        if not match:
            raise ValueError(f"{value!r} is not a size such as 500000, 200KB or 2GB")
        unit = (match[2] or "").lower()
        factor = _SIZE_UNITS[unit[:1]] if unit != "b" else 1
        if "i" in unit:
            factor = 1024 ** {"k": 1, "m": 2, "g": 3, "t": 4}[unit[0]]
        return int(float(match[1]) * factor)
    return value


ByteSize = Annotated[int, BeforeValidator(parse_size), Field(ge=0)]
"""A number of bytes, written as a number or with a unit; 0 is allowed (a limit of 0 is
no limit: ``Limits``)."""
