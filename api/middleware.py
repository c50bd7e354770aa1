"""ASGI middleware: request ids and access logs, body-size cap, per-client rate limit.

Written as plain ASGI (not ``BaseHTTPMiddleware``) so streamed responses pass straight through.
"""

from __future__ import annotations

import json
import logging
import math
import re
import time
import uuid
from collections.abc import Awaitable, Callable

from starlette.concurrency import run_in_threadpool

from api.metrics import Metrics
from api.ratelimit import RateLimiter

Scope = dict
Receive = Callable[[], Awaitable[dict]]
Send = Callable[[dict], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

access_log = logging.getLogger("policybot.access")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# Never limited by address: probes, metrics, the widget's and the console's static files, and
# WeChat (limited per follower instead).
UNLIMITED = ("/healthz", "/readyz", "/metrics", "/widget.js", "/widget.css", "/wechat",
             "/admin/static/")


async def send_json(send: Send, status: int, body: dict, headers: list | None = None) -> None:
    """A complete JSON response."""
    payload = json.dumps(body, ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(payload)).encode()), *(headers or [])]})
    await send({"type": "http.response.body", "body": payload})


class RequestContext:
    """Gives each request an id (``X-Request-ID``, kept from the client when well-formed),
    logs one JSON line per request and records it in the metrics.

    The log line has the path but never the query string or headers: WeChat signatures and
    admin tokens travel there.
    """

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if REQUEST_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: dict) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []),
                                      (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            self.metrics.observe_request(scope["method"], template, status, seconds)
            client = scope.get("client") or ("-", 0)
            access_log.info("request", extra={"fields": {
                "request_id": request_id, "method": scope["method"], "path": scope["path"],
                "status": status, "duration_ms": round(seconds * 1000, 2),
                "client": client[0]}})


class BodyLimit:
    """Refuses request bodies over ``max_bytes`` with 413, by Content-Length or as they
    stream in, before any route reads them.

    larger: paths that take larger bodies (uploads), with their own limit.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, larger: dict[str, int] | None = None
                 ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.larger = larger or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.larger.get(scope["path"], self.max_bytes)
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            await send_json(send, 413, {"detail": f"request body over {limit} bytes"})
            return
        received = 0
        refused = False

        async def counted() -> dict:
            # Over the cap mid-stream: answer 413 ourselves and tell the route the client has
            # gone, so it stops reading; whatever it sends afterwards is dropped.
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit and not refused:
                    refused = True
                    await send_json(send, 413, {"detail": f"request body over {limit} bytes"})
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: dict) -> None:
            if not refused:
                await send(message)

        await self.app(scope, counted, guarded_send)


class RateLimit:
    """Per-client-address rate limit: over it, 429 with ``Retry-After``.

    WeChat's callbacks all come from WeChat's servers, so /wechat is limited per follower
    inside the channel instead.

    buckets: the limit (per_minute 0: none), by client address. metrics: counts refusals.
    """

    def __init__(self, app: ASGIApp, buckets: RateLimiter, metrics: Metrics) -> None:
        self.app = app
        self.buckets = buckets
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] != "http" or not self.buckets.per_minute
                or scope["path"].startswith(UNLIMITED) or scope["path"] == "/"):
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("unknown", 0))[0]
        # In a worker thread: with REDIS_URL the take is a network call, and a slow Redis must
        # hold up this request only, not the event loop and every request on it.
        wait = await run_in_threadpool(self.buckets.take, client)
        if wait:
            self.metrics.rate_limited.inc()
            await send_json(send, 429, {"detail": "too many requests; try again shortly"},
                            [(b"retry-after", str(math.ceil(wait)).encode())])
            return
        await self.app(scope, receive, send)
