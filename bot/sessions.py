"""Conversation memory: the last turn of each session, in SQLite so it survives restarts and
is shared by every worker process on the machine, or in Redis (REDIS_URL) so it is shared by
every replica."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from bot.redis_link import RedisLink, milliseconds
from bot.settings import Settings
from vectorstore.library import BUNDLED_ID


@dataclass(frozen=True)
class Turn:
    """What a follow-up needs from the previous turn.

    question: the (normalised) question asked.
    measures: the measures the answer cited.
    lang: the language it was answered in.
    document: the id of the document those measures belong to.
    """

    question: str
    measures: tuple[int, ...]
    lang: str
    document: str = BUNDLED_ID


class SessionStore(Protocol):
    """Where conversations are remembered."""

    def last(self, session_id: str) -> Turn | None:
        """The previous turn of this session, if it is still open."""

    def record(self, session_id: str, turn: Turn) -> None:
        """Remember this turn as the session's latest."""


def open_sessions(settings: Settings, link: RedisLink | None = None) -> SessionStore:
    """Redis sessions when REDIS_URL is set, else the SQLite file in POLICYBOT_HOME.

    settings: the app's settings. link: the process's Redis link, when it has one already.
    """
    if not settings.redis_url:
        return Sessions(settings.home / "sessions.sqlite3", settings.session_ttl_seconds)
    return RedisSessions(link or RedisLink(settings.redis_url), settings.session_ttl_seconds)


class Sessions:
    """Last turn per session id, forgotten after ``ttl_seconds`` of silence.

    path: SQLite file (created if missing).
    ttl_seconds: how long a conversation stays open.
    """

    def __init__(self, path: Path, ttl_seconds: float = 3600.0) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.ttl_seconds = ttl_seconds
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, timeout=10.0)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS turns (session_id TEXT PRIMARY KEY, question TEXT, "
            "measures TEXT, lang TEXT, updated REAL, document TEXT)")
        # Files written before the library have no document column: their turns were about
        # the bundled plan.
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(turns)")}
        if "document" not in columns:
            self._db.execute("ALTER TABLE turns ADD COLUMN document TEXT")
        self._db.commit()

    def last(self, session_id: str) -> Turn | None:
        """The previous turn of this session, if it is still open."""
        with self._lock:
            row = self._db.execute(
                "SELECT question, measures, lang, updated, document FROM turns "
                "WHERE session_id = ?", (session_id,)).fetchone()
        if not row or time.time() - row[3] > self.ttl_seconds:
            return None
        return Turn(row[0], tuple(json.loads(row[1])), row[2], row[4] or BUNDLED_ID)

    def record(self, session_id: str, turn: Turn) -> None:
        """Remember this turn as the session's latest."""
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO turns (session_id, question, measures, lang, updated, "
                "document) VALUES (?, ?, ?, ?, ?, ?)",
                (session_id, turn.question, json.dumps(list(turn.measures)), turn.lang,
                 time.time(), turn.document))
            self._db.commit()

    def close(self) -> None:
        with self._lock:
            self._db.close()


class RedisSessions:
    """Last turn per session id in Redis, each a key that expires after ``ttl_seconds`` of
    silence. While Redis is down there is no memory: last() is None and record() is dropped,
    so questions are still answered, as first turns.

    link: the Redis link. ttl_seconds: how long a conversation stays open.
    """

    PREFIX = "policybot:session:"

    def __init__(self, link: RedisLink, ttl_seconds: float = 3600.0) -> None:
        self.link = link
        self.ttl_seconds = ttl_seconds

    def last(self, session_id: str) -> Turn | None:
        """The previous turn of this session, if it is still open (and Redis is up)."""
        stored = self.link.run("sessions", lambda r: r.get(self.PREFIX + session_id), None)
        if stored is None:
            return None
        fields = json.loads(stored)
        return Turn(fields["question"], tuple(fields["measures"]), fields["lang"],
                    fields.get("document", BUNDLED_ID))

    def record(self, session_id: str, turn: Turn) -> None:
        """Remember this turn as the session's latest (dropped while Redis is down)."""
        value = json.dumps({"question": turn.question, "measures": list(turn.measures),
                            "lang": turn.lang, "document": turn.document}, ensure_ascii=False)
        ttl_ms = milliseconds(self.ttl_seconds)
        self.link.run("sessions", lambda r: r.set(self.PREFIX + session_id, value, px=ttl_ms),
                      None)
