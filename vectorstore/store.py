"""The measure index in Chroma: one document per measure, rebuilt atomically.

Layout in Chroma:

- ``policybot-generation-<hash>``: one generation of the index: one document per measure
  (embedded with its section title as context), ids ``measure-001`` … ``measure-100``, plus, when
  the plan has sample questions, one document per measure and language joining them
  (``measure-021-zh``, ``measure-021-en``). Search ranks measures by their best document.
- ``policybot-registry``: per generation, the plan text it was built from (and its sample
  questions); its collection metadata names the active generation.

A rebuild writes a whole new generation, then switches the registry to it, so a reader never
sees a half-built index. The previous generation is kept so that readers still holding it finish
their queries; older ones are deleted. Building the same plan with the same model again changes
nothing (the generation name is a hash of both).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import chromadb
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from langchain_chroma import Chroma
from langchain_core.documents import Document

from ingest.plan import Measure, Plan, parse_plan
from ingest.queries import SampleQueries, parse_queries, read_queries_text
from vectorstore.embeddings import ModelEmbeddings

REGISTRY = "policybot-registry"
GENERATION_PREFIX = "policybot-generation-"
BATCH = 64
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


def measure_document(measure: Measure, plan: Plan) -> Document:
    """The text embedded for a measure: its section title gives it context."""
    section = plan.section(measure.section)
    return Document(
        id=measure_id(measure.number),
        page_content=f"{section.title}：{measure.text}",
        metadata={"measure": measure.number, "part": measure.part,
                  "section": measure.section, "section_title": section.title,
                  "units": "、".join(measure.responsible_units)},
    )


def query_documents(measure: Measure, queries: SampleQueries) -> list[Document]:
    """The measure's sample questions, one document per language."""
    documents = []
    for lang, items in (("zh", queries.zh), ("en", queries.en)):
        if items:
            documents.append(Document(
                id=f"{measure_id(measure.number)}-{lang}",
                page_content=("；" if lang == "zh" else "; ").join(items),
                metadata={"measure": measure.number, "kind": f"queries-{lang}"}))
    return documents


def measure_id(number: int) -> str:
    """Stable Chroma id of a measure."""
    return f"measure-{number:03d}"


def queries_id(generation: str) -> str:
    """Registry id of a generation's sample questions."""
    return f"{generation}:queries"


@dataclass(frozen=True)
class DenseMatch:
    """A measure found by vector search and its cosine similarity to the query."""

    measure: int
    score: float


class MeasureIndex:
    """The active generation of the measure index, searched through LangChain's Chroma.

    client: a Chroma client from :func:`connect`.
    embeddings: the model used to embed queries; it must be the one that built the index.
    """

    def __init__(self, client: ClientAPI, embeddings: ModelEmbeddings) -> None:
        self.client = client
        self.embeddings = embeddings
        active = active_generation(client)
        if not active:
            raise IndexNotBuilt("the index is empty: run `policybot ingest` first")
        registry = client.get_collection(REGISTRY)
        record = registry.get(ids=[active, queries_id(active)],
                              include=["documents", "metadatas"])
        documents = dict(zip(record["ids"], record["documents"], strict=True))
        if active not in documents:
            raise IndexNotBuilt(f"the registry names {active} but holds no plan for it")
        built_with = record["metadatas"][record["ids"].index(active)]["embeddings"]
        if built_with != embeddings.spec:
            raise IndexModelMismatch(
                f"the index was built with embeddings {built_with!r} but {embeddings.spec!r} "
                "is configured: run `policybot ingest` to rebuild it with the current model")
        self.generation = active
        self.plan = parse_plan(documents[active])
        self.queries = parse_queries(documents.get(queries_id(active)), self.plan)
        self.store = Chroma(client=client, collection_name=active, embedding_function=embeddings,
                            create_collection_if_not_exists=False)
        # Owners ask the same questions again and again (the widget's suggestions, FAQs);
        # embedding is most of a question's cost, so recent query vectors are kept.
        self._embed = lru_cache(maxsize=QUERY_CACHE)(embeddings.embed_query_vector)

    def search(self, query: str, k: int = 10) -> list[DenseMatch]:
        """The k measures nearest to the query (by their nearest document), best first."""
        vector = self._embed(query).tolist()
        # A measure has up to three documents, so fetch enough to fill k measures.
        # Despite its name this returns cosine distances (lower is nearer).
        found = self.store.similarity_search_by_vector_with_relevance_scores(vector, k=3 * k)
        best: dict[int, float] = {}
        for doc, distance in found:
            number = doc.metadata["measure"]
            best[number] = max(best.get(number, -1.0), 1.0 - float(distance))
        ranked = sorted(best.items(), key=lambda kv: -kv[1])[:k]
        return [DenseMatch(number, score) for number, score in ranked]

    def count(self) -> int:
        """Number of documents in the active generation."""
        return self.client.get_collection(self.generation).count()


def collection_names(client: ClientAPI) -> set[str]:
    """Names of the store's collections."""
    return {c.name for c in client.list_collections()}


def active_generation(client: ClientAPI) -> str | None:
    """Name of the active generation, or None before the first build."""
    if REGISTRY not in collection_names(client):
        return None
    return (client.get_collection(REGISTRY).metadata or {}).get("active")


def build_index(client: ClientAPI, embeddings: ModelEmbeddings, plan_text: str,
                queries_text: str | None = None,
                progress: Callable[[int, int], None] | None = None) -> tuple[str, bool]:
    """Build (or keep) the index for a plan, and make it the active generation.

    client: Chroma client.
    embeddings: the model to embed measures with.
    plan_text: the plan as text; it is parsed here and stored with the generation.
    queries_text: the plan's sample-question file (see ``ingest.queries``), if it has one.
    progress: called with (documents embedded so far, total).
    Returns the generation name and whether the active generation changed (a complete earlier
    generation is switched back to without embedding anything).
    """
    plan = parse_plan(plan_text)
    queries = parse_queries(queries_text, plan)
    key = f"{embeddings.spec}\n{plan_text}\n{queries_text or ''}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    generation = GENERATION_PREFIX + digest
    registry = client.get_or_create_collection(REGISTRY)
    previous = (registry.metadata or {}).get("active")
    if previous == generation:
        return generation, False

    existing = collection_names(client)
    # A generation is complete once the registry holds its plan (written after its last
    # document): going back to one only switches. Without that record it is a half-built
    # leftover of an interrupted run.
    complete = bool(registry.get(ids=[generation])["ids"])
    if generation in existing and complete:
        switch(client, registry, generation, previous, existing)
        return generation, True
    if generation in existing:
        client.delete_collection(generation)
    store = Chroma(client=client, collection_name=generation, embedding_function=embeddings,
                   collection_metadata={"hnsw:space": "cosine", "embeddings": embeddings.spec})
    documents = [measure_document(m, plan) for m in plan.measures]
    documents += [d for m in plan.measures if m.number in queries
                  for d in query_documents(m, queries[m.number])]
    for start in range(0, len(documents), BATCH):
        batch = documents[start:start + BATCH]
        store.add_documents(batch, ids=[d.id for d in batch])
        if progress:
            progress(start + len(batch), len(documents))

    # The registry is looked up by id only; a one-number vector keeps Chroma from embedding it.
    registry.upsert(ids=[generation], documents=[plan_text], embeddings=[[0.0]],
                    metadatas=[{"embeddings": embeddings.spec, "title": plan.title,
                                "measures": len(plan.measures)}])
    if queries:
        registry.upsert(ids=[queries_id(generation)], documents=[queries_text],
                        embeddings=[[0.0]], metadatas=[{"generation": generation}])
    switch(client, registry, generation, previous, existing)
    return generation, True


def switch(client: ClientAPI, registry: Collection, generation: str, previous: str | None,
           existing: set[str]) -> None:
    """Make generation the active one; keep the previous one for readers still on it and
    delete the older ones."""
    registry.modify(metadata={"active": generation, **({"previous": previous} if previous else {})})
    for name in existing - {generation, previous, REGISTRY}:
        if name.startswith(GENERATION_PREFIX):
            client.delete_collection(name)
            registry.delete(ids=[name, queries_id(name)])


def index_plan_file(client: ClientAPI, embeddings: ModelEmbeddings, path: Path,
                    progress: Callable[[int, int], None] | None = None) -> tuple[str, bool]:
    """Index a plan file together with the sample questions beside it (if any)."""
    return build_index(client, embeddings, path.read_text(encoding="utf-8"),
                       read_queries_text(path), progress)
