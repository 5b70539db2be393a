"""Response headers every JSON answer carries: ``Cache-Control: no-store`` (decisions and plans hold
personal data; no browser or proxy may keep them) and ``X-Content-Type-Options: nosniff``.

A plain ASGI middleware (no ``BaseHTTPMiddleware``: that wraps every response body in a task and
costs the hot eligibility check real time). A route that set its own ``Cache-Control`` (the public
roads background) keeps it.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

NO_STORE = (b"cache-control", b"no-store")
NOSNIFF = (b"x-content-type-options", b"nosniff")


def _is_json(content_type: bytes) -> bool:
    media = content_type.split(b";", 1)[0].strip().lower()
    return media == b"application/json" or media.endswith(b"+json")


class JsonHeaders:
    """Adds ``no-store`` and ``nosniff`` to JSON responses (and ``nosniff`` to every response)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                names = {k.lower(): v for k, v in headers}
                if b"x-content-type-options" not in names:
                    headers.append(NOSNIFF)
                if _is_json(names.get(b"content-type", b"")) and b"cache-control" not in names:
                    headers.append(NO_STORE)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
