"""The policy library in Chroma: which documents are indexed, and building or removing one.

Layout in Chroma:

- ``policybot-generation-<hash>``: one generation of one document's index: one Chroma
  document per measure (embedded with its section title as context), ids ``measure-001`` …,
  plus, when the document has sample questions, one per measure and language joining them
  (``measure-021-zh``, ``measure-021-en``).
- ``policybot-registry``: per generation, the document's extracted text (and its sample
  questions) with its metadata; the collection's metadata maps each document id to its active
  generation (``documents``, JSON) and lists the generations just replaced (``retired``).

A build writes a whole new generation, then switches the map in one write, so a reader never
sees a half-built document. The generations just replaced or removed are kept so that readers
still holding them finish their queries; older ones are deleted. Building the same text with
the same model again changes nothing (the generation name is a hash of both and the id).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path

from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from langchain_chroma import Chroma
from langchain_core.documents import Document
from pydantic import BaseModel, ConfigDict, Field, computed_field

from ingest.formats import read_document
from ingest.plan import Measure, Plan, parse_plan
from ingest.queries import SampleQueries, parse_queries, read_queries_text
from vectorstore.embeddings import ModelEmbeddings
from vectorstore.vectorfile import KnownEmbeddings, VectorFile, vectors_path

REGISTRY = "policybot-registry"
GENERATION_PREFIX = "policybot-generation-"
BUNDLED_ID = "putuo-yingshang-2021"
BATCH = 64
ID_PATTERN = re.compile(r"^[\w-]{1,64}$")


class UnknownDocument(KeyError):
    """No document with this id is in the library."""

    def __str__(self) -> str:
        return f"no document {self.args[0]!r} in the library"


class DocumentRecord(BaseModel):
    """A document of the library as listed (read from the registry, not parsed): the rows of
    ``policybot documents`` and of ``GET /api/v1/documents``.

    id: its slug. generation: its active generation (not listed). title, number (文号),
    issuer, date: its metadata. valid_from, valid_until: ISO dates of its validity, "" when it
    states none. measures: how many measures it has. status: see :meth:`status_on`, today.
    """

    model_config = ConfigDict(frozen=True)

    id: str
    generation: str = Field(exclude=True)
    title: str
    number: str
    issuer: str
    date: str
    valid_from: str
    valid_until: str
    measures: int

    @computed_field
    @property
    def status(self) -> str:
        return self.status_on(datetime.date.today())

    def status_on(self, today: datetime.date) -> str:
        """``in force``, ``expired`` (past valid_until) or ``not yet in force`` on that day."""
        day = today.isoformat()
        if self.valid_until and self.valid_until < day:
            return "expired"
        if self.valid_from and self.valid_from > day:
            return "not yet in force"
        return "in force"


def document_id(path: Path) -> str:
    """The default id of a document file: its stem, lower-case, other characters as -."""
    return re.sub(r"[^\w-]+", "-", path.stem.lower()).strip("-")[:64]


def check_id(doc_id: str) -> str:
    """doc_id, or ValueError when it is not a slug (letters, digits, _ and -, up to 64)."""
    if not ID_PATTERN.match(doc_id):
        raise ValueError(f"invalid document id {doc_id!r}: use letters, digits, _ and -")
    return doc_id


def measure_id(number: int) -> str:
    """Stable Chroma id of a measure."""
    return f"measure-{number:03d}"


def queries_id(generation: str) -> str:
    """Registry id of a generation's sample questions."""
    return f"{generation}:queries"


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


def collection_names(client: ClientAPI) -> set[str]:
    """Names of the store's collections."""
    return {c.name for c in client.list_collections()}


def library_state(client: ClientAPI) -> dict[str, str]:
    """Each indexed document's id → its active generation; empty before the first build."""
    if REGISTRY not in collection_names(client):
        return {}
    return read_state(client.get_collection(REGISTRY))


def read_state(registry: Collection) -> dict[str, str]:
    """The registry's document map (see :func:`library_state`)."""
    metadata = registry.metadata or {}
    if "documents" in metadata:
        return json.loads(metadata["documents"])
    # A store built before the library held the bundled plan alone under ``active``.
    return {BUNDLED_ID: metadata["active"]} if metadata.get("active") else {}


def state_key(state: dict[str, str]) -> str:
    """One name for a library state: its generations in document-id order."""
    return ",".join(state[d] for d in sorted(state))


def library_documents(client: ClientAPI) -> list[DocumentRecord]:
    """The library's documents, bundled plan first, then by id."""
    state = library_state(client)
    if not state:
        return []
    ids = sorted(state, key=lambda d: (d != BUNDLED_ID, d))
    record = client.get_collection(REGISTRY).get(ids=[state[d] for d in ids],
                                                 include=["metadatas"])
    metadata = dict(zip(record["ids"], record["metadatas"], strict=True))
    return [document_record(d, state[d], metadata.get(state[d]) or {}) for d in ids]


def document_record(doc_id: str, generation: str, metadata: dict) -> DocumentRecord:
    """A listing record from a generation's registry metadata."""
    fields = ("title", "number", "issuer", "date", "valid_from", "valid_until")
    return DocumentRecord(id=doc_id, generation=generation,
                          measures=int(metadata.get("measures", 0)),
                          **{f: metadata.get(f, "") for f in fields})


def build_document(client: ClientAPI, embeddings: ModelEmbeddings, doc_id: str, text: str,
                   queries_text: str | None = None,
                   progress: Callable[[int, int], None] | None = None,
                   known: VectorFile | None = None) -> tuple[str, bool]:
    """Add a document to the library, or replace the one with the same id.

    client: Chroma client. embeddings: the model to embed measures with.
    doc_id: the document's id. text: its extracted text; parsed first, so a text in which no
    measure is found raises PlanFormatError before anything is written.
    queries_text: its sample-question file (see ``ingest.queries``), if it has one.
    progress: called with (documents embedded so far, total).
    known: passage vectors already computed (see :mod:`vectorstore.vectorfile`): the texts
    they hold, and those of the document's current generation, are not embedded again.
    Returns the generation name and whether the library changed (a complete earlier generation
    is switched back to without embedding anything).
    """
    check_id(doc_id)
    plan = parse_plan(text)
    queries = parse_queries(queries_text, plan)
    key = f"{embeddings.spec}\n{doc_id}\n{text}\n{queries_text or ''}"
    generation = GENERATION_PREFIX + hashlib.sha256(key.encode()).hexdigest()[:16]
    registry = client.get_or_create_collection(REGISTRY)
    state = read_state(registry)
    if state.get(doc_id) == generation:
        return generation, False
    existing = collection_names(client)
    # A generation is complete once the registry holds its text (written after its last
    # measure): going back to one only switches. Without that record it is a half-built
    # leftover of an interrupted run.
    complete = bool(registry.get(ids=[generation])["ids"])
    if generation not in existing or not complete:
        if generation in existing:
            client.delete_collection(generation)
        # A document replaced by an edited version embeds only the texts that changed.
        current = state.get(doc_id)
        if current in existing:
            known = VectorFile.stored(client.get_collection(current), embeddings.spec).merged(
                known or VectorFile())
        embed(client, KnownEmbeddings(embeddings, known or VectorFile()), generation, plan,
              queries, progress)
        registry.upsert(ids=[generation], documents=[text], embeddings=[[0.0]],
                        metadatas=[registry_metadata(doc_id, plan, embeddings.spec)])
        if queries:
            registry.upsert(ids=[queries_id(generation)], documents=[queries_text],
                            embeddings=[[0.0]], metadatas=[{"generation": generation}])
    switch(client, registry, {**state, doc_id: generation})
    return generation, True


def embed(client: ClientAPI, embeddings: ModelEmbeddings, generation: str, plan: Plan,
          queries: dict[int, SampleQueries],
          progress: Callable[[int, int], None] | None) -> None:
    """Write a generation's collection: a document per measure and per sample-question set."""
    store = Chroma(client=client, collection_name=generation, embedding_function=embeddings,
                   collection_metadata={"hnsw:space": "cosine", "embeddings": embeddings.spec})
    documents = passages(plan, queries)
    for start in range(0, len(documents), BATCH):
        batch = documents[start:start + BATCH]
        store.add_documents(batch, ids=[d.id for d in batch])
        if progress:
            progress(start + len(batch), len(documents))


def passages(plan: Plan, queries: dict[int, SampleQueries]) -> list[Document]:
    """What a generation's collection holds: a document per measure and per sample-question
    set."""
    documents = [measure_document(m, plan) for m in plan.measures]
    return documents + [d for m in plan.measures if m.number in queries
                        for d in query_documents(m, queries[m.number])]


def registry_metadata(doc_id: str, plan: Plan, spec: str) -> dict:
    """What the registry keeps about a generation besides its text (the listing reads it)."""
    return {"embeddings": spec, "document": doc_id, "title": plan.title,
            "number": plan.document_number, "issuer": "、".join(plan.issuers),
            "date": plan.date, "valid_from": plan.valid_from, "valid_until": plan.valid_until,
            "measures": len(plan.measures)}


def remove_document(client: ClientAPI, doc_id: str) -> None:
    """Take a document out of the library; raises UnknownDocument when it is not in it."""
    state = library_state(client)
    if doc_id not in state:
        raise UnknownDocument(doc_id)
    switch(client, client.get_collection(REGISTRY),
           {d: g for d, g in state.items() if d != doc_id})


def switch(client: ClientAPI, registry: Collection, state: dict[str, str]) -> None:
    """Make state the library's document map in one write; keep the generations it replaces
    for readers still on them and delete older ones."""
    retired = sorted(set(read_state(registry).values()) - set(state.values()))
    registry.modify(metadata={"documents": json.dumps(state), "retired": json.dumps(retired)})
    keep = set(state.values()) | set(retired)
    for name in collection_names(client) - keep:
        if name.startswith(GENERATION_PREFIX):
            client.delete_collection(name)
            registry.delete(ids=[name, queries_id(name)])


def index_file(client: ClientAPI, embeddings: ModelEmbeddings, path: Path,
               doc_id: str | None = None,
               progress: Callable[[int, int], None] | None = None) -> tuple[str, bool]:
    """Index a document file (.txt, .md, .docx, .pdf, .html) with the sample questions and the
    passage vectors beside it (if any).

    doc_id: its id in the library; the file's stem when None.
    """
    return build_document(client, embeddings, doc_id or document_id(path), read_document(path),
                          read_queries_text(path), progress, VectorFile.read(vectors_path(path)))
