"""Token buckets, in this process and in Redis (one budget across replicas, failing open)."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from api.ratelimit import RateLimiter, RedisTokenBuckets, TokenBuckets, open_buckets
from bot.redis_link import RedisLink
from tests.conftest import RedisServer

BucketsFactory = Callable[[int], RateLimiter]


@pytest.fixture(params=["memory", "redis"])
def open_limiter(request: pytest.FixtureRequest) -> BucketsFactory:
    """Makes buckets (per minute) in this process or in Redis."""
    if request.param == "memory":
        return TokenBuckets
    url = request.getfixturevalue("redis_db").url
    return lambda per_minute: RedisTokenBuckets(RedisLink(url), per_minute, "test")


def test_burst_then_refill(open_limiter: BucketsFactory):
    buckets = open_limiter(120)  # 2 a second
    assert [buckets.take("a") for _ in range(120)] == [0.0] * 120
    wait = buckets.take("a")
    assert 0 < wait <= 0.5
    assert buckets.take("b") == 0.0  # keys are independent
    time.sleep(0.6)
    assert buckets.take("a") == 0.0


def test_zero_means_no_limit(open_limiter: BucketsFactory):
    buckets = open_limiter(0)
    assert all(buckets.take("a") == 0.0 for _ in range(1000))


def test_replicas_share_one_budget(redis_db: RedisServer):
    """Two replicas (two connections) spend one client's budget together; another limit's
    buckets are apart."""
    replicas = [RedisTokenBuckets(RedisLink(redis_db.url), 6, "http") for _ in range(2)]
    waits = [replicas[n % 2].take("203.0.113.7") for n in range(8)]
    assert waits[:6] == [0.0] * 6
    assert 9 < waits[6] <= 10 and 9 < waits[7] <= 10  # one token every 10 s
    assert RedisTokenBuckets(RedisLink(redis_db.url), 6, "wechat").take("203.0.113.7") == 0.0


def test_redis_down_fails_open_and_recovers(redis_db: RedisServer):
    link = RedisLink(redis_db.url, cooldown_seconds=0.2)
    fell_back: list[str] = []
    link.listen(fell_back.append)
    buckets = RedisTokenBuckets(link, 1, "http")
    assert buckets.take("a") == 0.0
    assert buckets.take("a") > 0
    redis_db.stop()
    assert [buckets.take("a") for _ in range(3)] == [0.0] * 3  # allowed, without an error
    assert fell_back == ["ratelimit"] * 3
    redis_db.start()  # empty again: a full bucket
    time.sleep(0.3)  # past the cool-down
    assert buckets.take("a") == 0.0
    assert buckets.take("a") > 0


def test_settings_choose_the_buckets(redis_db: RedisServer):
    assert isinstance(open_buckets(10, None, "http"), TokenBuckets)
    assert isinstance(open_buckets(10, RedisLink(redis_db.url), "http"), RedisTokenBuckets)
