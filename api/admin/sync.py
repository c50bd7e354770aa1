"""Reviewed questions take effect by themselves: each server process looks at the annotations'
version every few seconds and, when it changed, hands the bot every reviewed question."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from api.admin.review import as_reviewed
from api.db.annotations import Annotations

log = logging.getLogger("policybot.review")


class ReviewSync:
    """Applies the annotations to the app's bot.

    app: the app (its bot is loaded lazily). annotations: where they are kept.
    every: seconds between looks.
    """

    def __init__(self, app: FastAPI, annotations: Annotations, every: float) -> None:
        self.app = app
        self.annotations = annotations
        self.every = every
        self._applied: tuple[int, str] | None = None
        self._wake = asyncio.Event()

    def apply(self) -> bool:
        """Hand the bot the reviewed questions if they or the bot changed; True when it did."""
        bot = self.app.state.bot
        if bot is None:
            return False
        version = (id(bot), self.annotations.version())
        if version == self._applied:
            return False
        bot.review(as_reviewed(self.annotations.all()))
        self._applied = version
        return True

    def wake(self) -> None:
        """Look now (after an annotation was made here) rather than at the next tick."""
        self._wake.set()

    async def run(self) -> None:
        """Look until cancelled; a failed look (the database down) is logged and retried."""
        failing = False
        while True:
            try:
                await run_in_threadpool(self.apply)
                failing = False
            except Exception:
                if not failing:
                    log.exception("could not apply reviewed questions; will retry")
                failing = True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.every)
            self._wake.clear()
