"""What keeps a server's database in shape: the migration at start-up (tried again until it
succeeds, when the database was down then) and the question log's pruning, at start-up and
then daily."""

from __future__ import annotations

import logging
import threading

from api.db.database import Database, DatabaseUnavailable
from api.db.questions import QuestionLog

log = logging.getLogger("policybot.database")

DAY_SECONDS = 24 * 3600.0
RETRY_SECONDS = 60.0


class Upkeep:
    """Runs a round at start(), then one a day in a thread (a minute after a round failed);
    stop() it at shutdown.

    database: to migrate. questions: the log to prune.
    """

    def __init__(self, database: Database, questions: QuestionLog) -> None:
        self.database = database
        self.questions = questions
        self.migrated = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """One round now, so a server starts on a migrated database when it can; the next in
        the thread."""
        wait = self.round()
        self._thread = threading.Thread(target=self._run, args=(wait,),
                                        name="database-upkeep", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()

    def round(self) -> float:
        """Migrate (until that has succeeded once), then prune; returns the seconds until the
        next round."""
        try:
            if not self.migrated:
                self.database.migrate()
                self.migrated = True
            pruned = self.questions.prune()
        except DatabaseUnavailable as exc:
            log.warning("database upkeep failed; trying again in a minute: %s", exc)
            return RETRY_SECONDS
        if pruned:
            log.info("pruned %d questions older than %d days", pruned,
                     self.questions.retention_days)
        return DAY_SECONDS

    def _run(self, wait: float) -> None:
        while not self._stop.wait(wait):
            wait = self.round()
