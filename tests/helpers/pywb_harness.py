"""Run pywb (installed in its own venv by ``scripts/pywb-env``) against a WARC tree in tests.

pywb pins old dependencies, so it never runs inside the project's venv: the server is a
child process started with the pywb venv's interpreter. Usage::

    wayback = find_wayback()
    with PywbServer(root, wayback) as pywb:  # root/collections/<coll>/archive/*.warc.gz
        status, headers, body = pywb.fetch("coll", "http://example.test/")

Race-free port: the parent binds a listening socket on 127.0.0.1 port 0 and hands the
file descriptor to the child (``pass_fds``); the child serves pywb's own ``wayback``
application (``pywb.apps.cli.WaybackCli``, exactly what the ``wayback`` script builds)
on that socket with gevent's ``WSGIServer``, as ``wayback`` itself does. ``wayback -p 0``
would bind a free port too, but it never prints which one.

Indexing: as ``archivist replay`` does (``crawler.research.replay.prepare_indexes``), the
indexes the crawl wrote are used: per-file indexes are merged into
``collections/<coll>/indexes/index.cdxj``, and a collection with no index at all is indexed
by archivist's own indexer (``archive.warc.cdxj``); pywb reads ``indexes/*.cdxj``.
``indexer="pywb"`` instead has the child run ``wb-manager reindex <coll>``
(``CollectionsManager.reindex``), pywb's own indexer, over every collection, which replaces
``index.cdxj``. Files under ``archive/`` are only read either way.
"""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import IO, TYPE_CHECKING, Literal, Self

if TYPE_CHECKING:
    from collections.abc import Mapping
    from email.message import Message
    from http.client import HTTPMessage
    from types import TracebackType

from crawler.research.replay import prepare_indexes
from tests.helpers import REPO_ROOT

#: Written by scripts/pywb-env once the install has completed.
MARKER_NAME = ".archivist-pywb"

# Runs in the pywb venv as `python -I -c BOOTSTRAP <listen-fd> <root> <indexer>`, cwd=<root>.
_BOOTSTRAP = r"""
from gevent.monkey import patch_all

patch_all()

import os
import socket
import sys

from gevent.pywsgi import WSGIServer
from pywb.apps.cli import WaybackCli
from pywb.manager.manager import CollectionsManager
from pywb.utils.geventserver import RequestURIWSGIHandler

listen_fd = int(sys.argv[1])
os.chdir(sys.argv[2])
for name in sorted(os.listdir("collections")) if sys.argv[3] == "pywb" else []:
    if os.path.isdir(os.path.join("collections", name, "archive")):
        manager = CollectionsManager(name)
        os.makedirs(manager.indexes_dir, exist_ok=True)
        manager.reindex()

app = WaybackCli(args=[], desc="archivist test wayback").application
listener = socket.socket(fileno=listen_fd)
print("pywb-harness: serving on %s:%d" % listener.getsockname()[:2], file=sys.stderr, flush=True)
WSGIServer(listener, app, handler_class=RequestURIWSGIHandler).serve_forever()
"""


def pywb_venv() -> Path:
    """The pywb venv: ``$ARCHIVIST_PYWB_VENV`` or ``<repo>/.venv-pywb`` (as scripts/pywb-env)."""
    override = os.environ.get("ARCHIVIST_PYWB_VENV")
    return Path(override) if override else REPO_ROOT / ".venv-pywb"


def find_wayback() -> Path | None:
    """The ``wayback`` executable of the pywb venv, if scripts/pywb-env has completed there."""
    venv = pywb_venv()
    wayback = venv / "bin" / "wayback"
    python = venv / "bin" / "python"
    if not (venv / MARKER_NAME).is_file():
        return None
    if not (os.access(wayback, os.X_OK) and os.access(python, os.X_OK)):
        return None
    return wayback


class PywbStartupError(RuntimeError):
    """pywb exited, or did not answer, during startup; the message holds its output."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        return None  # urllib then raises HTTPError carrying the 3xx response


def _opener(*, follow: bool) -> urllib.request.OpenerDirector:
    # An empty ProxyHandler overrides the one urllib builds from *_proxy env vars.
    handlers: list[urllib.request.BaseHandler] = [urllib.request.ProxyHandler({})]
    if not follow:
        handlers.append(_NoRedirect())
    return urllib.request.build_opener(*handlers)


class PywbServer:
    """pywb ``wayback`` serving ``root/collections/*`` on 127.0.0.1, as a context manager."""

    def __init__(
        self,
        root: Path,
        wayback: Path,
        *,
        startup_timeout: float = 60.0,
        indexer: Literal["archivist", "pywb"] = "archivist",
    ) -> None:
        self.root = Path(root).resolve()
        self.wayback = Path(wayback)
        self.startup_timeout = startup_timeout
        self.indexer = indexer
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._port: int | None = None

    @property
    def base_url(self) -> str:
        if self._port is None:
            msg = "PywbServer is not running (use it as a context manager)"
            raise RuntimeError(msg)
        return f"http://127.0.0.1:{self._port}"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def output(self) -> str:
        """Everything pywb wrote to stdout/stderr so far (indexing log, access log, errors)."""
        if self._log is None:
            return ""
        self._log.flush()
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")

    def __enter__(self) -> Self:
        if not (self.root / "collections").is_dir():
            msg = f"{self.root} has no collections/ directory"
            raise FileNotFoundError(msg)
        python = self.wayback.parent / "python"
        # pywb's front end talks HTTP to an in-process warcserver on localhost (requests,
        # which honours *_proxy variables): never let that go through a proxy. PYTHON*
        # and VIRTUAL_ENV would point the pywb interpreter at the project's venv.
        env = {
            k: v
            for k, v in os.environ.items()
            if not (k.startswith("PYTHON") or k == "VIRTUAL_ENV" or k.lower().endswith("_proxy"))
        }
        if self.indexer == "archivist":
            prepare_indexes(self.root)  # as `archivist replay` does
        self._log = tempfile.TemporaryFile()  # closed in _stop()
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
                listener.bind(("127.0.0.1", 0))
                listener.listen(128)
                self._port = listener.getsockname()[1]
                self._proc = subprocess.Popen(
                    [
                        python,
                        "-I",
                        "-c",
                        _BOOTSTRAP,
                        str(listener.fileno()),
                        str(self.root),
                        self.indexer,
                    ],
                    cwd=self.root,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=self._log,
                    stderr=subprocess.STDOUT,
                    pass_fds=(listener.fileno(),),
                )
            # The child holds the listening socket now; connections queue until it serves.
            self._wait_ready()
        except BaseException:
            self._stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop()

    def _wait_ready(self) -> None:
        assert self._proc is not None
        deadline = time.monotonic() + self.startup_timeout
        opener = _opener(follow=False)
        while True:
            code = self._proc.poll()
            if code is not None:
                msg = f"pywb exited with status {code} during startup; its output:\n{self.output()}"
                raise PywbStartupError(msg)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                msg = (
                    f"pywb did not answer on {self.base_url} within {self.startup_timeout}s; "
                    f"its output:\n{self.output()}"
                )
                raise PywbStartupError(msg)
            try:
                with opener.open(self.base_url + "/", timeout=min(1.0, remaining)) as resp:
                    resp.read()
                    return
            except urllib.error.HTTPError as err:
                err.close()
                return  # it answered
            except (urllib.error.URLError, OSError):
                time.sleep(0.05)

    def _stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            if proc.poll() is None:
                proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self._port = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def url_for(self, coll: str, url: str, timestamp: str = "", mode: str = "id_") -> str:
        """``{base_url}/{coll}/{timestamp}{mode}/{url}`` (just ``/{coll}/{url}`` if both empty)."""
        quoted = urllib.parse.quote(url, safe=":/?#[]@!$&'()*+,;=%~")
        prefix = f"{timestamp}{mode}"
        path = f"{coll}/{prefix}/{quoted}" if prefix else f"{coll}/{quoted}"
        return f"{self.base_url}/{path}"

    def fetch(
        self,
        coll: str,
        url: str,
        timestamp: str = "",
        mode: str = "id_",
        *,
        follow: bool = False,
        headers: Mapping[str, str] | None = None,
        timeout: float = 30.0,
    ) -> tuple[int, dict[str, str], bytes]:
        """GET a replay URL: (status, headers with lower-cased names, body bytes).

        Redirects (pywb answers 302 to the closest capture when the timestamp is not exact,
        and replays archived 3xx responses) are returned as they are unless ``follow``.
        urllib sends no Accept-Encoding unless ``headers`` adds one; the body is returned
        exactly as pywb sent it (never decompressed here). Repeated headers are joined by
        ", ".
        """
        request = urllib.request.Request(
            self.url_for(coll, url, timestamp, mode), headers=dict(headers or {})
        )
        try:
            with _opener(follow=follow).open(request, timeout=timeout) as resp:
                return resp.status, _header_dict(resp.headers), resp.read()
        except urllib.error.HTTPError as err:
            with err:
                return err.code, _header_dict(err.headers), err.read()


def _header_dict(message: Message) -> dict[str, str]:
    result: dict[str, str] = {}
    for name, value in message.items():
        key = name.lower()
        result[key] = f"{result[key]}, {value}" if key in result else value
    return result
