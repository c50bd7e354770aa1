"""The WeChat reply store: one computation per message key across threads and connections (as
worker processes have), and pending pages handed out once each."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from api.wechat_store import WeChatStore


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "wechat.sqlite3"


def test_concurrent_deliveries_compute_once(path: Path):
    """WeChat retries while the first delivery is still being answered: every delivery gets
    the one reply, computed once, whichever connection (worker process) it reaches."""
    stores = [WeChatStore(path, 60, 60) for _ in range(2)]
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


def test_failed_computation_lets_the_retry_compute(path: Path):
    store = WeChatStore(path, 60, 60)

    def fail() -> str:
        raise RuntimeError("bot unavailable")

    with pytest.raises(RuntimeError):
        store.once("msg:o1:2", fail)
    assert store.once("msg:o1:2", lambda: "second try") == "second try"


def test_expired_reply_is_computed_again(path: Path):
    store = WeChatStore(path, reply_ttl_seconds=0.2, pages_ttl_seconds=60)
    assert store.once("msg:o1:3", lambda: "first") == "first"
    assert store.once("msg:o1:3", lambda: "again") == "first"
    time.sleep(0.3)
    assert store.once("msg:o1:3", lambda: "again") == "again"


def test_pages_are_handed_out_once_in_order(path: Path):
    first, second = WeChatStore(path, 60, 60), WeChatStore(path, 60, 60)
    first.keep_pages("o1", ["page 2", "page 3"])
    assert second.next_page("o1") == "page 2"
    assert first.next_page("o1") == "page 3"
    assert second.next_page("o1") is None


def test_new_pages_replace_old_ones_and_none_forgets(path: Path):
    store = WeChatStore(path, 60, 60)
    store.keep_pages("o1", ["old 2", "old 3"])
    store.keep_pages("o1", ["new 2"])
    assert store.next_page("o1") == "new 2"
    store.keep_pages("o1", ["x"])
    store.keep_pages("o1", [])
    assert store.next_page("o1") is None


def test_pages_expire(path: Path):
    store = WeChatStore(path, reply_ttl_seconds=60, pages_ttl_seconds=0.2)
    store.keep_pages("o1", ["page 2"])
    time.sleep(0.3)
    assert store.next_page("o1") is None
