"""Operators' annotations on asked questions: a question attached to the measure that answers
it (a sample question), marked out of scope, or dismissed. One annotation per question, matched
after normalization, so the same question asked in other punctuation, case, width or script is
the same question."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from api.db import schema
from api.db.database import Database
from bot.reviewed import question_key

Kind = Literal["sample", "out_of_scope", "dismissed"]


@dataclass(frozen=True)
class Annotation:
    """An operator's verdict on a question.

    question: as first annotated. normalized: what questions are matched on (see normalize).
    kind: sample (answered by document's measure), out_of_scope or dismissed. document,
    measure: the measure a sample question is attached to; None for the other kinds.
    created_at: when it was made (UTC).
    """

    id: int
    question: str
    normalized: str
    kind: Kind
    document: str | None
    measure: int | None
    created_at: datetime


class Annotations:
    """The annotations table. Writes are idempotent: annotating a question as it already is
    changes nothing; annotating it otherwise (another measure, another kind) replaces its
    annotation.

    database: where it lives.
    """

    def __init__(self, database: Database) -> None:
        self.database = database

    def attach(self, question: str, document: str, measure: int) -> Annotation:
        """Make question a sample question of a measure.

        question: as asked. document: the measure's document id. measure: its number.
        """
        return self._annotate(question, "sample", document, measure)

    def out_of_scope(self, question: str) -> Annotation:
        """Mark question as one the library does not cover.

        question: as asked.
        """
        return self._annotate(question, "out_of_scope")

    def dismiss(self, question: str) -> Annotation:
        """Mark question as looked at, needing nothing.

        question: as asked.
        """
        return self._annotate(question, "dismissed")

    def all(self, kind: Kind | None = None) -> list[Annotation]:
        """Annotations, oldest first.

        kind: only this kind; all when None.
        """
        table = schema.annotations
        query = select(*self._columns()).order_by(table.c.id)
        if kind:
            query = query.where(table.c.kind == kind)
        with self.database.transaction("annotations") as connection:
            return [Annotation(**row._mapping) for row in connection.execute(query)]

    def version(self) -> str:
        """A token that changes whenever any annotation is made or replaced (a replaced one
        gets a new id), for a poller to notice changes cheaply."""
        table = schema.annotations
        with self.database.transaction("annotations") as connection:
            count, last = connection.execute(
                select(func.count(), func.coalesce(func.max(table.c.id), 0))).one()
        return f"{count}-{last}"

    def status(self, questions: list[str]) -> dict[str, Kind]:
        """The kind of annotation each question has, for those that have one.

        questions: as asked; each is matched after normalization.
        """
        keys = {question: key(question_key(question)) for question in questions}
        table = schema.annotations
        with self.database.transaction("annotations") as connection:
            kinds = dict(connection.execute(
                select(table.c.normalized_key, table.c.kind)
                .where(table.c.normalized_key.in_(set(keys.values())))).all())
        return {question: kinds[k] for question, k in keys.items() if k in kinds}

    def _annotate(self, question: str, kind: Kind, document: str | None = None,
                  measure: int | None = None) -> Annotation:
        """Make question's annotation this one, unless it already is."""
        try:
            return self._write(question, kind, document, measure)
        except IntegrityError:
            # Two operators annotated the question at once: the other insert won the unique
            # key, and this second try finds its row.
            return self._write(question, kind, document, measure)

    def _write(self, question: str, kind: Kind, document: str | None,
               measure: int | None) -> Annotation:
        """One try of _annotate, in one transaction."""
        normalized = question_key(question)
        table = schema.annotations
        with self.database.transaction("annotations") as connection:
            found = connection.execute(select(*self._columns())
                                       .where(table.c.normalized_key == key(normalized))).first()
            if found and (found.kind, found.document, found.measure) == (kind, document, measure):
                return Annotation(**found._mapping)
            if found:
                connection.execute(delete(table).where(table.c.id == found.id))
            row = connection.execute(insert(table).values(
                question=question, normalized=normalized, normalized_key=key(normalized),
                kind=kind, document=document, measure=measure, created_at=datetime.now(UTC),
            ).returning(*self._columns())).one()
        return Annotation(**row._mapping)

    @staticmethod
    def _columns():
        """The columns an Annotation is made of."""
        table = schema.annotations
        return (table.c.id, table.c.question, table.c.normalized, table.c.kind,
                table.c.document, table.c.measure, table.c.created_at)


def key(normalized: str) -> str:
    """normalized: a normalized question; returns its unique key (SHA-256 hex)."""
    return hashlib.sha256(normalized.encode("utf-8")).hexdigest()
