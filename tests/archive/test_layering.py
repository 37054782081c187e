"""archive/ stands alone, and exports exactly its public names."""

from __future__ import annotations

import ast
import subprocess
import sys
import types

import archive
from tests.helpers import REPO_ROOT

FORBIDDEN = {"scrapy", "twisted", "crawler"}


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


def test_no_archive_file_names_scrapy_twisted_or_crawler_in_an_import():
    # Statically, every file: the migrations too, which only Alembic imports, and imports
    # inside functions or under TYPE_CHECKING, which importing the modules does not run.
    files = sorted((REPO_ROOT / "archive").rglob("*.py"))
    assert any("migrations" in f.parts for f in files)
    wrong = []
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom) and node.level == 0
                else []
            )
            wrong += [
                f"{path.relative_to(REPO_ROOT)}: {n}" for n in names if n.split(".")[0] in FORBIDDEN
            ]
    assert wrong == []


def test_all_lists_the_public_members():
    public = {
        name
        for name in dir(archive)
        if not name.startswith("_") and not isinstance(getattr(archive, name), types.ModuleType)
    }
    assert set(archive.__all__) == public - {"annotations"}
