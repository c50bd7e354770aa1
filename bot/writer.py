"""Writes queued items in batches on a thread of its own, so that a request never waits for a
database: whatever is queued when the thread is free is written together (one transaction
for many rows under load, one row at a time when traffic is light).

After each write the thread may pause: the items queued meanwhile wait for the next write
instead of waking the thread one by one. Under load each wake-up costs the answering threads
more than the row (the woken thread takes a core and the GIL from them), so a short pause turns
hundreds of wake-ups and transactions a second into a few; after a quiet spell the first item
is still written at once."""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from typing import Generic, TypeVar

log = logging.getLogger("policybot.writer")

T = TypeVar("T")

# Items waiting to be written; past this (a database down for long under load) new ones are
# dropped, so memory stays bounded.
CAPACITY = 1000
# At most this many items a write, so one transaction stays short.
MAX_BATCH = 500
# How long close() waits for the items still queued.
DRAIN_SECONDS = 5.0


class BatchWriter(Generic[T]):
    """A thread handing queued items to ``write`` in batches, oldest first; start() it,
    close() it at shutdown (it writes what is queued first).

    write: writes one batch (a list of items); it may raise, and then the batch is lost.
    name: the thread's name, in logs.
    on_lost: called with the number of items dropped (queue full) or lost (write raised).
    capacity: items that may wait at most.
    pause: seconds the thread waits after each write before taking the next batch (flush()
      and close() cut it short); 0 takes each batch as soon as there is one.
    """

    def __init__(self, write: Callable[[list[T]], None], name: str,
                 on_lost: Callable[[int], None] = lambda count: None,
                 capacity: int = CAPACITY, pause: float = 0.0) -> None:
        self.write = write
        self.name = name
        self.on_lost = on_lost
        self.capacity = capacity
        self.pause = pause
        self._items: deque[T] = deque()
        lock = threading.Lock()
        self._queued = threading.Condition(lock)  # the thread waits here for items
        self._written = threading.Condition(lock)  # flush() waits here for the thread
        self._put = 0  # items queued so far
        self._done = 0  # of them, written or lost
        self._closing = False
        self._hurry = threading.Event()  # set by flush() and close(): the pause ends
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def put(self, item: T) -> bool:
        """Queue one item; returns at once, False when the queue was full (it is dropped)."""
        with self._queued:
            full = len(self._items) >= self.capacity or self._closing
            if not full:
                self._items.append(item)
                self._put += 1
                self._queued.notify()
        if full:
            self.on_lost(1)
        return not full

    def flush(self, timeout: float = DRAIN_SECONDS) -> bool:
        """Wait until every item queued so far is written (or lost); False on timeout."""
        self._hurry.set()
        with self._written:
            target = self._put
            return self._written.wait_for(lambda: self._done >= target or
                                        not self._thread.is_alive(), timeout)

    def close(self, timeout: float = DRAIN_SECONDS) -> None:
        """Write what is queued (waiting `timeout` at most), then stop the thread."""
        with self._queued:
            self._closing = True
            self._queued.notify()
        self._hurry.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            with self._queued:
                self._queued.wait_for(lambda: self._items or self._closing)
                if not self._items:
                    return  # closing, and everything is written
                batch = [self._items.popleft()
                         for _ in range(min(len(self._items), MAX_BATCH))]
                # A flush() or close() from now on waits for items after this batch.
                self._hurry.clear()
            try:
                self.write(batch)
            except Exception:
                log.exception("%d item(s) could not be written", len(batch),
                              extra={"fields": {"writer": self.name}})
                self.on_lost(len(batch))
            with self._written:
                self._done += len(batch)
                self._written.notify_all()
            if self.pause and not self._closing:
                self._hurry.wait(self.pause)
