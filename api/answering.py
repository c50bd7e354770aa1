"""Where a question waits its turn before the bot answers it in a worker thread.

A worker answers a few questions at a time (``POLICYBOT_ANSWER_THREADS``). Waiting in a worker
thread of its own, a question took that thread and, when its turn came, a hand-over between
threads (a wake-up that takes a core and the GIL from the threads answering), and a thread let
go of a turn could take it again ahead of those waiting. Waiting in the event loop, it holds no
thread, and the turns go in order of arrival: under load, the slowest answers wait less.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import anyio
import anyio.to_thread

T = TypeVar("T")


class AnswerQueue:
    """Runs blocking calls in worker threads, at most at_once at a time; the others wait in the
    event loop, in order of arrival. Make it in the event loop (the app's lifespan).

    at_once: calls run at the same time; None runs each in the shared thread pool at once (the
    bot's own bound then makes the extra ones wait in their threads).
    """

    def __init__(self, at_once: int | None) -> None:
        self._limiter = anyio.CapacityLimiter(at_once) if at_once else None

    async def run(self, call: Callable[..., T], *args: object) -> T:
        """call(*args) in a worker thread once its turn comes; its result, or its exception."""
        return await anyio.to_thread.run_sync(call, *args, limiter=self._limiter)
