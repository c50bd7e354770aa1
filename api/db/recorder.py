"""Puts every answered question, from any channel, into the question log, off the answering
thread and in batches: a slow or absent database never delays an answer or fails it, and under
load one transaction logs many questions."""

from __future__ import annotations

from collections.abc import Callable

from api.db.database import DatabaseUnavailable
from api.db.questions import Channel, Question, QuestionLog
from bot.answer import Answer
from bot.writer import BatchWriter


class Recorder:
    """A writer thread logging queued questions; start() it, close() it at shutdown (what is
    queued is logged first).

    questions: the question log.
    on_lost: called with the number of questions that could not be logged (e.g. a metrics
      counter's inc).
    pause: the writer's pause after each write (see :class:`bot.writer.BatchWriter`).
    """

    def __init__(self, questions: QuestionLog, on_lost: Callable[[int], None],
                 pause: float = 0.0) -> None:
        self.questions = questions
        self.on_lost = on_lost
        self._writer: BatchWriter[Question] = BatchWriter(self._write, "question-log", on_lost,
                                                          pause=pause)

    def start(self) -> None:
        self._writer.start()

    def record(self, channel: Channel, question: str, answer: Answer) -> None:
        """Queue one answered question for the log; returns at once.

        channel: where it was asked. question: as asked. answer: the bot's answer (its
        session_id is hashed, never stored).
        """
        # The related measures of a partial answer are where it sends the reader, so they
        # count as what it cited.
        cited = [*answer.citations, *(answer.related if answer.coverage == "partial" else [])]
        self._writer.put(Question(channel, question, answer.coverage,
                                  [{"document": c.document, "measure": c.measure}
                                   for c in cited],
                                  answer.latency_ms, answer.session_id))

    def flush(self) -> bool:
        """Wait until the questions queued so far are logged (False if that took too long)."""
        return self._writer.flush()

    def close(self) -> None:
        """Log what is queued (waiting a few seconds at most), then stop the thread."""
        self._writer.close()

    def _write(self, batch: list[Question]) -> None:
        try:
            self.questions.record_many(batch)
        except DatabaseUnavailable:  # logged and counted by the database
            self.on_lost(len(batch))
