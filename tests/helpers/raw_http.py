"""A raw socket HTTP server on 127.0.0.1 that sends exactly the bytes it is given, and a
spider that fetches a list of URLs one after another through archivist's capture.

The server answers each request on a connection with the bytes prepared for its path,
written in the pieces given (with a short pause between pieces, so the client reads
them in several reads), then closes the connection if the case says so and otherwise
waits for the next request on it. It logs, per request, the connection's number, the
path and the request's bytes as read.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import ssl
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Self

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.helpers import REPO_ROOT

if TYPE_CHECKING:
    from pathlib import Path
    from types import TracebackType


@dataclass(frozen=True)
class Case:
    pieces: tuple[bytes, ...]
    close: bool = False

    @property
    def sent(self) -> bytes:
        return b"".join(self.pieces)


@dataclass
class Seen:
    connection: int
    path: str
    request: bytes


def tls_context(folder: Path) -> ssl.SSLContext:
    """A server context with a fresh self-signed certificate for 127.0.0.1."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return context


@dataclass
class RawServer:
    cases: dict[str, Case]
    log: list[Seen] = field(default_factory=list)
    tls: ssl.SSLContext | None = None

    def __enter__(self) -> Self:
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        self._connections = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._sock.close()
        self._thread.join(5)

    def url(self, path: str) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            self._connections += 1
            threading.Thread(target=self._talk, args=(conn, self._connections), daemon=True).start()

    def _talk(self, conn: socket.socket, number: int) -> None:
        pending = b""
        if self.tls is not None:
            try:
                conn = self.tls.wrap_socket(conn, server_side=True)
            except (ssl.SSLError, OSError):
                conn.close()
                return
        with conn:
            while True:
                while b"\r\n\r\n" not in pending:
                    data = conn.recv(65536)
                    if not data:
                        return
                    pending += data
                head, _, pending = pending.partition(b"\r\n\r\n")
                target = head.split(b" ", 2)[1].decode()
                path = target.split("://", 1)[-1]
                path = path[path.find("/") :] if "://" in target else target
                self.log.append(Seen(number, path, head + b"\r\n\r\n"))
                case = self.cases.get(path) or Case(
                    (b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",), close=True
                )
                for i, piece in enumerate(case.pieces):
                    if i:
                        time.sleep(0.02)
                    conn.sendall(piece)
                if case.close:
                    conn.shutdown(socket.SHUT_WR)
                    return


SPIDER = REPO_ROOT / "tests" / "helpers" / "url_list_spider.py"


def fetch_all(
    requests: list[tuple[str, str]], home: Path, **settings: object
) -> subprocess.CompletedProcess[str]:
    """Fetch ``(method, url)`` in order, one at a time, through a real crawl with the
    project's settings and capture; WARCs go under ``home``."""
    values = {
        "ARCHIVIST_HOME": str(home),
        "ARCHIVE_COLLECTION": "exact",
        "ARCHIVE_RECORD_CAPTURES": "False",
        "ROBOTSTXT_OBEY": "False",
        "NETWORK_LOOPBACK_ONLY": "True",
        "NETWORK_ALLOW_PRIVATE": "127.0.0.1",
        "CONCURRENT_REQUESTS": "1",
        "DOWNLOAD_DELAY": "0",
        "AUTOTHROTTLE_ENABLED": "False",
        "RETRY_ENABLED": "False",
        "LOG_LEVEL": "INFO",
        **{k: str(v) for k, v in settings.items()},
    }
    args = [sys.executable, "-m", "scrapy", "runspider", str(SPIDER)]
    args += ["-a", f"requests={json.dumps(requests)}"]
    for name, value in values.items():
        args += ["-s", f"{name}={value}"]
    return subprocess.run(
        args, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=False
    )
