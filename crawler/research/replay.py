"""Replay with pywb, which runs from an environment of its own.

pywb pins old libraries (werkzeug, redis, gevent, brotlipy), so it never enters the
project's environment: ``scripts/pywb-env`` builds ``.venv-pywb`` beside the checkout
(or at ``ARCHIVIST_PYWB_VENV``) with a pinned, tested set, on first use. ``wayback``
then serves the data folder as it is (pywb's collection layout), reading the CDXJ
indexes the crawls wrote (``archive.warc.cdxj``); nothing is re-indexed unless a collection
has no index at all.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from archive.warc.cdxj import merge_indexes, reindex_collection
from crawler.errors import ReplayError

__all__ = [
    "CHECKOUT",
    "ReplayError",
    "ensure_pywb",
    "prepare_indexes",
    "pywb_venv",
    "wayback_command",
]

CHECKOUT = Path(__file__).resolve().parent.parent
MARKER = ".archivist-pywb"


def pywb_venv() -> Path:
    override = os.environ.get("ARCHIVIST_PYWB_VENV")
    return Path(override) if override else CHECKOUT / ".venv-pywb"


def ensure_pywb() -> Path:
    """The ``wayback`` executable, building pywb's environment first if it is missing."""
    venv = pywb_venv()
    wayback = venv / "bin" / "wayback"
    if (venv / MARKER).is_file() and os.access(wayback, os.X_OK):
        return wayback
    script = CHECKOUT / "scripts" / "pywb-env"
    if not script.is_file():
        raise ReplayError(
            f"pywb is not installed at {venv}: set ARCHIVIST_PYWB_VENV to a venv with "
            "pywb 2.10 (python -m venv X && X/bin/pip install pywb==2.10.0)"
        )
    done = subprocess.run([str(script)], capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0 or not os.access(wayback, os.X_OK):
        raise ReplayError(f"could not build pywb's environment with {script}:\n{done.stderr}")
    return wayback


@dataclass(frozen=True)
class CollectionIndex:
    name: str
    rebuilt: bool
    merged_files: int


def prepare_indexes(home: Path) -> list[CollectionIndex]:
    """Make every collection's index whole: merge per-file indexes, build missing ones."""
    prepared = []
    for collection in sorted((home / "collections").glob("*/archive")):
        folder = collection.parent
        indexes = folder / "indexes"
        if not list(indexes.glob("*.cdxj")):
            reindex_collection(folder)
            prepared.append(CollectionIndex(folder.name, rebuilt=True, merged_files=0))
        else:
            prepared.append(CollectionIndex(folder.name, False, merge_indexes(indexes)))
    return prepared


def wayback_command(wayback: Path, port: int, bind: str) -> tuple[list[str], dict[str, str]]:
    """The command and environment that serve the current folder with pywb."""
    # pywb's front end talks HTTP to its own warcserver on localhost with requests,
    # which honours *_proxy variables; PYTHON* and VIRTUAL_ENV would point pywb's
    # interpreter at the project's packages.
    env = {
        key: value
        for key, value in os.environ.items()
        if not (key.startswith("PYTHON") or key == "VIRTUAL_ENV" or key.lower().endswith("_proxy"))
    }
    return [str(wayback), "--bind", bind, "--port", str(port)], env
