"""The app database's tables, as the code reads and writes them (the migrations in
``migrations/versions`` create them)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, Column, DateTime, Dialect, Integer, MetaData, String, Table, Text
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """A moment in UTC: ``timestamptz`` on PostgreSQL, naive UTC text on SQLite (which keeps no
    offset); either way it is read back as an aware UTC datetime."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None,
                             dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData()

feedback = Table(
    "feedback", metadata,
    Column("id", Integer, primary_key=True),
    # The answer a verdict is about: a hash of its session, question and answer, unique so
    # that rating it again updates its row (the texts themselves are too long for an index).
    Column("answer_key", String(64), nullable=False, unique=True),
    Column("session_id", Text, nullable=False),
    Column("question", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("rating", String(8), nullable=False),
    Column("comment", Text),
    Column("measures", JSON, nullable=False),
    Column("created", UTCDateTime, nullable=False),
    Column("updated", UTCDateTime, nullable=False),
)

questions = Table(
    "questions", metadata,
    Column("id", Integer, primary_key=True),
    Column("asked_at", UTCDateTime, nullable=False, index=True),
    Column("channel", String(16), nullable=False),
    Column("text", Text, nullable=False),
    Column("coverage", String(16), nullable=False),
    Column("cited", JSON, nullable=False),
    Column("latency_ms", Integer, nullable=False),
    Column("session_hash", String(64), nullable=False, index=True),
    Column("rating", String(8)),
)

annotations = Table(
    "annotations", metadata,
    Column("id", Integer, primary_key=True),
    Column("question", Text, nullable=False),
    Column("normalized", Text, nullable=False),
    # One annotation per normalized question: a hash of it, unique (the text may be too long
    # for an index).
    Column("normalized_key", String(64), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),
    Column("document", Text),
    Column("measure", Integer),
    Column("created_at", UTCDateTime, nullable=False),
)

# Values made once per database: the key that hashes session ids in the question log.
secrets = Table(
    "secrets", metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)
