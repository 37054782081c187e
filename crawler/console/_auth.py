"""The console's token check: needed on every request when a token is set.

A request carries the token as ``Authorization: Bearer <token>`` (the scheme in any
case, as RFC 9110 says; a bare token without it is refused), as ``?token=<token>``
(the answer then sets a cookie, so links and the page's own requests need no token),
or as that cookie. A token is refused at start unless it holds at least 16 random
bytes' worth of characters (``check_token``): ``python -c 'import secrets;
print(secrets.token_urlsafe(32))'`` makes one.
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

__all__ = [
    "COOKIE",
    "LOOPBACK",
    "MAKE_ONE",
    "MIN_TOKEN_CHARS",
    "TokenMiddleware",
    "check_token",
    "needs_token",
]

COOKIE = "archivist_token"
LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


def needs_token(bind: str) -> bool:
    """Anything bound beyond the loopback interface must be protected by a token."""
    return bind not in LOOPBACK


MIN_TOKEN_CHARS = 22
"""Characters of the shortest token taken: 16 random bytes in URL-safe base64."""
MAKE_ONE = "python -c 'import secrets; print(secrets.token_urlsafe(32))'"


def check_token(token: str) -> str | None:
    """Why ``token`` is too weak to protect the console, or None if it will do."""
    stripped = token.strip()
    if stripped != token or any(ch.isspace() for ch in token):
        return "a token has no spaces"
    if len(token) < MIN_TOKEN_CHARS:
        return f"a token needs at least {MIN_TOKEN_CHARS} characters (16 random bytes)"
    if len(set(token)) < 8:
        return "a token needs more than a few distinct characters: make it at random"
    return None


def _bearer(header: str) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header (scheme in any case)."""
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


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
        given = [_bearer(bearer), cookie.value if cookie else None]
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
