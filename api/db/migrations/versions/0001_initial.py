"""The app database: feedback, the question log, annotations, and the install's secret.

Feedback kept before this database, in ``$POLICYBOT_HOME/feedback.sqlite3``, is copied in (the
file is left as it was, and no longer read).

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from contextlib import closing
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import context, op

from api.db.feedback import answer_key

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

LEGACY_FEEDBACK = "feedback.sqlite3"
# Row ids are never reused, on SQLite as on PostgreSQL's sequences: a replaced annotation gets
# an id above every earlier one (Annotations.version relies on it), as does any new row.
NEVER_REUSED = {"sqlite_autoincrement": True}


def upgrade() -> None:
    feedback = op.create_table(
        "feedback",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("answer_key", sa.String(64), nullable=False, unique=True),
        sa.Column("session_id", sa.Text, nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("rating", sa.String(8), nullable=False),
        sa.Column("comment", sa.Text),
        sa.Column("measures", sa.JSON, nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("rating IN ('up', 'down')", name="feedback_rating"),
        **NEVER_REUSED)
    op.create_table(
        "questions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("coverage", sa.String(16), nullable=False),
        sa.Column("cited", sa.JSON, nullable=False),
        sa.Column("latency_ms", sa.Integer, nullable=False),
        sa.Column("session_hash", sa.String(64), nullable=False, index=True),
        sa.Column("rating", sa.String(8)),
        sa.CheckConstraint("channel IN ('web', 'api', 'wechat', 'openai')",
                           name="questions_channel"),
        sa.CheckConstraint("coverage IN ('answered', 'partial', 'none')",
                           name="questions_coverage"),
        sa.CheckConstraint("rating IN ('up', 'down')", name="questions_rating"),
        **NEVER_REUSED)
    op.create_table(
        "annotations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("normalized", sa.Text, nullable=False),
        sa.Column("normalized_key", sa.String(64), nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("document", sa.Text),
        sa.Column("measure", sa.Integer),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('sample', 'out_of_scope', 'dismissed')",
                           name="annotations_kind"),
        **NEVER_REUSED)
    keys = op.create_table(
        "secrets",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False))
    op.bulk_insert(keys, [{"name": "session_hash", "value": secrets.token_hex(32)}])
    home = context.config.attributes.get("home")
    if home and (Path(home) / LEGACY_FEEDBACK).exists():
        op.bulk_insert(feedback, legacy_feedback(Path(home) / LEGACY_FEEDBACK))


def legacy_feedback(path: Path) -> list[dict]:
    """The rows of a feedback.sqlite3 file, oldest first, as rows of the feedback table.

    path: the file (opened read-only).
    """
    with closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as db:
        rows = db.execute("SELECT session_id, question, answer, rating, comment, measures, "
                          "created, updated FROM feedback ORDER BY id").fetchall()
    return [{"answer_key": answer_key(session_id, question, answer), "session_id": session_id,
             "question": question, "answer": answer, "rating": rating, "comment": comment,
             "measures": json.loads(measures), "created": datetime.fromisoformat(created),
             "updated": datetime.fromisoformat(updated)}
            for session_id, question, answer, rating, comment, measures, created, updated
            in rows]


def downgrade() -> None:
    for table in ("secrets", "annotations", "questions", "feedback"):
        op.drop_table(table)
