"""ASGI middleware: request body limits and the request's locale."""

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from voxloop.common import i18n
from voxloop.config import get_settings
from voxloop.errors import PayloadTooLarge


class BodyLimitMiddleware:
    """Refuse bodies over the limit with 413, whether announced by Content-Length or streamed."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
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
        locale = i18n.negotiate(_header(scope, b"accept-language"))
        body = json.dumps(PayloadTooLarge(limit=limit).to_dict(locale), ensure_ascii=False).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
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
