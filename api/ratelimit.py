"""Token buckets: at most N requests a minute per key, in bursts of up to N."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass


@dataclass
class Bucket:
    """One key's tokens and when they were last counted."""

    tokens: float
    updated: float


class TokenBuckets:
    """Rate limits by key (a client address, a WeChat follower), kept in this process.

    per_minute: tokens added a minute and the most a bucket holds; 0 means no limit.
    """

    # Past this many keys, idle ones are forgotten rather than kept forever.
    MAX_KEYS = 100_000

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._buckets: dict[str, Bucket] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """Spend a token of key's bucket: 0 when allowed, else seconds until one is free."""
        if not self.per_minute:
            return 0.0
        now = time.monotonic()
        rate = self.per_minute / 60.0
        with self._lock:
            if len(self._buckets) > self.MAX_KEYS:
                self._buckets = {k: b for k, b in self._buckets.items() if now - b.updated < 60}
            bucket = self._buckets.setdefault(key, Bucket(self.per_minute, now))
            bucket.tokens = min(self.per_minute, bucket.tokens + (now - bucket.updated) * rate)
            bucket.updated = now
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return 0.0
            return (1 - bucket.tokens) / rate
