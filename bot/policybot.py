"""``PolicyBot.ask()``: the one entry point behind the API, the CLI, WeChat and evaluation.

question → Query → needs → per need: (route | follow-up | keyword + dense search → fusion
         → scope check → details asked) → answered / partial / none → Answer

The bot holds the library, the conversations and the listeners; how one message is answered
from the library is ``bot.responder``'s.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable

import numpy as np
from chromadb.api import ClientAPI

from bot.answer import Answer, Retrieved, unique
from bot.detail_model import DetailModel
from bot.library import Library, build_library
from bot.outcome import interleave, overall, resting_on
from bot.pipeline import Pipeline
from bot.query import Tokenizer
from bot.redis_link import RedisLink
from bot.responder import across
from bot.reviewed import Reviewed
from bot.scope import ScopeModels
from bot.sessions import SessionStore, Turn, open_sessions
from bot.settings import Settings
from ingest.plan import Plan, bundled_plan_path
from ingest.units import UNITS
from vectorstore.embeddings import ModelEmbeddings, make_embeddings, normalized
from vectorstore.library import BUNDLED_ID, index_file, library_state, state_key
from vectorstore.store import MeasureIndex, connect


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
        self.detail_model = DetailModel.load(embeddings.spec)
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
                             self.reviewed, self._vectors, self.keyword_first,
                             self.detail_model)

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
        pipeline, query, needs, outcomes, last = across(library, among, text, previous)
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
