"""The Redis connection the shared stores use (REDIS_URL), made so that Redis being down
degrades them instead of failing requests: each call has a fallback result."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from bot.settings import Settings

log = logging.getLogger("policybot.redis")

T = TypeVar("T")

# Short: every answer waits on Redis (conversation memory, the rate limit), so a Redis that does
# not reply must cost a request a fraction of a second, not redis-py's 5 s default.
TIMEOUT_SECONDS = 0.3
# A pooled connection idle this long is checked with PING before use, so one left broken by a
# Redis restart is replaced instead of failing a call.
HEALTH_CHECK_SECONDS = 5
# After a failure, calls fall back at once for this long rather than each waiting out the
# timeout; then Redis is tried again, so the link recovers by itself.
COOLDOWN_SECONDS = 1.0


class RedisLink:
    """A Redis client whose calls fall back instead of raising, logging each outage once and
    telling listeners of every call that fell back.

    url: a redis-py URL (redis://host:port/db, rediss://…, unix://…).
    timeout_seconds: socket connect and read timeout.
    cooldown_seconds: how long calls fall back at once after a failure.
    """

    def __init__(self, url: str, timeout_seconds: float = TIMEOUT_SECONDS,
                 cooldown_seconds: float = COOLDOWN_SECONDS) -> None:
        # One retry without back-off: a connection broken by a restart is replaced at once,
        # while a Redis that is down costs two quick refusals, not redis-py's ten retries.
        self.client = redis.Redis.from_url(
            url, socket_timeout=timeout_seconds, socket_connect_timeout=timeout_seconds,
            health_check_interval=HEALTH_CHECK_SECONDS, retry=Retry(NoBackoff(), 1),
            decode_responses=True)
        self.cooldown_seconds = cooldown_seconds
        self._down = False
        self._retry_at = 0.0
        self._lock = threading.Lock()
        self._listeners: list[Callable[[str], None]] = []

    @classmethod
    def from_settings(cls, settings: Settings) -> RedisLink | None:
        """The link REDIS_URL names; None when it is unset (the stores stay local).

        settings: the app's settings.
        """
        return cls(settings.redis_url) if settings.redis_url else None

    def listen(self, listener: Callable[[str], None]) -> None:
        """Call listener with the store's name whenever one of its calls falls back.

        listener: e.g. a metrics counter's increment.
        """
        self._listeners.append(listener)

    def run(self, store: str, call: Callable[[redis.Redis], T], fallback: T) -> T:
        """call's result, or fallback when Redis fails it (or failed less than the cool-down
        ago).

        store: names the caller in logs and metrics. call: the Redis commands, given the
        client. fallback: what the store does without Redis.
        """
        if time.monotonic() < self._retry_at:
            self._fell_back(store)
            return fallback
        try:
            result = call(self.client)
        except redis.RedisError as exc:
            self._failed(store, exc)
            self._fell_back(store)
            return fallback
        self._succeeded()
        return result

    def ping(self) -> bool:
        """Whether Redis answers now (for /readyz); asks even during the cool-down, and ends it
        when Redis is back."""
        try:
            self.client.ping()
        except redis.RedisError as exc:
            self._failed("ping", exc)
            return False
        self._succeeded()
        return True

    def close(self) -> None:
        """Close the pooled connections (at shutdown)."""
        self.client.close()

    def _failed(self, store: str, exc: redis.RedisError) -> None:
        """Start (or extend) an outage; the first failure of an outage is logged."""
        with self._lock:
            first = not self._down
            self._down = True
            self._retry_at = time.monotonic() + self.cooldown_seconds
        if first:
            log.warning("redis unavailable: shared state degraded until it is back",
                        extra={"fields": {"store": store, "error": repr(exc)}})

    def _succeeded(self) -> None:
        """End the outage, if there was one, and log that it ended."""
        if not self._down:
            return
        with self._lock:
            ended = self._down
            self._down = False
            self._retry_at = 0.0
        if ended:
            log.info("redis is back: shared state restored")

    def _fell_back(self, store: str) -> None:
        for listener in self._listeners:
            listener(store)


def milliseconds(seconds: float) -> int:
    """seconds as whole milliseconds for an expiry, at least 1 (Redis refuses 0).

    seconds: a time to live.
    """
    return max(1, round(seconds * 1000))
