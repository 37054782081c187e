"""archive/ stands alone, and exports exactly its public names."""

from __future__ import annotations

import subprocess
import sys
import types

import archive


def test_archive_imports_neither_scrapy_nor_twisted_nor_crawler():
    # Every module of archive/, imported in a fresh interpreter.
    code = (
        "import sys, pkgutil, importlib, archive\n"
        "names = [m.name for m in pkgutil.walk_packages(archive.__path__, 'archive.')\n"
        "         if '.migrations' not in m.name]  # Alembic runs those, inside a migration\n"
        "[importlib.import_module(n) for n in names]\n"
        "assert len(names) > 30, names\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in {'scrapy', 'twisted', 'crawler'}]\n"
        "print(bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_all_lists_the_public_members():
    public = {
        name
        for name in dir(archive)
        if not name.startswith("_") and not isinstance(getattr(archive, name), types.ModuleType)
    }
    assert set(archive.__all__) == public - {"annotations"}
