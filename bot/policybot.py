"""``PolicyBot.ask()``: the one entry point behind the API, the CLI, WeChat and evaluation.

question → Query → needs → per need: (route | follow-up | keyword + dense search → fusion
         → scope check → details asked) → answered / partial / none → Answer
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import replace

import numpy as np
from chromadb.api import ClientAPI

from bot.answer import (
    Answer,
    AnswerComposer,
    Retrieved,
    greeting,
    is_thanks,
    refusal,
    unique,
)
from bot.details import Detail, asked_details, unstated
from bot.library import Library, build_library
from bot.needs import Need, goes_on_about
from bot.outcome import Outcome, interleave, overall, resting_on, standing
from bot.pipeline import Pipeline
from bot.query import Query, Tokenizer
from bot.redis_link import RedisLink
from bot.retrievers import Hit
from bot.reviewed import Reviewed
from bot.router import Route
from bot.scope import ScopeModels
from bot.search import TOP_K, examine, search, with_first
from bot.sessions import SessionStore, Turn, open_sessions
from bot.settings import Settings
from ingest.plan import Plan, bundled_plan_path
from ingest.units import UNITS
from vectorstore.embeddings import ModelEmbeddings, make_embeddings, normalized
from vectorstore.library import BUNDLED_ID, index_file, library_state, state_key
from vectorstore.store import MeasureIndex, connect

# A partial answer points to the closest measures only.
MAX_RELATED = 2


class InvalidQuestion(ValueError):
    """The question cannot be asked as given (empty, or too long)."""


class PolicyBot:
    """Answers questions about the plan from the measure index.

    client: Chroma client holding the index.
    embeddings: the query embedding model (must match the index).
    sessions: conversation memory for follow-ups.
    max_question_chars: longer questions are rejected.
    refresh_seconds: how often to look for a newer index generation (after a re-ingest).
    exact: search the index's vectors in memory (else through Chroma; see MeasureIndex).
    keyword_first: answer a need whose keyword ranking is decisive without dense search (see
      ``bot.search``).
    at_once: questions answered at the same time (by a server's threads); more wait their
      turn.
    """

    def __init__(self, client: ClientAPI, embeddings: ModelEmbeddings, sessions: SessionStore,
                 max_question_chars: int = 500, refresh_seconds: float = 5.0,
                 exact: bool = True, keyword_first: bool = True, at_once: int = 3) -> None:
        self.client = client
        self.embeddings = embeddings
        self.sessions = sessions
        self.max_question_chars = max_question_chars
        self.refresh_seconds = refresh_seconds
        self.exact = exact
        self.keyword_first = keyword_first
        self.tokenizer = Tokenizer(tuple(u.name for u in UNITS))
        self.scope_models = ScopeModels.load()
        self.reviewed = Reviewed()
        # Passage vectors of reviewed sample questions, kept across rebuilds: each question is
        # embedded once.
        self._vectors: dict[str, np.ndarray] = {}
        self.library = self._build()
        self._checked = time.monotonic()
        self._reload_lock = threading.Lock()
        self._listeners: list[Callable[[Answer], None]] = []
        self._answering = threading.BoundedSemaphore(at_once)

    def close(self) -> None:
        """Store the conversations' pending turns and let go of the session store."""
        self.sessions.close()

    def listen(self, listener: Callable[[Answer], None]) -> None:
        """Call listener with every answer given (metrics, logs)."""
        self._listeners.append(listener)

    @property
    def pipeline(self) -> Pipeline:
        """The primary document's pipeline (the bundled plan's when it is loaded)."""
        return self.library.primary

    @property
    def plan(self) -> Plan:
        """The primary document's plan: what a measure number alone refers to."""
        return self.pipeline.composer.plan

    def _build(self) -> Library:
        """The library's current documents, with the reviewed questions applied."""
        return build_library(self.open_index(), self.tokenizer, self.scope_models,
                             self.reviewed, self._vectors, self.keyword_first)

    def refresh(self) -> bool:
        """Switch to the library's current documents if any was added, replaced or removed;
        True when it switched."""
        with self._reload_lock:
            return self._switch_if_changed()

    def _switch_if_changed(self) -> bool:
        self._checked = time.monotonic()
        if state_key(library_state(self.client)) == self.library.generation:
            return False
        self.library = self._build()
        return True

    def review(self, reviewed: Reviewed) -> None:
        """Apply the questions an operator reviewed (replacing those applied before): the new
        pipelines are built beside the ones serving, then swapped in; only sample questions
        not seen before are embedded. They stay applied when the library changes."""
        with self._reload_lock:
            new = [s.question for s in reviewed.samples if s.question not in self._vectors]
            if new:
                vectors = normalized(np.asarray(self.embeddings.embed_documents(new)))
                self._vectors.update(zip(new, vectors, strict=True))
            self.reviewed = reviewed
            self.library = self._build()

    def open_index(self) -> MeasureIndex:
        """The library's current state, opened for search."""
        return MeasureIndex(self.client, self.embeddings, self.exact)

    def current(self) -> Library:
        """The library served, after looking for changes when the last look is older than
        refresh_seconds (unless a rebuild is under way: answers go on from the library
        served meanwhile)."""
        if (time.monotonic() - self._checked > self.refresh_seconds
                and self._reload_lock.acquire(blocking=False)):
            try:
                self._switch_if_changed()
            finally:
                self._reload_lock.release()
        return self.library

    def ask(self, question: str, session_id: str | None = None,
            documents: list[str] | None = None) -> Answer:
        """Answer one question; with a session_id, follow-ups resolve against the last turn.

        documents: the ids of the documents to answer from; all loaded ones when None.
        Raises InvalidQuestion for an empty or over-long question, UnknownDocument for an id
        not in the library.
        """
        with self._answering:
            return self._ask(question, session_id, documents)

    def _ask(self, question: str, session_id: str | None, documents: list[str] | None
             ) -> Answer:
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
        library = self.current()
        among = library.scope(documents)
        # A conversation the client did not name is new: it has no turn before this one.
        previous = self.sessions.last(session_id) if session_id else None
        session_id = session_id or uuid.uuid4().hex
        pipeline, query, needs, outcomes, last = self.across(library, among, text, previous)
        coverage = overall(outcomes)
        # Measures are keyed by (document, number): a message's needs may rest on several.
        # A partial message cites nothing: the measures its answered needs rest on are then
        # related like the others.
        answered = resting_on(outcomes, "answered")
        cited = unique(answered) if coverage == "answered" else []
        related = [m for m in unique(answered + resting_on(outcomes, "partial")) if m not in cited]
        if kept := cited or related:
            # A follow-up continues from the first document the answer rests on.
            document = kept[0][0]
            self.sessions.record(session_id, Turn(last.text, tuple(n for d, n in kept
                                                                   if d == document),
                                                  query.lang, document))
        if len(outcomes) == 1:
            reply = outcomes[0].text
        else:
            reply = pipeline.composer.needs_answer(needs, [o.text for o in outcomes], query.lang)
        stock = outcomes[0].stock if len(outcomes) == 1 else ""
        if library.several and coverage != "none":
            used = unique(d for d, _ in cited + related)
            reply += "\n\n" + "\n".join(library.name(d).source(query.lang) for d in used)
        elif stock and not library.bundled_alone:
            # The stock replies name the bundled plan; any other library names its documents.
            reply = (library.refusal if stock == "refusal" else library.greeting)(query.lang)
        result = Answer(
            answer=reply,
            answerable=coverage == "answered",
            coverage=coverage,
            citations=library.cited(cited),
            related=library.cited(related),
            retrieved=[Retrieved(document=d, measure=h.measure, score=round(h.score, 6))
                       for d, h in interleave([[(o.document, h) for h in o.ranking]
                                               for o in outcomes])],
            session_id=session_id,
            latency_ms=round((time.perf_counter() - started) * 1000, 3),
        )
        for listener in self._listeners:
            listener(result)
        return result

    def across(self, library: Library, among: list[str], text: str, previous: Turn | None
               ) -> tuple[Pipeline, Query, list[Need], list[Outcome], Query]:
        """Answer from the document the question goes to: the pipeline used, the query, the
        needs, their outcomes and the last need's query (see :meth:`respond`).

        among: the documents in scope. A question searched in several documents is answered
        from the one that answers it most surely (the scope model's probability: cosine scores
        are close between documents without sample questions), an answer counting
        ANSWERED_EDGE surer than an answer in part (see :func:`bot.outcome.standing`); each
        outcome carries the document it was answered from.
        """
        first = library.pipelines[among[0]]
        asked = first.analyzer.run(text)
        choice = library.choose(text, asked.text, among)
        if choice.ask_which:
            which = Outcome("none", [], [], library.which(choice.ask_which, asked.lang),
                            first.document)
            return first, asked, [], [which], asked
        # A follow-up continues in the document of the turn before, unless it names what
        # another document is about ("企业注销找哪个部门" after a question on loan subsidies
        # names nothing of the subsidies' document, yet it is a new question).
        if previous and previous.document not in choice.documents:
            previous = None
        if previous and any(
                pipeline.follow_up.specific_words(pipeline.analyzer.run(text))
                for document, pipeline in library.pipelines.items()
                if document in choice.documents and document != previous.document):
            previous = None
        order = list(choice.documents)
        if previous:
            order = [previous.document, *(d for d in order if d != previous.document)]
        tried = []
        for document in order:
            pipeline = library.pipelines[document]
            query = asked if pipeline is first else pipeline.analyzer.run(text)
            earlier = previous if previous and previous.document == document else None
            needs, outcomes, last = self.respond(pipeline, query, earlier)
            tried.append((pipeline, query, needs, outcomes, last))
        pipeline, query, needs, outcomes, last = max(tried, key=lambda t: standing(t[3]))
        outcomes = [replace(o, document=pipeline.document) for o in outcomes]
        if len(needs) > 1 and len(outcomes) == len(needs):
            outcomes = [self.elsewhere(library, order, pipeline, need, o, query.lang)
                        for need, o in zip(needs, outcomes, strict=True)]
        return pipeline, query, needs, outcomes, last

    def elsewhere(self, library: Library, order: list[str], pipeline: Pipeline, need: Need,
                  outcome: Outcome, lang: str) -> Outcome:
        """A need of several that the message's document does not answer, answered from the
        first other document (in order) that does, unless outcome is a partial answer surer of
        the topic (see bot.outcome.ANSWERED_EDGE); else outcome when it is partial, else the
        first other partial outcome; else outcome.

        order: the documents in the order tried. pipeline: the message's document's.
        """
        if outcome.coverage == "answered":
            return outcome
        partial = outcome if outcome.coverage == "partial" else None
        for document in order:
            other = library.pipelines[document]
            if other is pipeline:
                continue
            found = self.resolve(other, other.analyzer.part(need.text, lang), need.question,
                                 None, need)
            if found.coverage == "answered" and (
                    partial is None or standing([found]) > standing([partial])):
                return replace(found, document=document)
            if found.coverage == "partial" and partial is None:
                partial = replace(found, document=document)
        return partial or outcome

    def respond(self, pipeline: Pipeline, query: Query, previous: Turn | None
                ) -> tuple[list[Need], list[Outcome], Query]:
        """The needs of the message, an outcome for each (one outcome when the message is a
        single need or none), and the query of the last need (what a follow-up continues)."""
        if pipeline.scope.is_small_talk(query):
            text = greeting(query.lang, query.text)
            # Thanks get thanks back, whichever documents are loaded.
            stock = "" if is_thanks(query.text) else "greeting"
            return [], [Outcome("none", [], [], text, stock=stock)], query
        if pipeline.scope.is_not_ours(query) or pipeline.reviewed.refuses(query.original):
            refused = Outcome("none", [], search(pipeline, query), refusal(query.lang),
                              stock="refusal")
            return [], [refused], query
        if (attached := pipeline.reviewed.measure(query.original)) is not None:
            # An operator attached this message to a measure: that measure answers it.
            ranking = with_first(search(pipeline, query), (attached,))
            return [], [self.decided(pipeline, query, [attached], ranking, None, True, None)], query
        needs, instructed = pipeline.needs.run(query.text)
        # A plain one-need question is searched exactly as asked (resolve routes it).
        plain = len(needs) == 1 and not instructed and needs[0].text == query.text
        # Any other message that names its target (第21条, a department, a section) is
        # answered from the plan's structure as a whole, unless it carried instructions.
        route = None if instructed or plain else pipeline.router.run(query)
        if route:
            return needs, [self.routed(pipeline, route, query)], query
        if not needs:
            refused = Outcome("none", [], search(pipeline, query), refusal(query.lang),
                              stock="refusal")
            return needs, [refused], query
        several = len(needs) > 1
        outcomes, last = [], query
        for i, need in enumerate(needs):
            last = query if plain else pipeline.analyzer.part(need.text, query.lang)
            outcome = self.resolve(pipeline, last, need.question,
                                   None if several else previous, need if several else None)
            if i and asked_details(need.question, pipeline.year) and (
                    outcome.coverage == "none" or goes_on_about(
                        needs[i - 1], need, lambda text: set(pipeline.follow_up.specific_words(
                            pipeline.analyzer.part(text, query.lang))))):
                # A detail asked with no topic of its own in the documents ("那要带啥材料"),
                # or of the topic of the need before it ("另外通过它最多能贷多少"), is asked
                # about the need before it.
                last = pipeline.analyzer.part(f"{needs[i - 1].text}，{need.text}", query.lang)
                outcome = self.resolve(pipeline, last, need.question, None, need)
            outcomes.append(outcome)
        return needs, outcomes, last

    def resolve(self, pipeline: Pipeline, query: Query, question: str, previous: Turn | None,
                need: Need | None) -> Outcome:
        """Answer one need: by the plan's structure, from the previous turn, or by search.

        question: the part of the need that asks (where the details asked for are read).
        need: the need, when it is one of several (a refusal then names it), else None.
        """
        composer = pipeline.composer
        if route := pipeline.router.run(query):
            return self.routed(pipeline, route, query)
        details = asked_details(question, pipeline.year)
        follow_up = pipeline.follow_up.run(query, previous)
        query = follow_up.query
        if follow_up.kind == "previous":
            measures = list(previous.measures)
            return self.decided(pipeline, query, measures, [Hit(n, 1.0) for n in measures],
                                unstated(details, composer.plan.measure(measures[0]).text), True,
                                need)
        found = examine(pipeline, query, details)
        if not found.measures or found.scope is None:
            return refused(composer, [], query.lang, need)
        # A detail the measures do not state makes the answer partial, not a refusal, as long
        # as the plan has the topic.
        return self.decided(pipeline, query, found.measures, found.fused, found.missing,
                            found.scope.in_scope, need, found.scope.probability)

    def decided(self, pipeline: Pipeline, query: Query, measures: list[int],
                ranking: list[Hit], missing: Detail | None, in_scope: bool,
                need: Need | None, confidence: float = 1.0) -> Outcome:
        """The outcome once the measures are chosen: none when out of scope, partial when a
        detail asked for is missing from them, else answered (confidence: P(in scope))."""
        composer = pipeline.composer
        if not in_scope:
            return refused(composer, ranking, query.lang, need)
        if missing:
            related = measures[:MAX_RELATED]
            return Outcome("partial", related, ranking,
                           composer.partial_answer(missing, related, query.lang),
                           confidence=confidence)
        return Outcome("answered", measures, ranking,
                       composer.search_answer(query.keywords, measures, query.lang),
                       confidence=confidence)

    def routed(self, pipeline: Pipeline, route: Route, query: Query) -> Outcome:
        """The outcome for a question the plan's structure answers; keyword search only fills
        the rest of the ranking."""
        composer = pipeline.composer
        measures = list(route.measures)
        ranking = with_first(pipeline.keyword.run(query, TOP_K), route.measures)
        if route.kind == "measure":
            text = composer.measure_answer(measures, query.lang)
        elif route.kind == "department":
            text = composer.department_answer(route.unit, measures, query.lang)
        else:
            text = composer.structure_answer(route.title, route.sections, query.lang)
        return Outcome("answered", measures, ranking, text)


def refused(composer: AnswerComposer, ranking: list[Hit], lang: str, need: Need | None
            ) -> Outcome:
    """The outcome of a need the document does not cover (need: None when it is the whole
    message, which then gets the stock refusal)."""
    return Outcome("none", [], ranking, composer.none_answer(lang, need),
                   stock="" if need else "refusal")


def open_index_client(settings: Settings) -> ClientAPI:
    """The Chroma client the settings ask for."""
    return connect(settings.home, settings.chroma_host, settings.chroma_port)


def ensure_index(settings: Settings) -> bool:
    """Build the index from the bundled plan if the store has none; True when it built."""
    client = open_index_client(settings)
    if library_state(client):
        return False
    index_file(client, make_embeddings(settings.embeddings), bundled_plan_path(), BUNDLED_ID)
    return True


def load_bot(settings: Settings, link: RedisLink | None = None) -> PolicyBot:
    """The bot as every surface uses it, from settings; link: the process's Redis link, if it
    has one (the app's), for conversations kept in Redis."""
    client = open_index_client(settings)
    embeddings = make_embeddings(settings.embeddings, settings.embed_threads)
    sessions = open_sessions(settings, link)
    return PolicyBot(client, embeddings, sessions, settings.max_question_chars,
                     exact=settings.fast, keyword_first=settings.keyword_first,
                     at_once=settings.answer_threads)
