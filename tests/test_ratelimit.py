"""Token buckets."""

from __future__ import annotations

import time

from api.ratelimit import TokenBuckets


def test_burst_then_refill():
    buckets = TokenBuckets(per_minute=600)  # 10 a second
    assert [buckets.take("a") for _ in range(600)] == [0.0] * 600
    wait = buckets.take("a")
    assert 0 < wait <= 0.1
    assert buckets.take("b") == 0.0  # keys are independent
    time.sleep(0.25)
    assert buckets.take("a") == 0.0


def test_zero_means_no_limit():
    buckets = TokenBuckets(per_minute=0)
    assert all(buckets.take("a") == 0.0 for _ in range(1000))
