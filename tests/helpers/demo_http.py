"""Requests to the demo server as a client sends them: proxy-form fetches (no redirect
followed), raw exchanges, de-chunking."""

from __future__ import annotations

import http.client
import socket


class Fetched:
    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    def header(self, name: str) -> str | None:
        values = self.all(name)
        return values[0] if values else None

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def fetch(server, url, headers=None, method="GET") -> Fetched:
    """One proxy-form request; no redirects followed, body as sent (still gzip-encoded)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request(method, url, headers=headers or {})
        resp = conn.getresponse()
        return Fetched(resp.status, resp.getheaders(), resp.read())
    finally:
        conn.close()


def raw_exchange(server, request: bytes) -> bytes:
    """Send raw request bytes, read the raw answer until the server closes."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while data := sock.recv(65536):
            chunks.append(data)
    return b"".join(chunks)


def dechunk(body: bytes) -> tuple[bytes, int]:
    out, count = b"", 0
    while True:
        size_line, body = body.split(b"\r\n", 1)
        size = int(size_line, 16)
        if size == 0:
            assert body == b"\r\n"
            return out, count
        out, body, count = out + body[:size], body[size:], count + 1
        assert body[:2] == b"\r\n"
        body = body[2:]
