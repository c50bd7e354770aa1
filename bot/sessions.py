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
from bot.writer import BatchWriter
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

    def flush(self) -> None:
        """Make the turns recorded so far visible to every other connection."""

    def close(self) -> None:
        """Store what is still pending and let go of the store (at shutdown)."""


def open_sessions(settings: Settings, link: RedisLink | None = None) -> SessionStore:
    """Redis sessions when REDIS_URL is set, else the SQLite file in POLICYBOT_HOME.

    settings: the app's settings. link: the process's Redis link, when it has one already.
    """
    if not settings.redis_url:
        return Sessions(settings.home / "sessions.sqlite3", settings.session_ttl_seconds,
                        settings.write_pause_seconds)
    return RedisSessions(link or RedisLink(settings.redis_url), settings.session_ttl_seconds)


class Sessions:
    """Last turn per session id, forgotten after ``ttl_seconds`` of silence.

    Turns are written by a thread of their own, many in one transaction under load, so that
    no answer waits for the file; until a turn is written this store answers from memory, and
    other connections (the server's other workers) see it once it is, within write_pause
    seconds.

    path: SQLite file (created if missing).
    ttl_seconds: how long a conversation stays open.
    write_pause: the writer's pause after each write (see :class:`bot.writer.BatchWriter`).
    """

    def __init__(self, path: Path, ttl_seconds: float = 3600.0,
                 write_pause: float = 0.0) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.ttl_seconds = ttl_seconds
        self._lock = threading.Lock()  # the connection's, shared by readers and the writer
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
        # Turns recorded but not yet written, with when: what last() reads first.
        self._pending: dict[str, tuple[Turn, float]] = {}
        self._pending_lock = threading.Lock()
        self._writer: BatchWriter[tuple[str, Turn, float]] = BatchWriter(
            self._write, "sessions", pause=write_pause)
        self._writer.start()

    def last(self, session_id: str) -> Turn | None:
        """The previous turn of this session, if it is still open."""
        if found := self._pending.get(session_id):
            turn, updated = found
        else:
            with self._lock:
                row = self._db.execute(
                    "SELECT question, measures, lang, updated, document FROM turns "
                    "WHERE session_id = ?", (session_id,)).fetchone()
            if not row:
                return None
            turn = Turn(row[0], tuple(json.loads(row[1])), row[2], row[4] or BUNDLED_ID)
            updated = row[3]
        return turn if time.time() - updated <= self.ttl_seconds else None

    def record(self, session_id: str, turn: Turn) -> None:
        """Remember this turn as the session's latest (written to the file shortly)."""
        updated = time.time()
        with self._pending_lock:
            self._pending[session_id] = (turn, updated)
        if not self._writer.put((session_id, turn, updated)):
            self._forget([(session_id, turn, updated)])  # dropped: the queue is full

    def flush(self) -> None:
        """Wait until the turns recorded so far are in the file."""
        self._writer.flush()

    def close(self) -> None:
        """Write the pending turns, then close the file."""
        self._writer.close()
        with self._lock:
            self._db.close()

    def _write(self, batch: list[tuple[str, Turn, float]]) -> None:
        try:
            with self._lock:
                self._db.executemany(
                    "INSERT OR REPLACE INTO turns (session_id, question, measures, lang, "
                    "updated, document) VALUES (?, ?, ?, ?, ?, ?)",
                    [(session_id, turn.question, json.dumps(list(turn.measures)), turn.lang,
                      updated, turn.document) for session_id, turn, updated in batch])
                self._db.commit()
        finally:  # written, or lost (the writer logs why)
            self._forget(batch)

    def _forget(self, batch: list[tuple[str, Turn, float]]) -> None:
        """Take written (or dropped) turns out of the pending ones; a newer turn recorded
        meanwhile stays pending until it is written too."""
        with self._pending_lock:
            for session_id, turn, updated in batch:
                if self._pending.get(session_id) == (turn, updated):
                    del self._pending[session_id]


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

    def flush(self) -> None:
        """Nothing to do: each turn is in Redis once record() returns."""

    def close(self) -> None:
        """Nothing to do: the Redis link is the process's, closed by its owner."""
