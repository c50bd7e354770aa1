"""Puts every answered question, from any channel, into the question log, off the answering
thread: a slow or absent database never delays an answer or fails it."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

from api.db.database import DatabaseUnavailable
from api.db.questions import Channel, QuestionLog
from bot.answer import Answer

log = logging.getLogger("policybot.questions")

# Questions waiting to be written; past this (a database down for long under load) new ones
# are dropped, so memory stays bounded.
CAPACITY = 1000
# How long shutdown waits for the questions still queued.
DRAIN_SECONDS = 5.0


class Recorder:
    """A worker thread writing queued questions to the log; start() it, close() it at
    shutdown.

    questions: the question log.
    on_lost: called for each question that could not be logged (e.g. a metrics counter).
    capacity: questions that may wait at most.
    """

    def __init__(self, questions: QuestionLog, on_lost: Callable[[], None],
                 capacity: int = CAPACITY) -> None:
        self.questions = questions
        self.on_lost = on_lost
        self._queue: queue.Queue[tuple | None] = queue.Queue(capacity)
        self._thread = threading.Thread(target=self._run, name="question-log", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def record(self, channel: Channel, question: str, answer: Answer) -> None:
        """Queue one answered question for the log; returns at once.

        channel: where it was asked. question: as asked. answer: the bot's answer (its
        session_id is hashed, never stored).
        """
        # The related measures of a partial answer are where it sends the reader, so they
        # count as what it cited.
        cited = [*answer.citations, *(answer.related if answer.coverage == "partial" else [])]
        row = (channel, question, answer.coverage,
               [{"document": c.document, "measure": c.measure} for c in cited],
               answer.latency_ms, answer.session_id)
        try:
            self._queue.put_nowait(row)
        except queue.Full:
            self.on_lost()

    def close(self) -> None:
        """Write what is queued (waiting a few seconds at most), then stop the thread."""
        try:
            self._queue.put(None, timeout=DRAIN_SECONDS)
        except queue.Full:
            return
        self._thread.join(DRAIN_SECONDS)

    def _run(self) -> None:
        while (row := self._queue.get()) is not None:
            try:
                self.questions.record(*row)
            except DatabaseUnavailable:  # logged and counted by the database
                self.on_lost()
            except Exception:
                log.exception("a question could not be logged")
                self.on_lost()
