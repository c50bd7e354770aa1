"""Passage vectors shipped beside a document: ingest embeds only the texts they do not hold,
and the collection it writes is the one a full embedding writes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ingest.plan import bundled_plan_path, parse_plan
from ingest.queries import parse_queries, read_queries_text
from tests.conftest import ROOT
from vectorstore.embeddings import E5Embeddings, make_embeddings
from vectorstore.library import build_document, library_state, passages
from vectorstore.store import connect
from vectorstore.vectorfile import VectorFile, text_key, vectors_path

RELIEF = ROOT / "tests" / "fixtures" / "relief-measures.txt"


class Counted(E5Embeddings):
    """The real model, counting the passages it embeds."""

    def __init__(self) -> None:
        super().__init__()
        self.embedded: list[str] = []

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.embedded += texts
        return super().embed_documents(texts)


def collection_vectors(home: Path) -> dict[str, np.ndarray]:
    client = connect(home)
    generation = next(iter(library_state(client).values()))
    record = client.get_collection(generation).get(include=["embeddings"])
    return dict(zip(record["ids"], np.asarray(record["embeddings"]), strict=True))


@pytest.fixture(scope="module")
def relief_texts() -> list[str]:
    plan = parse_plan(RELIEF.read_text(encoding="utf-8"))
    return [d.page_content for d in passages(plan, {})]


def test_shipped_vectors_hold_every_bundled_passage_as_the_model_embeds_it():
    path = bundled_plan_path()
    plan = parse_plan(path.read_text(encoding="utf-8"))
    texts = [d.page_content for d in passages(plan, parse_queries(read_queries_text(path), plan))]
    known = VectorFile.read(vectors_path(path))
    e5 = make_embeddings()
    assert {text_key(e5.spec, t) for t in texts} <= set(known.vectors), (
        "the bundled plan changed: python -m vectorstore.vectorfile " + str(path))
    sample = texts[::37]
    fresh = np.asarray(e5.embed_documents(sample))
    shipped = np.stack([known.vectors[text_key(e5.spec, t)] for t in sample])
    np.testing.assert_allclose(shipped, fresh, atol=1e-6)


def test_ingest_embeds_only_unknown_texts_and_writes_the_same_vectors(tmp_path: Path,
                                                                     relief_texts: list[str]):
    text = RELIEF.read_text(encoding="utf-8")
    full = Counted()
    build_document(connect(tmp_path / "full"), full, "relief", text)
    assert sorted(full.embedded) == sorted(relief_texts)

    # Vectors for every text but the first two, as a vector file beside the document holds.
    written = collection_vectors(tmp_path / "full")
    model = Counted()
    by_text = dict(zip(relief_texts, full.embed_documents(relief_texts), strict=True))
    known = VectorFile({text_key(model.spec, t): np.asarray(v, dtype=np.float32)
                        for t, v in by_text.items() if t not in relief_texts[:2]})
    known.write(tmp_path / "relief.vectors.npz")
    build_document(connect(tmp_path / "known"), model, "relief", text,
                   known=VectorFile.read(tmp_path / "relief.vectors.npz"))
    assert sorted(model.embedded) == sorted(relief_texts[:2])
    reused = collection_vectors(tmp_path / "known")
    assert reused.keys() == written.keys()
    for key, vector in written.items():
        np.testing.assert_allclose(reused[key], vector, atol=1e-6)


def test_vectors_of_another_model_are_not_used(tmp_path: Path, relief_texts: list[str]):
    known = VectorFile({text_key("use", t): np.zeros(384, dtype=np.float32)
                        for t in relief_texts})
    model = Counted()
    build_document(connect(tmp_path), model, "relief", RELIEF.read_text(encoding="utf-8"),
                   known=known)
    assert sorted(model.embedded) == sorted(relief_texts)
    assert all(np.linalg.norm(v) > 0.99 for v in collection_vectors(tmp_path).values())


def test_passages_embedded_in_chunks_side_by_side_equal_one_call(relief_texts: list[str]):
    e5 = E5Embeddings()
    together = e5._model.passage(relief_texts)
    np.testing.assert_allclose(np.asarray(e5.embed_documents(relief_texts)), together,
                               atol=1e-6)


def test_an_edited_document_embeds_only_what_changed(tmp_path: Path, relief_texts: list[str]):
    text = RELIEF.read_text(encoding="utf-8")
    client = connect(tmp_path)
    build_document(client, E5Embeddings(), "relief", text)
    edited = text.replace("缓缴期最长6个月", "缓缴期最长9个月")
    assert edited != text
    model = Counted()
    generation, built = build_document(client, model, "relief", edited)
    assert built and library_state(client) == {"relief": generation}
    plan = parse_plan(edited)
    changed = [d.page_content for d in passages(plan, {}) if d.page_content not in relief_texts]
    assert len(changed) == 1 and "9个月" in changed[0]
    assert model.embedded == changed
    fresh = collection_vectors(tmp_path)
    scratch = tmp_path / "scratch"
    build_document(connect(scratch), E5Embeddings(), "relief", edited)
    for key, vector in collection_vectors(scratch).items():
        np.testing.assert_allclose(fresh[key], vector, atol=1e-6)
