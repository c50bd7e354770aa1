"""Readers' 👍/👎 on answers, kept in the app database, and their export as gold-set
candidates."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictInt
from sqlalchemy import Insert, Table, func, select
from sqlalchemy.dialects import postgresql, sqlite

from api.db import schema
from api.db.database import Database
from api.db.questions import QuestionLog, Rating
from api.fields import Text
from evals.gold import GoldItem

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


def answer_key(session_id: str, question: str, answer: str) -> str:
    """The key of one rated answer: SHA-256 of its session, question and answer.

    session_id, question, answer: as in Feedback.
    """
    return hashlib.sha256(json.dumps([session_id, question, answer]).encode()).hexdigest()


class FeedbackStore:
    """Verdicts in the app database, one row per rated answer: rating the same answer again
    (same session, question and answer) replaces the rating and keeps an earlier comment unless
    a new one is given. A verdict also rates the question in the question log, in the same
    transaction. Any thread or worker may use it.

    database: where the feedback table is.
    """

    def __init__(self, database: Database) -> None:
        self.database = database
        self.questions = QuestionLog(database)

    def save(self, feedback: Feedback) -> int:
        """Record a verdict; returns its row id (the existing row's when re-rated). Raises
        DatabaseUnavailable, with nothing written, when the database cannot be reached."""
        now = datetime.now(UTC)
        table = schema.feedback
        upsert = dialect_insert(self.database.dialect)(table).values(
            answer_key=answer_key(feedback.session_id, feedback.question, feedback.answer),
            session_id=feedback.session_id, question=feedback.question, answer=feedback.answer,
            rating=feedback.rating, comment=feedback.comment, measures=feedback.measures,
            created=now, updated=now)
        upsert = upsert.on_conflict_do_update(
            index_elements=[table.c.answer_key],
            set_={"rating": upsert.excluded.rating,
                  "comment": func.coalesce(upsert.excluded.comment, table.c.comment),
                  "measures": upsert.excluded.measures, "updated": upsert.excluded.updated})
        with self.database.transaction("feedback") as connection:
            row_id = connection.execute(upsert.returning(table.c.id)).scalar_one()
            self.questions.rate_within(connection, feedback.session_id, feedback.question,
                                       feedback.rating)
        return row_id

    def records(self, rating: Rating | None = None) -> list[FeedbackRecord]:
        """Stored verdicts, oldest first.

        rating: only verdicts with this rating; all when None.
        """
        table = schema.feedback
        query = select(table).order_by(table.c.id)
        if rating:
            query = query.where(table.c.rating == rating)
        with self.database.transaction("feedback") as connection:
            return [FeedbackRecord.model_validate(row._mapping)
                    for row in connection.execute(query)]

    def export_jsonl(self, rating: Rating | None = None) -> str:
        """Stored verdicts as gold-set candidate lines (JSONL), optionally of one rating."""
        # A gold line has no session or turn: feedback is judged one question at a time.
        return "".join(
            FeedbackGold.from_record(r).model_dump_json(exclude={"session", "turn"}) + "\n"
            for r in self.records(rating))


def dialect_insert(dialect: str) -> Callable[[Table], Insert]:
    """The INSERT that can upsert (ON CONFLICT … DO UPDATE) in this dialect.

    dialect: "postgresql" or "sqlite".
    """
    return postgresql.insert if dialect == "postgresql" else sqlite.insert
