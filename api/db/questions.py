"""The question log: every question asked on every channel, with how far the library answered
it, what it cited, how long it took, a one-way hash of its conversation, and the reader's
rating once feedback arrives."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

from sqlalchemy import Connection, delete, func, insert, select, update

from api.db import schema
from api.db.database import Database
from bot.answer import Coverage

Channel = Literal["web", "api", "wechat", "openai"]
Rating = Literal["up", "down"]
DEFAULT_RETENTION_DAYS = 180


@dataclass(frozen=True)
class LoggedQuestion:
    """One question as the log keeps it.

    asked_at: when it was answered (UTC). channel: web (the widget), api, wechat or openai.
    text: the question as asked. coverage: answered, partial or none. cited: the measures the
    answer cited, and for a partial answer its related measures, as ``{"document": id,
    "measure": n}``. latency_ms: the bot's time to answer. session_hash: HMAC-SHA256 of the
    conversation's id (a WeChat conversation's id holds the follower's openid). rating: "up"
    or "down" once the reader rated the answer, else None.
    """

    id: int
    asked_at: datetime
    channel: Channel
    text: str
    coverage: Coverage
    cited: list[dict]
    latency_ms: int
    session_hash: str
    rating: Rating | None


@dataclass(frozen=True)
class Question:
    """An answered question, as it is handed to the log.

    channel, text, coverage, cited: as in LoggedQuestion. latency_ms: the bot's time to answer.
    session: the conversation's id (stored only as its keyed hash). asked_at: when it was
    answered (UTC); now when not given.
    """

    channel: Channel
    text: str
    coverage: Coverage
    cited: list[dict]
    latency_ms: float
    session: str
    asked_at: datetime = field(default_factory=lambda: datetime.now(UTC))


class QuestionLog:
    """The questions table.

    database: where it lives.
    retention_days: prune() deletes questions asked longer ago than this.
    """

    def __init__(self, database: Database,
                 retention_days: int = DEFAULT_RETENTION_DAYS) -> None:
        self.database = database
        self.retention_days = retention_days
        self._key: bytes | None = None

    def record(self, channel: Channel, text: str, coverage: Coverage, cited: list[dict],
               latency_ms: float, session: str) -> int:
        """Log one answered question; returns its row id.

        channel, text, coverage, cited: as in LoggedQuestion. latency_ms: rounded to whole
        milliseconds. session: the conversation's id, stored only as its keyed hash.
        """
        with self.database.transaction("questions") as connection:
            row = self.row(connection, Question(channel, text, coverage, cited, latency_ms,
                                                session))
            return connection.execute(insert(schema.questions).values(row)
                                      .returning(schema.questions.c.id)).scalar_one()

    def record_many(self, questions: list[Question]) -> None:
        """Log several answered questions in one transaction."""
        with self.database.transaction("questions") as connection:
            connection.execute(insert(schema.questions),
                               [self.row(connection, q) for q in questions])

    def row(self, connection: Connection, question: Question) -> dict:
        """The questions table's row for one question (latency in whole milliseconds).

        connection: in a transaction (see session_hash).
        """
        return {"asked_at": question.asked_at, "channel": question.channel,
                "text": question.text, "coverage": question.coverage, "cited": question.cited,
                "latency_ms": round(question.latency_ms),
                "session_hash": self.session_hash(connection, question.session)}

    def rate(self, session: str, question: str, rating: Rating) -> bool:
        """Set the rating of the latest time this question was asked in this conversation;
        False when the log has no such question.

        session: the conversation's id. question: the question as asked. rating: up or down.
        """
        with self.database.transaction("questions") as connection:
            return self.rate_within(connection, session, question, rating)

    def rate_within(self, connection: Connection, session: str, question: str,
                    rating: Rating) -> bool:
        """rate(), in a transaction the caller holds (the feedback store's).

        connection: in that transaction. session, question, rating: as for rate().
        """
        table = schema.questions
        latest = (select(func.max(table.c.id))
                  .where(table.c.session_hash == self.session_hash(connection, session),
                         table.c.text == question).scalar_subquery())
        found = connection.execute(update(table).where(table.c.id == latest)
                                   .values(rating=rating))
        return found.rowcount > 0

    def rows(self, since: datetime | None = None, until: datetime | None = None,
             coverage: Coverage | None = None,
             rating: Rating | None = None) -> list[LoggedQuestion]:
        """Logged questions, oldest first.

        since, until: only those asked at or after since and before until. coverage, rating:
        only those with this coverage or rating. None leaves a filter out.
        """
        table = schema.questions
        query = select(table).order_by(table.c.id)
        if since:
            query = query.where(table.c.asked_at >= since)
        if until:
            query = query.where(table.c.asked_at < until)
        if coverage:
            query = query.where(table.c.coverage == coverage)
        if rating:
            query = query.where(table.c.rating == rating)
        with self.database.transaction("questions") as connection:
            return [LoggedQuestion(**row._mapping) for row in connection.execute(query)]

    def prune(self, now: datetime | None = None) -> int:
        """Delete the questions asked more than retention_days before now; returns how many.

        now: the present (UTC); the clock's when None.
        """
        cutoff = (now or datetime.now(UTC)) - timedelta(days=self.retention_days)
        with self.database.transaction("questions") as connection:
            return connection.execute(delete(schema.questions)
                                      .where(schema.questions.c.asked_at < cutoff)).rowcount

    def session_hash(self, connection: Connection, session: str) -> str:
        """HMAC-SHA256 of a conversation id under this database's own secret (made by its first
        migration), so replicas sharing the database hash alike and the id cannot be read back.

        connection: in a transaction, to read the secret the first time. session: the id.
        """
        if self._key is None:
            self._key = bytes.fromhex(connection.execute(
                select(schema.secrets.c.value).where(schema.secrets.c.name == "session_hash")
            ).scalar_one())
        return hmac.new(self._key, session.encode("utf-8"), hashlib.sha256).hexdigest()
