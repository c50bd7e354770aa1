"""The Redis link: calls fall back while Redis is down, each outage is logged once, and the
link recovers by itself when Redis is back."""

from __future__ import annotations

import logging
import socket
import time

from bot.redis_link import RedisLink
from bot.settings import Settings
from tests.conftest import RedisServer


def outage_logs(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "policybot.redis"]


def test_outage_is_logged_once_and_recovery_is_automatic(redis_db: RedisServer, caplog):
    caplog.set_level(logging.INFO, logger="policybot.redis")
    link = RedisLink(redis_db.url, cooldown_seconds=0.2)
    fell_back: list[str] = []
    link.listen(fell_back.append)
    assert link.run("sessions", lambda r: r.set("k", "v"), None)
    redis_db.stop()
    started = time.monotonic()
    results = [link.run("sessions", lambda r: r.get("k"), "fallback") for _ in range(5)]
    assert results == ["fallback"] * 5
    assert time.monotonic() - started < 1  # refused at once, not after redis-py's retries
    assert fell_back == ["sessions"] * 5
    time.sleep(0.3)  # past the cool-down: Redis is tried (and fails) again, still one outage
    assert link.run("wechat", lambda r: r.get("k"), None) is None
    assert not link.ping()
    [down] = outage_logs(caplog)
    assert "unavailable" in down
    redis_db.start()
    time.sleep(0.3)
    assert link.run("sessions", lambda r: r.set("k", "back"), None)
    assert link.run("sessions", lambda r: r.get("k"), None) == "back"
    assert outage_logs(caplog) == [down, "redis is back: shared state restored"]
    assert fell_back == ["sessions"] * 5 + ["wechat"]


def test_ping_ends_the_cool_down(redis_db: RedisServer):
    """/readyz asks Redis itself; once Redis answers, stores use it again at once."""
    link = RedisLink(redis_db.url, cooldown_seconds=60)
    redis_db.stop()
    assert link.run("sessions", lambda r: r.ping(), False) is False
    redis_db.start()
    assert link.run("sessions", lambda r: r.ping(), False) is False  # cooling down
    assert link.ping()
    assert link.run("sessions", lambda r: r.ping(), False) is True


def test_a_redis_that_never_answers_costs_little():
    """A socket that accepts connections but never replies (a hung Redis): the first call
    falls back after the short timeouts, later ones at once during the cool-down."""
    with socket.socket() as hung:
        hung.bind(("127.0.0.1", 0))
        hung.listen()
        link = RedisLink(f"redis://127.0.0.1:{hung.getsockname()[1]}/0")
        started = time.monotonic()
        assert link.run("ratelimit", lambda r: r.get("k"), "0") == "0"
        assert 0.25 < time.monotonic() - started < 2
        started = time.monotonic()
        assert link.run("ratelimit", lambda r: r.get("k"), "0") == "0"
        assert time.monotonic() - started < 0.05


def test_no_link_without_redis_url(tmp_path):
    assert RedisLink.from_settings(Settings(POLICYBOT_HOME=tmp_path)) is None
    assert RedisLink.from_settings(Settings(POLICYBOT_HOME=tmp_path, REDIS_URL="")) is None
    link = RedisLink.from_settings(Settings(REDIS_URL="redis://127.0.0.1:6390/2"))
    assert link.client.connection_pool.connection_kwargs["port"] == 6390
