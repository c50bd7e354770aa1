"""Conversation memory, in SQLite and in Redis: the same behaviour from both, and Redis's
failures leave no memory rather than an error."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.redis_link import RedisLink
from bot.sessions import RedisSessions, Sessions, SessionStore, Turn, open_sessions
from bot.settings import Settings
from tests.conftest import RedisServer
from vectorstore.library import BUNDLED_ID

StoreFactory = Callable[..., SessionStore]


@pytest.fixture(params=["sqlite", "sqlite, pausing", "redis"])
def open_store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreFactory:
    """Opens stores over one backing (file or Redis), each with its own connection, as
    workers and replicas have. "pausing": its writer pauses far longer than flush() waits
    after each write (flush() cuts the pause short; reads come from memory meanwhile)."""
    if request.param.startswith("sqlite"):
        pause = 600.0 if request.param.endswith("pausing") else 0.0
        return lambda ttl_seconds=3600.0: Sessions(tmp_path / "s.sqlite3", ttl_seconds, pause)
    url = request.getfixturevalue("redis_db").url
    return lambda ttl_seconds=3600.0: RedisSessions(RedisLink(url), ttl_seconds)


def test_last_turn_is_seen_by_another_connection(open_store: StoreFactory):
    sessions = open_store()
    assert sessions.last("a") is None
    sessions.record("a", Turn("企业注销", (21,), "zh"))
    sessions.record("a", Turn("第22条", (22,), "zh"))
    assert sessions.last("a") == Turn("第22条", (22,), "zh")
    sessions.flush()
    assert open_store().last("a") == Turn("第22条", (22,), "zh")
    assert open_store().last("b") is None


def test_a_turn_remembers_its_document(open_store: StoreFactory):
    sessions = open_store()
    sessions.record("a", Turn("贷款贴息", (5,), "zh", "relief-measures"))
    sessions.flush()
    assert open_store().last("a") == Turn("贷款贴息", (5,), "zh", "relief-measures")


def test_turns_are_written_off_the_answer_and_read_meanwhile(tmp_path: Path):
    """While another process holds the file's write lock, record() still returns at once and
    the turn is read from memory; once the lock is let go, it lands in the file."""
    path = tmp_path / "s.sqlite3"
    sessions = Sessions(path)
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    for n in range(1, 101):
        sessions.record(f"s{n}", Turn("企业注销", (n,), "zh"))
    sessions.record("s1", Turn("第22条", (22,), "zh"))
    assert sessions.last("s1") == Turn("第22条", (22,), "zh")
    assert sessions.last("s100") == Turn("企业注销", (100,), "zh")
    assert Sessions(path).last("s1") is None  # not written yet
    blocker.execute("ROLLBACK")
    sessions.flush()
    other = Sessions(path)
    assert other.last("s1") == Turn("第22条", (22,), "zh")
    assert [other.last(f"s{n}").measures for n in range(2, 101)] == [(n,) for n in range(2, 101)]


def test_close_writes_the_pending_turns(tmp_path: Path):
    path = tmp_path / "s.sqlite3"
    sessions = Sessions(path)
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    for n in range(50):
        sessions.record(f"s{n}", Turn("q", (n,), "zh"))
    blocker.execute("ROLLBACK")
    sessions.close()
    reopened = Sessions(path)
    assert [reopened.last(f"s{n}") for n in range(50)] == [Turn("q", (n,), "zh")
                                                            for n in range(50)]


def test_a_file_from_before_the_library_is_read_as_the_bundled_plan(tmp_path):
    path = tmp_path / "s.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE turns (session_id TEXT PRIMARY KEY, question TEXT, "
                   "measures TEXT, lang TEXT, updated REAL)")
        db.execute("INSERT INTO turns VALUES ('a', '企业注销', '[21]', 'zh', ?)", (time.time(),))
    sessions = Sessions(path)
    assert sessions.last("a") == Turn("企业注销", (21,), "zh", BUNDLED_ID)
    sessions.record("b", Turn("贷款贴息", (5,), "zh", "relief-measures"))
    assert sessions.last("b").document == "relief-measures"


def test_last_turn_survives_reopening(tmp_path):
    path = tmp_path / "s.sqlite3"
    sessions = Sessions(path)
    sessions.record("a", Turn("企业注销", (21,), "zh"))
    sessions.close()
    assert Sessions(path).last("a") == Turn("企业注销", (21,), "zh")


def test_sessions_expire(open_store: StoreFactory):
    sessions = open_store(ttl_seconds=0.05)
    sessions.record("a", Turn("q", (1,), "en"))
    time.sleep(0.1)
    assert sessions.last("a") is None


def test_settings_choose_the_store(tmp_path: Path, redis_db: RedisServer):
    assert isinstance(open_sessions(Settings(POLICYBOT_HOME=tmp_path)), Sessions)
    assert isinstance(open_sessions(Settings(POLICYBOT_HOME=tmp_path, REDIS_URL=" ")), Sessions)
    chosen = open_sessions(Settings(POLICYBOT_HOME=tmp_path, REDIS_URL=redis_db.url))
    assert isinstance(chosen, RedisSessions)
    chosen.record("s", Turn("q", (3,), "zh"))
    assert redis_db.client().exists("policybot:session:s")


def test_redis_down_means_no_memory_until_it_is_back(redis_db: RedisServer):
    link = RedisLink(redis_db.url, cooldown_seconds=0.2)
    fell_back: list[str] = []
    link.listen(fell_back.append)
    sessions = RedisSessions(link)
    sessions.record("a", Turn("企业注销", (21,), "zh"))
    redis_db.stop()
    assert sessions.last("a") is None
    sessions.record("a", Turn("第22条", (22,), "zh"))  # dropped, without an error
    assert fell_back == ["sessions", "sessions"]
    redis_db.start()
    time.sleep(0.3)  # past the cool-down: the next call tries Redis again
    sessions.record("a", Turn("第23条", (23,), "zh"))
    assert sessions.last("a") == Turn("第23条", (23,), "zh")
    assert fell_back == ["sessions", "sessions"]
