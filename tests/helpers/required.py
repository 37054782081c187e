"""A tool or service a test needs and this machine lacks: the test is skipped, except
where the run requires it (``.ci/run`` sets ``ARCHIVIST_REQUIRE_SERVICES=1`` and
``ARCHIVIST_REQUIRE_PYWB=1``), where it fails and says what is missing and how to get it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import pytest

SERVICES = "ARCHIVIST_REQUIRE_SERVICES"
PYWB = "ARCHIVIST_REQUIRE_PYWB"


def required(variable: str = SERVICES) -> bool:
    return os.environ.get(variable) == "1"


def missing(reason: str, variable: str = SERVICES, *, module: bool = False) -> NoReturn:
    """Fail (when ``variable`` is 1) or skip (otherwise) for ``reason``."""
    if required(variable):
        pytest.fail(f"{reason} ({variable}=1 requires it)", pytrace=False)
    pytest.skip(reason, allow_module_level=module)


CHROMIUM = "/usr/bin/chromium"  # Debian's, as scripts/chromium-env installs it


def chromium() -> str:
    """Headless Chromium's path, for the console's browser tests."""
    if not Path(CHROMIUM).exists():
        missing(f"{CHROMIUM} is missing: run scripts/chromium-env")
    return CHROMIUM
