"""A real RFC 3161 timestamp authority on 127.0.0.1 for tests: OpenSSL's own TSA
(``openssl ts -reply``) behind a small HTTP server, signing with a certificate the test
made (``tests/helpers/certs.py``). Its replies carry only the TSA's own certificate (no
``certs`` chain: rfc3161-client wants a DER-sorted SET, which OpenSSL does not promise). Skips (or fails, where required) without openssl."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Self

from tests.helpers.required import missing

if TYPE_CHECKING:
    from types import TracebackType

    from tests.helpers.certs import Issued

_CONFIG = """\
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
dir = {dir}
serial = $dir/serial
signer_cert = {cert}
signer_key = {key}
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


class LoopbackTsa:
    """``with LoopbackTsa(issued) as tsa: tsa.url`` answers timestamp queries."""

    def __init__(self, issued: Issued) -> None:
        self.openssl = shutil.which("openssl")
        if self.openssl is None:
            missing("openssl is missing (apt-get install openssl): no loopback TSA")
        self.folder = Path(tempfile.mkdtemp(prefix="archivist-tsa-"))
        (self.folder / "serial").write_text("01\n")
        self.config = self.folder / "tsa.cnf"
        self.config.write_text(
            _CONFIG.format(
                dir=self.folder,
                cert=issued.cert_path,
                key=issued.key_path,
            )
        )
        self.requests = 0

    def reply(self, query: bytes) -> bytes:
        self.requests += 1
        asked, answer = self.folder / "query.tsq", self.folder / "reply.tsr"
        asked.write_bytes(query)
        assert self.openssl is not None
        subprocess.run(
            [
                self.openssl,
                "ts",
                "-reply",
                "-config",
                str(self.config),
                "-queryfile",
                str(asked),
                "-out",
                str(answer),
            ],
            check=True,
            capture_output=True,
            timeout=30,
        )
        return answer.read_bytes()

    def __enter__(self) -> Self:
        tsa = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                query = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                body = tsa.reply(query)
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, fmt: str, *args: object) -> None:  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.server.shutdown()
        self.server.server_close()
        shutil.rmtree(self.folder, ignore_errors=True)
