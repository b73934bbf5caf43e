"""ASGI middleware: request body limits and the request's locale."""

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from voxloop.common import i18n
from voxloop.config import get_settings
from voxloop.errors import BadRequest, PayloadTooLarge, VoxloopError, field_error


class HttpMiddleware:
    """Pure ASGI middleware for HTTP requests (`http`); anything else passes straight through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.http(scope, receive, send)

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError


class NulMiddleware(HttpMiddleware):
    """Refuse a NUL character in the path or query string with 400: no database stores one in
    text (PostgreSQL refuses it), and no caller means it."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        query = scope.get("query_string", b"").lower()
        if b"%00" in query or "\x00" in scope["path"]:
            field = "query" if b"%00" in query else "path"
            await _send_json(
                scope, send, 400, BadRequest(fields=[field_error(field, "contains a NUL character")])
            )
            return
        await self.app(scope, receive, send)


class BodyLimitMiddleware(HttpMiddleware):
    """Refuse bodies over the limit with 413, whether announced by Content-Length or streamed."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = get_settings().body_limit(scope["path"])
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            await self._reject(scope, send, limit)
            return
        # Read the whole body first (the app would buffer it anyway), so an oversized
        # stream is refused before the app sees any of it.
        chunks: list[bytes] = []
        seen = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([message]), send)
                return
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > limit:
                await self._reject(scope, send, limit)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        await self.app(
            scope,
            _replay([{"type": "http.request", "body": b"".join(chunks), "more_body": False}], receive),
            send,
        )

    async def _reject(self, scope: Scope, send: Send, limit: int) -> None:
        await _send_json(scope, send, 413, PayloadTooLarge(limit=limit))


async def _send_json(scope: Scope, send: Send, status: int, error: VoxloopError) -> None:
    """An error answered before the app: JSON in the caller's language."""
    locale = i18n.negotiate(_header(scope, b"accept-language"))
    body = json.dumps(error.to_dict(locale), ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _replay(messages: list[Message], then: Receive | None = None) -> Receive:
    queue = list(messages)

    async def receive() -> Message:
        if queue:
            return queue.pop(0)
        if then is not None:
            return await then()
        return {"type": "http.disconnect"}

    return receive


def _header(scope: Scope, name: bytes) -> str | None:
    for k, v in scope.get("headers") or []:
        if k == name:
            return str(v.decode("latin-1"))
    return None


def locale_for(scope: Any, user_locale: str | None = None) -> str:
    """The user's choice (profile, then cookie), else the browser's language."""
    if user_locale:
        return i18n.normalize(user_locale)
    cookie = _header(scope, b"cookie") or ""
    for part in cookie.split(";"):
        name, _, value = part.strip().partition("=")
        if name == "voxloop_lang" and value:
            return i18n.normalize(value)
    return i18n.negotiate(_header(scope, b"accept-language"))


# Pages other sites may show in a frame: the public feedback form and surveys (their embed
# snippets); every other page refuses to be framed.
EMBEDDABLE = ("/f/", "/s/")
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'"
)


class SecurityHeadersMiddleware(HttpMiddleware):
    """Headers on every response: a Content-Security-Policy that allows no inline script (pages
    keep their script in /static and their data in data- attributes), no MIME sniffing, no
    framing except of the embeddable public pages, no referrer beyond this site (survey links
    carry tokens), and HSTS when served over HTTPS."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        settings = get_settings()
        embeddable = scope["path"].startswith(EMBEDDABLE)
        ancestors = settings.embed_ancestors if embeddable else "'none'"
        headers = [
            (b"content-security-policy", f"{CSP}; frame-ancestors {ancestors}".encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"same-origin"),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
            (b"cross-origin-opener-policy", b"same-origin"),
        ]
        if not embeddable:
            headers.append((b"x-frame-options", b"DENY"))
        if settings.base_url.startswith("https://"):
            headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                own = message.get("headers", [])
                present = {k.lower() for k, _ in own}
                message["headers"] = [*own, *(h for h in headers if h[0] not in present)]
            await send(message)

        await self.app(scope, receive, with_headers)
