"""The house as docs/architecture.md draws it: which room may import which, no import
cycle, small modules, and nothing at crawler/'s top but Scrapy's project level."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from tests.helpers import REPO_ROOT

if TYPE_CHECKING:
    from pathlib import Path

PACKAGES = ("archive", "crawler")

# Room -> the rooms it may import (docs/architecture.md, "Who imports whom"). A room is a
# subpackage; "archive" and "crawler" are the modules at each package's top.
MAY_IMPORT: dict[str, set[str]] = {
    "archive": {"archive.warc"},  # archive/__init__.py re-exports the writer and records
    "archive.warc": {"archive"},
    "archive.text": {"archive"},
    "archive.store": {"archive", "archive.text", "archive.warc"},
    "crawler": {"archive", "archive.warc", "crawler.cluster", "crawler.extensions", "crawler.middlewares",
                "crawler.pipelines"},  # the add-on switches the components on
    "crawler.sites": {"crawler"},
    "crawler.sources": {"crawler"},
    "crawler.spiders": {"archive", "archive.store", "crawler", "crawler.extensions",
                        "crawler.runs", "crawler.sites", "crawler.sources"},
    "crawler.middlewares": {"archive.store", "archive.warc", "crawler", "crawler.extensions"},
    "crawler.extensions": {"archive", "archive.store", "archive.warc", "crawler",
                           "crawler.middlewares", "crawler.spiders"},
    "crawler.pipelines": {"archive", "archive.store", "archive.text", "crawler",
                          "crawler.extensions"},
    "crawler.runs": {"archive", "archive.store", "archive.warc", "crawler",
                     "crawler.monitoring", "crawler.research", "crawler.sites", "crawler.sources"},
    "crawler.cluster": {"archive.store", "archive.warc", "crawler", "crawler.runs", "crawler.sources"},
    "crawler.monitoring": {"archive.store", "crawler", "crawler.sources"},
    "crawler.research": {"archive.store", "archive.text", "archive.warc", "crawler",
                         "crawler.sites", "crawler.sources"},
    "crawler.console": {"archive.store", "crawler", "crawler.monitoring", "crawler.runs",
                        "crawler.sources"},
    "crawler.demo": {"archive.store", "crawler", "crawler.runs", "crawler.sources"},
    "crawler.backfill": {"archive", "archive.store", "archive.text", "archive.warc", "crawler",
                         "crawler.runs", "crawler.sites", "crawler.sources"},
    "crawler.cli": {"archive", "archive.store", "archive.text", "archive.warc", "crawler",
                    "crawler.backfill", "crawler.cluster", "crawler.console", "crawler.demo",
                    "crawler.monitoring",
                    "crawler.research", "crawler.runs", "crawler.sources"},
}  # fmt: skip

# Scrapy's project level (and the two tables beside it): all that may sit at crawler/'s top.
CRAWLER_TOP = {"__init__", "settings", "default_settings", "addon", "items", "downloader", "handler",
               "stats", "errors"}  # fmt: skip

MAX_LINES = 400


def _modules():
    for package in PACKAGES:
        for path in sorted((REPO_ROOT / package).rglob("*.py")):
            name = ".".join(path.relative_to(REPO_ROOT).with_suffix("").parts)
            yield name.removesuffix(".__init__"), path


def _room(module: str) -> str:
    parts = module.split(".")
    if len(parts) > 1 and (REPO_ROOT / parts[0] / parts[1]).is_dir():
        return ".".join(parts[:2])
    return parts[0]


def _imports(path: Path, *, typing_too: bool) -> set[str]:
    """The project modules ``path`` imports (those under ``if TYPE_CHECKING`` if asked)."""
    found: set[str] = set()

    def visit(node: ast.AST, typing_only: bool) -> None:
        for child in ast.iter_child_nodes(node):
            guarded = typing_only or (
                isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test)
            )
            if not typing_too and guarded:
                continue
            if isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                found.update(f"{child.module}.{a.name}" for a in child.names)
                found.add(child.module)
            elif isinstance(child, ast.Import):
                found.update(a.name for a in child.names)
            visit(child, guarded)

    visit(ast.parse(path.read_text(encoding="utf-8")), False)
    return {name for name in found if name.split(".")[0] in PACKAGES}


def test_each_room_imports_only_the_rooms_it_may():
    modules = dict(_modules())
    wrong = sorted(
        f"{name} imports {target}"
        for name, path in modules.items()
        for target in _imports(path, typing_too=True)
        if target in modules
        and _room(target) != _room(name)
        and _room(target) not in MAY_IMPORT[_room(name)]
    )
    assert wrong == []
    assert set(MAY_IMPORT) == {_room(name) for name in modules}  # every room has its rule


def test_no_import_cycle_at_run_time():
    modules = dict(_modules())
    # A package's own __init__ is already running when its submodules import from it.
    graph = {
        name: {
            t
            for t in _imports(path, typing_too=False)
            if t in modules and t != name and not name.startswith(f"{t}.")
        }
        for name, path in modules.items()
    }
    done: set[str] = set()
    cycles: list[list[str]] = []

    def walk(name: str, path: list[str]) -> None:
        if name in path:
            cycles.append([*path[path.index(name) :], name])
            return
        if name in done:
            return
        for target in sorted(graph[name]):
            walk(target, [*path, name])
        done.add(name)

    for name in sorted(graph):
        walk(name, [])
    assert cycles == []


def test_modules_are_small():
    long = sorted(
        f"{name}: {n} lines"
        for name, path in _modules()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    )
    assert long == []


def test_nothing_at_the_top_of_crawler_but_scrapys_project_level():
    top = {p.stem for p in (REPO_ROOT / "crawler").glob("*.py")}
    assert top - CRAWLER_TOP == set()
