"""``PolicyBot.ask()``: the one entry point behind the API, the CLI, WeChat and evaluation.

question → Query → (route | follow-up | keyword + dense search → fusion → scope check)
         → cited measures → Answer
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from chromadb.api import ClientAPI

from bot.answer import Answer, AnswerComposer, Retrieved, greeting, refusal
from bot.followup import FollowUpResolver
from bot.fusion import ReciprocalRankFusion
from bot.query import PlanVocabulary, Query, QueryAnalyzer, Tokenizer
from bot.retrievers import BM25Retriever, DenseRetriever, Hit
from bot.router import Route, Router
from bot.scope import SMALL_TALK_REASON, ScopeDecision, ScopeDetector, ScopeModel
from bot.sessions import Sessions, Turn
from bot.settings import Settings
from ingest.plan import Plan, bundled_plan_path
from ingest.units import UNITS
from vectorstore.embeddings import ModelEmbeddings, make_embeddings
from vectorstore.store import MeasureIndex, active_generation, connect, index_plan_file

TOP_K = 10
# A second measure is cited too when its fused score is this close to the best one.
SECOND_CITATION_RATIO = 0.95


class InvalidQuestion(ValueError):
    """The question cannot be asked as given (empty, or too long)."""


@dataclass(frozen=True)
class Pipeline:
    """The components built from one generation of the index."""

    generation: str
    analyzer: QueryAnalyzer
    keyword: BM25Retriever
    dense: DenseRetriever
    fusion: ReciprocalRankFusion
    router: Router
    scope: ScopeDetector
    follow_up: FollowUpResolver
    composer: AnswerComposer


def build_pipeline(index: MeasureIndex, tokenizer: Tokenizer, model: ScopeModel) -> Pipeline:
    """Assemble the components for the index's plan."""
    plan = index.plan
    keyword = BM25Retriever(plan, tokenizer, index.queries)
    vocabulary = PlanVocabulary(plan, tokenizer)
    # Homophones are corrected towards the plan's longer words and its section titles.
    terms = {w for m in plan.measures for w in tokenizer.words(m.text) if len(w) >= 3}
    terms |= {s.title for s in plan.sections}
    return Pipeline(
        generation=index.generation,
        analyzer=QueryAnalyzer(terms),
        keyword=keyword,
        dense=DenseRetriever(index),
        fusion=ReciprocalRankFusion(k=10.0, weights=(1.0, 1.0)),
        router=Router(plan, tokenizer, vocabulary),
        scope=ScopeDetector(tokenizer, keyword.vocabulary,
                            {m.number: m.text for m in plan.measures}, model),
        follow_up=FollowUpResolver(tokenizer, vocabulary),
        composer=AnswerComposer(plan),
    )


class PolicyBot:
    """Answers questions about the plan from the measure index.

    client: Chroma client holding the index.
    embeddings: the query embedding model (must match the index).
    sessions: conversation memory for follow-ups.
    max_question_chars: longer questions are rejected.
    refresh_seconds: how often to look for a newer index generation (after a re-ingest).
    """

    def __init__(self, client: ClientAPI, embeddings: ModelEmbeddings, sessions: Sessions,
                 max_question_chars: int = 500, refresh_seconds: float = 5.0) -> None:
        self.client = client
        self.embeddings = embeddings
        self.sessions = sessions
        self.max_question_chars = max_question_chars
        self.refresh_seconds = refresh_seconds
        self.tokenizer = Tokenizer(tuple(u.name for u in UNITS))
        self.scope_model = ScopeModel.load()
        self.pipeline = build_pipeline(MeasureIndex(client, embeddings), self.tokenizer,
                                       self.scope_model)
        self._checked = time.monotonic()
        self._reload_lock = threading.Lock()
        self._listeners: list[Callable[[Answer], None]] = []

    def listen(self, listener: Callable[[Answer], None]) -> None:
        """Call listener with every answer given (metrics, logs)."""
        self._listeners.append(listener)

    @property
    def plan(self) -> Plan:
        """The plan currently served."""
        return self.pipeline.composer.plan

    def refresh(self) -> bool:
        """Switch to a newer index generation if one was built; True when it switched."""
        with self._reload_lock:
            self._checked = time.monotonic()
            if active_generation(self.client) == self.pipeline.generation:
                return False
            self.pipeline = build_pipeline(MeasureIndex(self.client, self.embeddings),
                                           self.tokenizer, self.scope_model)
            return True

    def ask(self, question: str, session_id: str | None = None) -> Answer:
        """Answer one question; with a session_id, follow-ups resolve against the last turn.

        Raises InvalidQuestion for an empty or over-long question.
        """
        started = time.perf_counter()
        text = (question or "").strip()
        if not text:
            raise InvalidQuestion("the question is empty")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise InvalidQuestion("the question is not valid Unicode") from exc
        if len(text) > self.max_question_chars:
            raise InvalidQuestion(
                f"the question is {len(text)} characters long; the limit is "
                f"{self.max_question_chars}")
        if time.monotonic() - self._checked > self.refresh_seconds:
            self.refresh()
        pipeline = self.pipeline
        session_id = session_id or uuid.uuid4().hex
        query = pipeline.analyzer.run(text)
        previous = self.sessions.last(session_id)

        answer, cited, retrieved = self.respond(pipeline, query, previous)
        if cited:
            self.sessions.record(session_id, Turn(query.text, tuple(cited), query.lang))
        result = Answer(
            answer=answer,
            answerable=bool(cited),
            coverage="answered" if cited else "none",
            citations=pipeline.composer.cited(cited),
            retrieved=[Retrieved(measure=h.measure, score=round(h.score, 6)) for h in retrieved],
            session_id=session_id,
            latency_ms=round((time.perf_counter() - started) * 1000, 3),
        )
        for listener in self._listeners:
            listener(result)
        return result

    def respond(self, pipeline: Pipeline, query: Query,
                previous: Turn | None) -> tuple[str, list[int], list[Hit]]:
        """The answer text, the cited measures (empty when refused) and the fused ranking."""
        # Instructions to the bot are refused even when they name a measure.
        route = None if pipeline.scope.refuses_outright(query) else pipeline.router.run(query)
        if route:
            # The plan's structure answers; keyword search only fills the rest of the ranking.
            ranking = with_first(pipeline.keyword.run(query, TOP_K), route.measures)
            return self.routed(pipeline, route, query), list(route.measures), ranking

        if not pipeline.scope.refuses_outright(query):
            follow_up = pipeline.follow_up.run(query, previous)
            query = follow_up.query
            if follow_up.kind == "previous":
                measures = list(previous.measures)
                text = pipeline.composer.search_answer(query.text, measures, query.lang)
                return text, measures, [Hit(n, 1.0) for n in measures]

        found = search(pipeline, query)
        fused = found.fused
        if found.decision.reason == SMALL_TALK_REASON:
            return greeting(query.lang, query.text), [], fused
        if not found.decision.in_scope or not fused:
            return refusal(query.lang), [], fused
        cited = [fused[0].measure]
        if len(fused) > 1 and fused[1].score >= SECOND_CITATION_RATIO * fused[0].score:
            cited.append(fused[1].measure)
        return pipeline.composer.search_answer(query.text, cited, query.lang), cited, fused

    def routed(self, pipeline: Pipeline, route: Route, query: Query) -> str:
        composer = pipeline.composer
        if route.kind == "measure":
            return composer.measure_answer(list(route.measures), query.lang)
        if route.kind == "department":
            return composer.department_answer(route.unit, list(route.measures), query.lang)
        return composer.structure_answer(route.title, route.sections, query.lang)


@dataclass(frozen=True)
class Search:
    """Both rankings, their fusion, and the scope decision for one query."""

    keyword: list[Hit]
    dense: list[Hit]
    fused: list[Hit]
    decision: ScopeDecision


def search(pipeline: Pipeline, query: Query) -> Search:
    """Keyword and dense search, fused, and whether the plan covers the query at all."""
    keyword_hits = pipeline.keyword.run(query, TOP_K)
    dense_hits = pipeline.dense.run(query, TOP_K)
    fused = pipeline.fusion.run([keyword_hits, dense_hits], TOP_K)
    best = fused[0].measure if fused else None
    decision = pipeline.scope.run(query, keyword_hits, dense_hits, best)
    return Search(keyword_hits, dense_hits, fused, decision)


def with_first(hits: list[Hit], first: tuple[int, ...]) -> list[Hit]:
    """The routed measures first, then the search hits, top 10 in all."""
    ranked = [Hit(n, 1.0) for n in first]
    ranked += [h for h in hits if h.measure not in first]
    return ranked[:TOP_K]


def open_index_client(settings: Settings) -> ClientAPI:
    """The Chroma client the settings ask for."""
    return connect(settings.home, settings.chroma_host, settings.chroma_port)


def ensure_index(settings: Settings) -> bool:
    """Build the index from the bundled plan if the store has none; True when it built."""
    client = open_index_client(settings)
    if active_generation(client):
        return False
    index_plan_file(client, make_embeddings(settings.embeddings), bundled_plan_path())
    return True


def load_bot(settings: Settings) -> PolicyBot:
    """The bot as every surface uses it, from settings."""
    client = open_index_client(settings)
    embeddings = make_embeddings(settings.embeddings)
    sessions = Sessions(settings.home / "sessions.sqlite3", settings.session_ttl_seconds)
    return PolicyBot(client, embeddings, sessions, settings.max_question_chars)
