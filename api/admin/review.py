"""What the console and ``policybot review``/``report`` share: the questions to review, the
policy-gap report's questions, checking a measure to attach to, and the reviewed questions as
the bot takes them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from api.admin.grouping import group_questions
from api.admin.report import Topic, gap_topics
from api.db.annotations import Annotation, Annotations
from api.db.questions import LoggedQuestion, QuestionLog
from bot.answer import Coverage
from bot.query import Tokenizer
from bot.reviewed import Reviewed, SampleQuestion
from ingest.plan import Plan
from vectorstore.library import UnknownDocument

Order = Literal["recent", "frequent"]


class UnknownMeasure(LookupError):
    """The document has no measure with this number."""


def day_start(day: date) -> datetime:
    """The first instant of a day of the server's time zone, in UTC."""
    return datetime.combine(day, time()).astimezone().astimezone(UTC)


def as_utc(moment: datetime | None) -> datetime | None:
    """A moment in UTC; one without a zone is the server's local time."""
    return moment.astimezone(UTC) if moment else None


def needs_review(row: LoggedQuestion) -> bool:
    """Refused, partial or rated 👎."""
    return row.coverage != "answered" or row.rating == "down"


def question_items(log: QuestionLog, annotations: Annotations,
                   coverage: Coverage | None = None, rating: Literal["up", "down"] | None = None,
                   since: datetime | None = None, until: datetime | None = None,
                   review: bool = False, pending: bool = False,
                   order: Order = "recent") -> list[dict]:
    """Asked questions grouped into near-duplicates (``GET /admin/api/questions``).

    coverage, rating, since, until: filters of the log (None leaves one out). review: only
    refused, partial and 👎 ones. pending: only groups with a question not yet reviewed.
    order: newest or most asked first. Each item's ``status`` is the review of its question
    (sample, out_of_scope, dismissed) once every variant has one, else None.
    """
    rows = log.rows(since=as_utc(since), until=as_utc(until), coverage=coverage, rating=rating)
    if review:
        rows = [r for r in rows if needs_review(r)]
    groups = group_questions(rows)
    status = annotations.status(sorted({q for g in groups for q, _ in g.variants}))
    items = []
    for g in groups:
        kinds = [status.get(q) for q, _ in g.variants]
        reviewed = status.get(g.question) if None not in kinds else None
        if not (pending and reviewed):
            items.append({**g.as_item(), "status": reviewed})
    if order == "recent":
        items.sort(key=lambda item: item["last_asked"], reverse=True)
    return items


def gap_report(log: QuestionLog, annotations: Annotations, tokenizer: Tokenizer,
               since: datetime | None = None, until: datetime | None = None) -> list[Topic]:
    """The policy-gap report's topics: refused and partial questions, without those attached
    to a measure since (now answered) or dismissed."""
    rows = [r for r in log.rows(since=as_utc(since), until=as_utc(until))
            if r.coverage != "answered"]
    status = annotations.status(sorted({r.text for r in rows}))
    kept = [r for r in rows if status.get(r.text) not in ("sample", "dismissed")]
    return gap_topics(group_questions(kept), tokenizer)


def check_measure(plans: Mapping[str, Plan], document: str | None, measure: int) -> str:
    """The id of the document to attach to (the first loaded when None); raises
    UnknownDocument or UnknownMeasure.

    plans: the loaded documents' plans by id, bundled plan first.
    """
    document = document or next(iter(plans), "")
    if document not in plans:
        raise UnknownDocument(document)
    if not plans[document].measure(measure):
        raise UnknownMeasure(f"{document} has no measure {measure}")
    return document


def as_reviewed(annotations: list[Annotation]) -> Reviewed:
    """The annotations the bot applies: samples and out-of-scope examples."""
    return Reviewed(
        tuple(SampleQuestion(a.question, a.document, a.measure)
              for a in annotations if a.kind == "sample"),
        tuple(a.question for a in annotations if a.kind == "out_of_scope"))


def period(since: date | None, until: date | None, days: int = 30) -> tuple[date, date]:
    """The first and last day of a period: until (today when None) and the days before it
    from since (days in all when None)."""
    last = until or date.today()
    return since or last - timedelta(days=days - 1), last

