"""The batch writer behind the session store and the question log: every item put is written,
in order, many at once while the writer is busy or pausing after a write, and what is queued at
shutdown too."""

from __future__ import annotations

import threading

from bot.writer import BatchWriter


class Target:
    """Where a writer writes: the batches it was given. The first write waits for release()
    when hold is set, so that items pile up behind it."""

    def __init__(self, hold: bool = False, fail_on: int | None = None) -> None:
        self.batches: list[list[int]] = []
        self.started = threading.Event()
        self.released = threading.Event()
        if not hold:
            self.released.set()
        self.fail_on = fail_on

    def write(self, batch: list[int]) -> None:
        self.started.set()
        self.released.wait(10)
        if self.fail_on in batch:
            raise RuntimeError("the database went away")
        self.batches.append(batch)

    def items(self) -> list[int]:
        return [i for batch in self.batches for i in batch]


def piled(count: int, **options) -> tuple[BatchWriter, Target, list[bool]]:
    """A started writer whose item 0 is being written (held), with the items 1 .. count - 1
    put behind it; and what put() said of each of those. options: the writer's."""
    target = Target(hold=True)
    writer = BatchWriter(target.write, "test", **options)
    writer.start()
    writer.put(0)
    assert target.started.wait(10)
    return writer, target, [writer.put(i) for i in range(1, count)]


def test_every_item_is_written_in_order():
    target = Target()
    writer = BatchWriter(target.write, "test")
    writer.start()
    assert all(writer.put(i) for i in range(500))
    assert writer.flush()
    assert target.items() == list(range(500))
    writer.close()


def test_items_queued_while_it_writes_go_in_one_batch():
    writer, target, _ = piled(101)
    target.released.set()
    assert writer.flush()
    assert target.batches == [[0], list(range(1, 101))]
    writer.close()


def test_close_writes_what_is_queued():
    writer, target, _ = piled(50)
    target.released.set()
    writer.close()
    assert target.items() == list(range(50))
    assert not writer.put(50)  # closed: nothing more is taken


def test_a_full_queue_drops_and_counts():
    lost: list[int] = []
    writer, target, taken = piled(6, on_lost=lost.append, capacity=3)
    assert taken == [True, True, True, False, False]
    target.released.set()
    assert writer.flush()
    assert target.items() == [0, 1, 2, 3] and lost == [1, 1]
    writer.close()


def test_a_failed_write_loses_its_batch_only():
    target = Target(fail_on=3)
    lost: list[int] = []
    writer = BatchWriter(target.write, "test", lost.append)
    writer.start()
    for i in range(3):
        writer.put(i)
        assert writer.flush()
    writer.put(3)
    assert writer.flush()
    writer.put(4)
    writer.close()
    assert target.items() == [0, 1, 2, 4] and lost == [1]


def test_items_put_during_the_pause_after_a_write_go_in_the_next_batch():
    target = Target()
    # A pause far longer than flush() waits: flush() returns True only if it cuts it short.
    writer = BatchWriter(target.write, "test", pause=600)
    writer.start()
    writer.put(0)
    assert target.started.wait(10)  # after a quiet spell the first item is written at once
    assert all(writer.put(i) for i in range(1, 50))
    assert writer.flush()
    assert target.batches == [[0], list(range(1, 50))]
    writer.put(50)
    writer.close()
    assert target.items() == list(range(51))
    assert not writer._thread.is_alive()  # close() did not wait out the pause either
