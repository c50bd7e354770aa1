"""Readers' 👍/👎 on answers, kept in SQLite, and their export as gold-set candidates."""

from __future__ import annotations

import json
import re
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from api.fields import Text
from evals.gold import GoldItem

Rating = Literal["up", "down"]
# A question with Chinese characters in it is a Chinese question (a gold item's lang).
CJK = re.compile(r"[\u4e00-\u9fff]")


class Feedback(BaseModel):
    """A reader's verdict on one answer (the body of ``POST /api/v1/feedback``).

    The caps bound what an anonymous browser can write to disk; they are well above what the
    bot produces (its longest answers, a department's measures, run to about 2,000
    characters).
    """

    model_config = ConfigDict(extra="ignore")

    session_id: Text = Field(min_length=1, max_length=128,
                                  description="The conversation the answer belongs to")
    question: Text = Field(min_length=1, max_length=2_000)
    answer: Text = Field(min_length=1, max_length=20_000)
    rating: Rating
    comment: Text | None = Field(None, max_length=1_000,
                                      description="What was wrong or missing, optional")
    measures: list[Annotated[StrictInt, Field(ge=1, le=10_000)]] = Field(
        [], max_length=100, description="The measures the answer cited, if the client has them")


class FeedbackRecord(Feedback):
    """A stored verdict.

    id: row id. created, updated: UTC times of the first and the latest verdict.
    """

    id: int
    created: datetime
    updated: datetime


class FeedbackGold(GoldItem):
    """A gold-set candidate made from a verdict; a maintainer reviews it (and drops the
    comment) before it joins a gold file."""

    comment: str | None = None

    @classmethod
    def from_record(cls, record: FeedbackRecord) -> FeedbackGold:
        """record: a stored verdict; its cited measures are the starting expectation."""
        return cls(id=f"feedback-{record.id}", question=record.question,
                   expected_measures=record.measures, expected_units=[],
                   answerable=bool(record.measures),
                   lang="zh" if CJK.search(record.question) else "en",
                   type="feedback", comment=record.comment)


class FeedbackStore:
    """Verdicts in a SQLite file, one row per rated answer: rating the same answer again (same
    session, question and answer) replaces the rating and keeps an earlier comment unless a new
    one is given. Each call opens its own connection, so any thread or worker may use it.

    path: the SQLite file (created, with its directory, if missing).
    """

    FILENAME = "feedback.sqlite3"

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as db, db:
            # WAL lets several server workers write while an export reads.
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS feedback ("
                "id INTEGER PRIMARY KEY AUTOINCREMENT, session_id TEXT NOT NULL, "
                "question TEXT NOT NULL, answer TEXT NOT NULL, "
                "rating TEXT NOT NULL CHECK (rating IN ('up', 'down')), comment TEXT, "
                "measures TEXT NOT NULL, created TEXT NOT NULL, updated TEXT NOT NULL, "
                "UNIQUE (session_id, question, answer))")

    @classmethod
    def in_home(cls, home: Path) -> FeedbackStore:
        """home: POLICYBOT_HOME; the store is its ``feedback.sqlite3``."""
        return cls(home / cls.FILENAME)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10.0)

    def save(self, feedback: Feedback) -> int:
        """Record a verdict; returns its row id (the existing row's when re-rated)."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with closing(self._connect()) as db, db:
            row = db.execute(
                "INSERT INTO feedback (session_id, question, answer, rating, comment, measures, "
                "created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (session_id, question, answer) DO UPDATE SET "
                "rating = excluded.rating, comment = COALESCE(excluded.comment, comment), "
                "measures = excluded.measures, updated = excluded.updated RETURNING id",
                (feedback.session_id, feedback.question, feedback.answer, feedback.rating,
                 feedback.comment, json.dumps(feedback.measures), now, now)).fetchone()
        return row[0]

    def records(self, rating: Rating | None = None) -> list[FeedbackRecord]:
        """Stored verdicts, oldest first.

        rating: only verdicts with this rating; all when None.
        """
        query = ("SELECT id, session_id, question, answer, rating, comment, measures, created, "
                 "updated FROM feedback")
        params: tuple[str, ...] = ()
        if rating:
            query += " WHERE rating = ?"
            params = (rating,)
        with closing(self._connect()) as db:
            rows = db.execute(query + " ORDER BY id", params).fetchall()
        return [FeedbackRecord(id=r[0], session_id=r[1], question=r[2], answer=r[3],
                               rating=r[4], comment=r[5], measures=json.loads(r[6]),
                               created=r[7], updated=r[8]) for r in rows]

    def export_jsonl(self, rating: Rating | None = None) -> str:
        """Stored verdicts as gold-set candidate lines (JSONL), optionally of one rating."""
        # A gold line has no session or turn: feedback is judged one question at a time.
        return "".join(
            FeedbackGold.from_record(r).model_dump_json(exclude={"session", "turn"}) + "\n"
            for r in self.records(rating))
