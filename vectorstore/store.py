"""The library's measure index, read from Chroma: every document's active generation.

How the library is laid out and built is in :mod:`vectorstore.library`; this module connects
to Chroma and searches what it holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import chromadb
import numpy as np
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from langchain_chroma import Chroma

from ingest.plan import Plan, parse_plan
from ingest.queries import SampleQueries, parse_queries
from vectorstore.embeddings import ModelEmbeddings
from vectorstore.library import (
    BUNDLED_ID,
    REGISTRY,
    library_state,
    queries_id,
    state_key,
)

QUERY_CACHE = 4096


class IndexNotBuilt(RuntimeError):
    """No index has been built in this store yet."""


class IndexModelMismatch(RuntimeError):
    """The index was built with another embedding model than the one in use."""


def connect(home: Path, host: str | None = None, port: int = 8000) -> ClientAPI:
    """A Chroma client: a server when host is given, else an embedded store under home.

    home: directory for the embedded store (``$POLICYBOT_HOME``); the store is ``home/chroma``.
    host, port: a Chroma server started with ``chroma run``.
    """
    settings = chromadb.Settings(anonymized_telemetry=False)
    if host:
        return chromadb.HttpClient(host=host, port=port, settings=settings)
    path = home / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=settings)


@dataclass(frozen=True)
class DenseMatch:
    """A measure found by vector search and its cosine similarity to the query.

    document: the id of the document it belongs to. measure: its number there.
    """

    measure: int
    score: float
    document: str


@dataclass(frozen=True)
class MeasureVectors:
    """A generation's vectors in memory, rows grouped by measure (Chroma stays the store of
    record; a few hundred dot products cost microseconds, a Chroma query milliseconds).

    matrix: one unit-length row per Chroma document. measures: the measures, ascending.
    starts: the first row of each measure in matrix.
    """

    matrix: np.ndarray
    measures: np.ndarray
    starts: np.ndarray

    @classmethod
    def read(cls, collection: Collection) -> MeasureVectors:
        """The vectors of a generation's collection."""
        record = collection.get(include=["embeddings", "metadatas"])
        numbers = np.array([m["measure"] for m in record["metadatas"]])
        order = np.argsort(numbers, kind="stable")
        measures, starts = np.unique(numbers[order], return_index=True)
        matrix = np.asarray(record["embeddings"], dtype=np.float32)[order]
        return cls(matrix, measures, starts)

    def nearest(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """The k measures nearest to a unit-length vector (by their nearest row), best first,
        with their cosine similarity."""
        best = np.maximum.reduceat(self.matrix @ vector, self.starts)
        top = np.argsort(-best, kind="stable")[:k]
        return [(int(self.measures[i]), float(best[i])) for i in top]


@dataclass(frozen=True)
class IndexedDocument:
    """One document of the library as served.

    id: its id. generation: the generation it is read from. plan: its parsed text.
    queries: its sample questions by measure number. store: its Chroma collection.
    vectors: its vectors, in memory.
    """

    id: str
    generation: str
    plan: Plan
    queries: dict[int, SampleQueries]
    store: Chroma
    vectors: MeasureVectors


class MeasureIndex:
    """Every document's active generation, searched exactly in memory or through LangChain's
    Chroma.

    client: a Chroma client from :func:`connect`.
    embeddings: the model used to embed queries; it must be the one that built the index.
    exact: search the vectors held in memory (exact cosine); else Chroma's HNSW index.
    """

    def __init__(self, client: ClientAPI, embeddings: ModelEmbeddings,
                 exact: bool = True) -> None:
        self.client = client
        self.embeddings = embeddings
        self.exact = exact
        state = library_state(client)
        if not state:
            raise IndexNotBuilt("the index is empty: run `policybot ingest` first")
        self.generation = state_key(state)
        registry = client.get_collection(REGISTRY)
        ids = [i for g in state.values() for i in (g, queries_id(g))]
        record = registry.get(ids=ids, include=["documents", "metadatas"])
        texts = dict(zip(record["ids"], record["documents"], strict=True))
        metadata = dict(zip(record["ids"], record["metadatas"], strict=True))
        # The bundled plan first, then by id: the order documents are listed and tried in.
        self.documents: dict[str, IndexedDocument] = {}
        for doc_id in sorted(state, key=lambda d: (d != BUNDLED_ID, d)):
            generation = state[doc_id]
            if generation not in texts:
                raise IndexNotBuilt(f"the registry names {generation} but holds no text for it")
            built_with = metadata[generation]["embeddings"]
            if built_with != embeddings.spec:
                raise IndexModelMismatch(
                    f"the index was built with embeddings {built_with!r} but "
                    f"{embeddings.spec!r} is configured: run `policybot ingest` to rebuild it "
                    "with the current model")
            plan = parse_plan(texts[generation])
            self.documents[doc_id] = IndexedDocument(
                doc_id, generation, plan, parse_queries(texts.get(queries_id(generation)), plan),
                Chroma(client=client, collection_name=generation, embedding_function=embeddings,
                       create_collection_if_not_exists=False),
                MeasureVectors.read(client.get_collection(generation)))
        # Owners ask the same questions again and again (the widget's suggestions, FAQs);
        # embedding is most of a question's cost, so recent query vectors are kept.
        self._embed = lru_cache(maxsize=QUERY_CACHE)(embeddings.embed_query_vector)

    def query_vector(self, query: str) -> np.ndarray:
        """The query's embedding (recent ones are cached)."""
        return self._embed(query)

    def search(self, query: str, k: int = 10,
               documents: tuple[str, ...] | None = None) -> list[DenseMatch]:
        """The k measures nearest to the query (by their nearest Chroma document), best first.

        documents: the ids of the documents to search; all when None.
        """
        vector = self.query_vector(query)
        best: dict[tuple[str, int], float] = {}
        for doc in self.documents.values():
            if documents is not None and doc.id not in documents:
                continue
            if self.exact:
                best.update(((doc.id, n), score) for n, score in doc.vectors.nearest(vector, k))
                continue
            # A measure has up to three Chroma documents, so fetch enough to fill k measures.
            # Despite its name this returns cosine distances (lower is nearer).
            found = doc.store.similarity_search_by_vector_with_relevance_scores(
                vector.tolist(), k=3 * k)
            for item, distance in found:
                key = (doc.id, item.metadata["measure"])
                best[key] = max(best.get(key, -1.0), 1.0 - float(distance))
        ranked = sorted(best.items(), key=lambda kv: -kv[1])[:k]
        return [DenseMatch(number, score, doc_id) for (doc_id, number), score in ranked]

    def count(self) -> int:
        """Number of Chroma documents in the active generations."""
        return sum(self.client.get_collection(d.generation).count()
                   for d in self.documents.values())
