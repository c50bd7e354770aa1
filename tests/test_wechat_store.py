"""The WeChat reply store, in SQLite and in Redis: one computation per message key across
threads and connections (as worker processes and replicas have), and pending pages handed out
once each; without Redis, every delivery is answered."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from api.wechat.store import (
    CLAIM_SCRIPT,
    RedisWeChatStore,
    ReplyStore,
    WeChatStore,
    open_reply_store,
)
from bot.redis_link import RedisLink
from tests.conftest import RedisServer

StoreFactory = Callable[[float, float], ReplyStore]


@pytest.fixture(params=["sqlite", "redis"])
def open_store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreFactory:
    """Opens stores (reply TTL, pages TTL) over one backing, each with its own connection."""
    if request.param == "sqlite":
        return lambda replies, pages: WeChatStore(tmp_path / "wechat.sqlite3", replies, pages)
    url = request.getfixturevalue("redis_db").url
    return lambda replies, pages: RedisWeChatStore(RedisLink(url), replies, pages)


def test_concurrent_deliveries_compute_once(open_store: StoreFactory):
    """WeChat retries while the first delivery is still being answered: every delivery gets
    the one reply, computed once, whichever connection (worker process) it reaches."""
    stores = [open_store(60, 60) for _ in range(2)]
    calls = []
    lock = threading.Lock()

    def compute() -> str:
        with lock:
            calls.append(1)
        time.sleep(0.3)
        return "<xml>reply</xml>"

    with ThreadPoolExecutor(6) as pool:
        replies = list(pool.map(lambda n: stores[n % 2].once("msg:o1:1", compute), range(6)))
    assert replies == ["<xml>reply</xml>"] * 6
    assert len(calls) == 1


def test_failed_computation_lets_the_retry_compute(open_store: StoreFactory):
    store = open_store(60, 60)

    def fail() -> str:
        raise RuntimeError("bot unavailable")

    with pytest.raises(RuntimeError):
        store.once("msg:o1:2", fail)
    assert store.once("msg:o1:2", lambda: "second try") == "second try"


def test_no_reply_is_stored_too(open_store: StoreFactory):
    """An event that needs no reply ("") is not computed again on its retry."""
    store = open_store(60, 60)
    assert store.once("event:o1:9", lambda: "") == ""
    assert store.once("event:o1:9", lambda: "again") == ""


def test_expired_reply_is_computed_again(open_store: StoreFactory):
    store = open_store(0.2, 60)
    assert store.once("msg:o1:3", lambda: "first") == "first"
    assert store.once("msg:o1:3", lambda: "again") == "first"
    time.sleep(0.3)
    assert store.once("msg:o1:3", lambda: "again") == "again"


def test_pages_are_handed_out_once_in_order(open_store: StoreFactory):
    first, second = open_store(60, 60), open_store(60, 60)
    first.keep_pages("o1", ["page 2", "page 3"])
    assert second.next_page("o1") == "page 2"
    assert first.next_page("o1") == "page 3"
    assert second.next_page("o1") is None


def test_new_pages_replace_old_ones_and_none_forgets(open_store: StoreFactory):
    store = open_store(60, 60)
    store.keep_pages("o1", ["old 2", "old 3"])
    store.keep_pages("o1", ["new 2"])
    assert store.next_page("o1") == "new 2"
    store.keep_pages("o1", ["x"])
    store.keep_pages("o1", [])
    assert store.next_page("o1") is None


def test_pages_expire(open_store: StoreFactory):
    store = open_store(60, 0.2)
    store.keep_pages("o1", ["page 2"])
    time.sleep(0.3)
    assert store.next_page("o1") is None


def test_a_claim_whose_replica_died_lapses(redis_db: RedisServer):
    """A replica killed while answering leaves its claim behind; a later retry computes the
    reply once the claim lapses (here after 0.3 s) instead of giving up on it."""
    redis_db.client().set("policybot:wechat:claim:msg:o1:4", "1", px=300)
    store = RedisWeChatStore(RedisLink(redis_db.url), 60, 60)
    started = time.monotonic()
    assert store.once("msg:o1:4", lambda: "computed") == "computed"
    assert 0.2 < time.monotonic() - started < 2


def test_a_claim_resent_by_its_delivery_is_still_its_own(redis_db: RedisServer):
    """redis-py resends a command whose reply was lost; the delivery that claimed must not then
    find itself waiting on its own claim."""
    claim = redis_db.client().register_script(CLAIM_SCRIPT)
    keys = ["policybot:wechat:reply:msg:o1:7", "policybot:wechat:claim:msg:o1:7"]
    assert claim(keys=keys, args=[5000, "first"]) == ["claimed"]
    assert claim(keys=keys, args=[5000, "first"]) == ["claimed"]
    assert claim(keys=keys, args=[5000, "retry"]) == ["wait"]
    redis_db.client().set(keys[0], "<xml>reply</xml>")
    assert claim(keys=keys, args=[5000, "retry"]) == ["reply", "<xml>reply</xml>"]


def test_settings_choose_the_store(tmp_path: Path, redis_db: RedisServer):
    link = RedisLink(redis_db.url)
    assert isinstance(open_reply_store(link, tmp_path / "w.sqlite3", 60, 60), RedisWeChatStore)
    assert not (tmp_path / "w.sqlite3").exists()
    assert isinstance(open_reply_store(None, tmp_path / "w.sqlite3", 60, 60), WeChatStore)


def test_redis_down_answers_every_delivery(redis_db: RedisServer):
    """Without Redis nothing is stored: each delivery is answered afresh (a retry may be
    answered twice, rather than not at all), and there are no further pages."""
    store = RedisWeChatStore(RedisLink(redis_db.url, cooldown_seconds=0.2), 60, 60)
    store.keep_pages("o1", ["page 2"])
    redis_db.stop()
    assert store.once("msg:o1:5", lambda: "first") == "first"
    assert store.once("msg:o1:5", lambda: "second") == "second"
    store.keep_pages("o1", ["page 3"])
    assert store.next_page("o1") is None
    redis_db.start()
    time.sleep(0.3)  # past the cool-down
    assert store.once("msg:o1:6", lambda: "stored") == "stored"
    assert store.once("msg:o1:6", lambda: "again") == "stored"
