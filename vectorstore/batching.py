"""Query embeddings computed on one thread, in batches of the queries that arrive together.

Under load, every request thread calling the model at once makes each call start its own
OpenMP team, and on a small machine those teams fight over the cores (a query then costs many
times its CPU time). Here one thread owns the model: a caller queues its text and waits; the
thread takes every text queued by then (waiting up to ``wait_seconds`` for more) and embeds
them in one call, each distinct text once.
"""

from __future__ import annotations

import queue
import threading
import time
from concurrent.futures import Future

import numpy as np

from vectorstore.embeddings import ModelEmbeddings

MAX_BATCH = 32


class BatchedEmbeddings(ModelEmbeddings):
    """Wraps a model so that its query embeddings are computed in batches on one thread.

    model: the embeddings wrapped (passages and the spec are its own).
    wait_seconds: how long the thread waits for more queries once one has come; 0 takes only
      those already queued (a lone query is never delayed).
    max_batch: the most queries embedded in one call.
    """

    def __init__(self, model: ModelEmbeddings, wait_seconds: float = 0.0,
                 max_batch: int = MAX_BATCH) -> None:
        self.model = model
        self.spec = model.spec
        self.wait_seconds = wait_seconds
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[tuple[str, Future]] = queue.SimpleQueue()
        self._start = threading.Lock()
        self._thread: threading.Thread | None = None

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.model.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.embed_query_vector(text).tolist()

    def embed_query_vector(self, text: str) -> np.ndarray:
        """The query's embedding, computed on the batching thread (started on first use)."""
        if self._thread is None:
            with self._start:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._serve, daemon=True,
                                                    name="query-embeddings")
                    self._thread.start()
        future: Future[np.ndarray] = Future()
        self._queue.put((text, future))
        return future.result()

    def embed_query_vectors(self, texts: list[str]) -> np.ndarray:
        return np.stack([self.embed_query_vector(t) for t in texts])

    def _serve(self) -> None:
        while True:
            batch = self._collect()
            texts = list(dict.fromkeys(text for text, _ in batch))
            try:
                vectors = dict(zip(texts, self.model.embed_query_vectors(texts), strict=True))
            except Exception as exc:  # every caller of the batch gets the model's error
                for _, future in batch:
                    future.set_exception(exc)
                continue
            for text, future in batch:
                future.set_result(vectors[text])

    def _collect(self) -> list[tuple[str, Future]]:
        """The next batch: the first query waited for, then those queued meanwhile."""
        batch = [self._queue.get()]
        deadline = time.monotonic() + self.wait_seconds
        while len(batch) < self.max_batch:
            left = deadline - time.monotonic()
            try:
                batch.append(self._queue.get(timeout=left) if left > 0
                             else self._queue.get_nowait())
            except queue.Empty:
                break
        return batch
