"""The console's API behind a bearer token: overview, questions to review and their review,
the policy-gap report, the gold export; and the older admin actions (re-ingest the plan,
export feedback).

The routes exist only when ``POLICYBOT_ADMIN_TOKEN`` is set.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from api.admin.auth import require_admin
from api.admin.overview import overview
from api.admin.report import gold_lines, report_csv, report_markdown
from api.admin.review import (
    Order,
    UnknownMeasure,
    check_measure,
    day_start,
    gap_report,
    period,
    question_items,
)
from api.db.annotations import Annotation, Annotations
from api.db.feedback import FeedbackStore
from api.db.questions import QuestionLog, Rating
from api.deps import get_annotations, get_bot, get_feedback_store, get_question_log
from api.fields import Text
from bot.answer import Citation, Coverage
from bot.policybot import PolicyBot
from bot.search import search
from ingest.plan import bundled_plan_path
from vectorstore.library import BUNDLED_ID, UnknownDocument, index_file

router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(require_admin)])

Bot = Annotated[PolicyBot, Depends(get_bot)]
Log = Annotated[QuestionLog, Depends(get_question_log)]
Notes = Annotated[Annotations, Depends(get_annotations)]
# The search box shows this many measures, fewer per document when several are loaded.
FOUND = 8


class Reingested(BaseModel):
    """The index generation now served and whether a new one was built."""

    generation: str
    built: bool


@router.post("/reingest", response_model=Reingested)
def reingest(bot: Bot) -> Reingested:
    """Re-index the bundled plan (a no-op when nothing changed) and switch to it."""
    generation, built = index_file(bot.client, bot.embeddings, bundled_plan_path(),
                                   BUNDLED_ID)
    bot.refresh()
    return Reingested(generation=generation, built=built)


@router.get("/feedback", response_class=PlainTextResponse)
def export_feedback(store: Annotated[FeedbackStore, Depends(get_feedback_store)],
                    rating: Annotated[Rating | None, Query()] = None) -> PlainTextResponse:
    """Feedback as gold-set candidate lines (JSONL), like ``policybot feedback export``; 503
    while the database is unavailable."""
    return PlainTextResponse(store.export_jsonl(rating), media_type="application/x-ndjson")


@router.get("/api/overview")
def overview_of(bot: Bot, log: Log, since: date | None = None,
                until: date | None = None) -> dict:
    """Questions per day by coverage, the shares answered, partial and refused, the measures
    and units asked about most, the ratings and channels, from since to until (days of the
    server's time zone; the last 30 days by default)."""
    first, last = period(since, until)
    rows = log.rows(since=day_start(first), until=day_start(date.fromordinal(
        last.toordinal() + 1)))
    library = bot.current()

    def cite(document: str, number: int) -> Citation | None:
        pipeline = library.pipelines.get(document)
        if pipeline is None or not pipeline.composer.plan.measure(number):
            return None
        return library.cited([(document, number)])[0]

    return overview(rows, first, last, cite)


@router.get("/api/questions")
def questions(log: Log, annotations: Notes, coverage: Coverage | None = None,
              rating: Rating | None = None, since: datetime | None = None,
              until: datetime | None = None, review: bool = False, pending: bool = False,
              order: Order = "recent") -> dict:
    """Asked questions, near-duplicates grouped with a count: ``{"items": [{"question",
    "count", "last_asked", "coverage", "cited", "variants", "up", "down", "status"}]}``.

    coverage, rating, since, until: filters. review: only refused, partial and 👎 ones.
    pending: only those not reviewed yet. order: ``recent`` or ``frequent`` first.
    """
    return {"items": question_items(log, annotations, coverage, rating, since, until, review,
                                    pending, order)}


@router.get("/api/measures")
def find_measures(bot: Bot, q: Annotated[str, Query(min_length=1, max_length=500)]
                  ) -> list[Citation]:
    """Measures for the review's search box: by number ("21"), else by keyword and dense
    search in every loaded document."""
    library = bot.current()
    per_document = max(2, FOUND // len(library.pipelines))
    found = []
    for document, pipeline in library.pipelines.items():
        plan = pipeline.composer.plan
        if q.strip().isdigit():
            numbers = [int(q)] if plan.measure(int(q)) else []
        else:
            numbers = [h.measure for h in search(pipeline, pipeline.analyzer.run(q))]
        found += library.cited([(document, n) for n in numbers[:per_document]])
    return found[:FOUND]


class Attach(BaseModel):
    """A question and the measure that answers it."""

    question: Text = Field(min_length=1, max_length=2_000)
    document: Text | None = Field(None, description="The measure's document; the first "
                                                    "loaded (the bundled plan) when omitted")
    measure: int = Field(ge=1)


class Question(BaseModel):
    """A question as asked."""

    question: Text = Field(min_length=1, max_length=2_000)


def annotated(request: Request, annotation: Annotation) -> dict:
    """The annotation made, after asking the review sync to apply it now."""
    request.app.state.review_sync.wake()
    return {"question": annotation.question, "kind": annotation.kind,
            "document": annotation.document, "measure": annotation.measure,
            "created_at": annotation.created_at.isoformat()}


@router.post("/api/attach")
def attach(body: Attach, request: Request, bot: Bot, annotations: Notes) -> dict:
    """Make the question a sample question of the measure: within seconds the same question
    is answered from it. 404 for an unknown document or measure."""
    plans = {d: p.composer.plan for d, p in bot.current().pipelines.items()}
    try:
        document = check_measure(plans, body.document, body.measure)
    except (UnknownDocument, UnknownMeasure) as exc:
        raise HTTPException(404, str(exc)) from exc
    return annotated(request, annotations.attach(body.question, document, body.measure))


@router.post("/api/out-of-scope")
def out_of_scope(body: Question, request: Request, annotations: Notes) -> dict:
    """Mark the question out of scope: it is refused when asked again, and it stays in the
    policy-gap report."""
    return annotated(request, annotations.out_of_scope(body.question))


@router.post("/api/dismiss")
def dismiss(body: Question, request: Request, annotations: Notes) -> dict:
    """Take the question off the review list (and out of the policy-gap report)."""
    return annotated(request, annotations.dismiss(body.question))


def topics_of(bot: Bot, log: Log, annotations: Notes, since: date | None = None,
              until: date | None = None) -> tuple[list, str]:
    """The gap report's topics for the period asked, and the period in words."""
    end = day_start(date.fromordinal(until.toordinal() + 1)) if until else None
    topics = gap_report(log, annotations, bot.tokenizer, day_start(since) if since else None,
                        end)
    words = f"{since or 'the start of the log'} to {until or 'today'}"
    return topics, words


Topics = Annotated[tuple[list, str], Depends(topics_of)]


@router.get("/api/report.csv", response_class=PlainTextResponse)
def report_as_csv(report: Topics) -> PlainTextResponse:
    """The policy-gap report, one row per question group (since, until: days)."""
    return PlainTextResponse(report_csv(report[0]), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition":
                                      'attachment; filename="policy-gaps.csv"'})


@router.get("/api/report.md", response_class=PlainTextResponse)
def report_as_markdown(report: Topics) -> PlainTextResponse:
    """The policy-gap report as Markdown: topics with counts and examples."""
    return PlainTextResponse(report_markdown(*report), media_type="text/markdown; charset=utf-8")


@router.get("/api/report.json")
def report_as_json(report: Topics) -> dict:
    """The policy-gap report's topics, as the console shows them."""
    topics, words = report
    return {"period": words, "topics": [
        {"name": t.name, "count": t.count, "refused": t.refused, "partial": t.partial,
         "examples": t.examples(),
         "questions": [{"question": g.question, "count": g.count} for g in t.groups]}
        for t in topics]}


@router.get("/api/gold.jsonl", response_class=PlainTextResponse)
def gold(annotations: Notes,
         kind: Literal["sample", "out_of_scope"] | None = None) -> PlainTextResponse:
    """Reviewed questions as gold-set lines (JSONL, the shape of ``evals/gold``)."""
    chosen = [a for a in annotations.all() if kind in (None, a.kind)]
    return PlainTextResponse(gold_lines(chosen), media_type="application/x-ndjson")
