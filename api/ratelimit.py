"""Token buckets: at most N requests a minute per key, in bursts of up to N; in this process,
or in Redis (REDIS_URL) so that one limit holds across every replica."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Protocol

from bot.redis_link import RedisLink

# Spends a token of one bucket, atomically, on Redis's clock (replicas' clocks may differ).
# KEYS[1]: the bucket. ARGV[1]: tokens a minute, also the most it holds.
# Returns the seconds until a token is free, 0 when one was spent (as a string: Redis would
# truncate a Lua number to an integer).
TAKE_SCRIPT = """
local capacity = tonumber(ARGV[1])
local rate = capacity / 60
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens = tonumber(bucket[1]) or capacity
local updated = tonumber(bucket[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - updated) * rate)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'updated', tostring(now))
-- A bucket left alone for a minute is full again: the same as no bucket.
redis.call('PEXPIRE', KEYS[1], 60000)
return tostring(wait)
"""


class RateLimiter(Protocol):
    """Rate limits by key; per_minute is 0 when there is no limit."""

    per_minute: int

    def take(self, key: str) -> float:
        """Spend a token of key's bucket: 0 when allowed, else seconds until one is free."""


def open_buckets(per_minute: int, link: RedisLink | None, name: str) -> RateLimiter:
    """Buckets in Redis when the process has a Redis link, else in this process.

    per_minute: the limit (0: none). link: the Redis link, if REDIS_URL is set.
    name: what is limited (e.g. "http", "wechat"), so each limit has its own buckets.
    """
    return RedisTokenBuckets(link, per_minute, name) if link else TokenBuckets(per_minute)


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


class RedisTokenBuckets:
    """Rate limits by key in Redis, one budget shared by every replica; while Redis is down
    every request is allowed (the limit fails open rather than refusing answers).

    link: the Redis link. per_minute: as for TokenBuckets. name: keeps these buckets apart
    from other limits' buckets.
    """

    def __init__(self, link: RedisLink, per_minute: int, name: str) -> None:
        self.link = link
        self.per_minute = per_minute
        self.prefix = f"policybot:rate:{name}:"
        self._take = link.client.register_script(TAKE_SCRIPT)

    def take(self, key: str) -> float:
        """Spend a token of key's bucket: 0 when allowed (or Redis is down), else seconds
        until one is free."""
        if not self.per_minute:
            return 0.0
        bucket = self.prefix + key
        wait = self.link.run(
            "ratelimit", lambda r: self._take(keys=[bucket], args=[self.per_minute], client=r),
            "0")
        return float(wait)
