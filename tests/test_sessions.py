"""Conversation memory in SQLite."""

from __future__ import annotations

import time

from bot.sessions import Sessions, Turn


def test_last_turn_survives_reopening(tmp_path):
    path = tmp_path / "s.sqlite3"
    sessions = Sessions(path)
    assert sessions.last("a") is None
    sessions.record("a", Turn("企业注销", (21,), "zh"))
    sessions.record("a", Turn("第22条", (22,), "zh"))
    sessions.close()
    assert Sessions(path).last("a") == Turn("第22条", (22,), "zh")


def test_sessions_expire(tmp_path):
    sessions = Sessions(tmp_path / "s.sqlite3", ttl_seconds=0.05)
    sessions.record("a", Turn("q", (1,), "en"))
    time.sleep(0.1)
    assert sessions.last("a") is None
