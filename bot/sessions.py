"""Conversation memory: the last turn of each session, in SQLite so it survives restarts and
is shared by every worker process on the machine."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Turn:
    """What a follow-up needs from the previous turn.

    question: the (normalised) question asked.
    measures: the measures the answer cited.
    lang: the language it was answered in.
    """

    question: str
    measures: tuple[int, ...]
    lang: str


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
            "measures TEXT, lang TEXT, updated REAL)")
        self._db.commit()

    def last(self, session_id: str) -> Turn | None:
        """The previous turn of this session, if it is still open."""
        with self._lock:
            row = self._db.execute(
                "SELECT question, measures, lang, updated FROM turns WHERE session_id = ?",
                (session_id,)).fetchone()
        if not row or time.time() - row[3] > self.ttl_seconds:
            return None
        return Turn(row[0], tuple(json.loads(row[1])), row[2])

    def record(self, session_id: str, turn: Turn) -> None:
        """Remember this turn as the session's latest."""
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO turns VALUES (?, ?, ?, ?, ?)",
                (session_id, turn.question, json.dumps(list(turn.measures)), turn.lang,
                 time.time()))
            self._db.commit()

    def close(self) -> None:
        with self._lock:
            self._db.close()
