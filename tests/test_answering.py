"""Where questions wait their turn: at most at_once calls run in worker threads together, the
others wait in the event loop and go in order of arrival; each caller gets its own result or
its own exception."""

from __future__ import annotations

import asyncio
import threading

import pytest

from api.answering import AnswerQueue


class Calls:
    """A blocking call that counts how many run at once; each waits at a barrier of
    `together` parties, so a bound lower than that breaks it (and the test fails)."""

    def __init__(self, together: int) -> None:
        self.inside = 0
        self.most = 0
        self.order: list[int] = []
        self._lock = threading.Lock()
        self._together = threading.Barrier(together, timeout=30)

    def __call__(self, n: int) -> int:
        with self._lock:
            self.inside += 1
            self.most = max(self.most, self.inside)
            self.order.append(n)
        self._together.wait()
        with self._lock:
            self.inside -= 1
        if n == 3:
            raise ValueError(f"no answer for {n}")
        return n * 10


async def run_all(queue: AnswerQueue, call: Calls, count: int) -> list[int | BaseException]:
    return await asyncio.gather(*(queue.run(call, n) for n in range(count)),
                                return_exceptions=True)


@pytest.mark.parametrize("at_once", [1, 2, 4])
def test_at_most_at_once_run_together_and_each_caller_gets_its_own_result(at_once: int):
    call = Calls(together=at_once)

    async def main() -> list[int | BaseException]:
        return await run_all(AnswerQueue(at_once), call, 8)

    results = asyncio.run(main())
    assert call.most == at_once
    assert [r for n, r in enumerate(results) if n != 3] == [n * 10 for n in range(8) if n != 3]
    assert isinstance(results[3], ValueError) and str(results[3]) == "no answer for 3"


def test_turns_go_in_order_of_arrival():
    release = threading.Event()
    order: list[int] = []

    def first() -> None:
        assert release.wait(30)

    async def main() -> None:
        queue = AnswerQueue(1)
        holding = asyncio.create_task(queue.run(first))
        waiting = []
        for n in range(1, 6):
            waiting.append(asyncio.create_task(queue.run(order.append, n)))
            # Each task reaches the queue before the next is made.
            for _ in range(5):
                await asyncio.sleep(0)
        assert order == []  # the first holds the only turn: the others wait
        release.set()
        await asyncio.gather(holding, *waiting)

    asyncio.run(main())
    assert order == [1, 2, 3, 4, 5]


def test_without_a_bound_every_call_runs_at_once():
    call = Calls(together=8)
    results = asyncio.run(run_all(AnswerQueue(None), call, 8))
    assert call.most == 8 and results[0] == 0 and isinstance(results[3], ValueError)
