"""The console's token check: needed on every request when a token is set.

A request carries the token as ``Authorization: Bearer <token>``, as ``?token=<token>``
(the answer then sets a cookie, so links and the page's own requests need no token),
or as that cookie.
"""

from __future__ import annotations

import secrets
from http.cookies import SimpleCookie
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from starlette.datastructures import MutableHeaders
from starlette.responses import PlainTextResponse

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["COOKIE", "LOOPBACK", "TokenMiddleware", "needs_token"]

COOKIE = "archivist_token"
LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


def needs_token(bind: str) -> bool:
    """Anything bound beyond the loopback interface must be protected by a token."""
    return bind not in LOOPBACK


def _matches(given: str | None, token: str) -> bool:
    return given is not None and secrets.compare_digest(given.encode(), token.encode())


class TokenMiddleware:
    """Answers 401 to HTTP requests without the token (pure ASGI: it streams untouched)."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        bearer = headers.get("authorization", "")
        query = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token", [None])[0]
        cookie = SimpleCookie(headers.get("cookie", "")).get(COOKIE)
        given = [bearer.removeprefix("Bearer ").strip(), cookie.value if cookie else None]
        if any(_matches(value, self.token) for value in given):
            await self.app(scope, receive, send)
        elif _matches(query, self.token):
            await self.app(scope, receive, self._setting_cookie(send))
        else:
            answer = PlainTextResponse(
                "This console needs its token: send 'Authorization: Bearer <token>' "
                "or open it once with ?token=<token>.\n",
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
            await answer(scope, receive, send)

    def _setting_cookie(self, send: Send) -> Send:
        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.append(
                    "set-cookie", f"{COOKIE}={self.token}; HttpOnly; SameSite=Strict; Path=/"
                )
            await send(message)

        return wrapped
