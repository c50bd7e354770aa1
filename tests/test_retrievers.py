"""Keyword and dense retrievers, and reciprocal rank fusion, each alone."""

from __future__ import annotations

import itertools

import pytest

from bot.fusion import ReciprocalRankFusion
from bot.query import Query, Tokenizer
from bot.retrievers import BM25Retriever, DenseRetriever, Hit
from vectorstore.embeddings import make_embeddings
from vectorstore.library import BUNDLED_ID
from vectorstore.store import MeasureIndex, connect


def q(text: str, keywords: str | None = None) -> Query:
    return Query(text, text, "zh", keywords or text)


@pytest.fixture(scope="module")
def keyword(plan):
    return BM25Retriever(plan, Tokenizer())


def test_bm25_exact_terms(keyword):
    assert keyword.run(q("免罚清单"))[0].measure == 46
    assert keyword.run(q("地籍测绘投诉"))[0].measure == 36
    hits = keyword.run(q("批次贷"), top_k=5)
    assert hits[0].measure == 74
    assert all(a.score >= b.score for a, b in itertools.pairwise(hits))


def test_bm25_uses_expanded_keywords(keyword):
    assert keyword.run(q("我想贷款")) == []  # the plan never says 贷款
    assert keyword.run(q("我想贷款", "我想贷款 融资"))[0].measure in (74, 75, 70, 71)


def test_bm25_no_shared_token_means_no_hits(keyword):
    assert keyword.run(q("今天天气不错")) == []


def test_dense_finds_paraphrases(home):
    dense = DenseRetriever(MeasureIndex(connect(home), make_embeddings()), BUNDLED_ID)
    hits = dense.run(q("外国员工办工作证能快点吗"), top_k=5)
    assert 86 in [h.measure for h in hits]
    assert len(hits) == 5


def test_rrf_rewards_agreement():
    fusion = ReciprocalRankFusion(k=10)
    a = [Hit(1, 9.0), Hit(2, 8.0), Hit(3, 7.0)]
    b = [Hit(2, 0.9), Hit(4, 0.8), Hit(1, 0.7)]
    fused = fusion.run([a, b], top_k=3)
    assert [h.measure for h in fused] == [2, 1, 4]
    assert fused[0].score == pytest.approx(1 / 12 + 1 / 11)


def test_rrf_weights_and_empty_lists():
    fusion = ReciprocalRankFusion(k=10, weights=(2.0, 1.0))
    fused = fusion.run([[Hit(5, 1.0)], [Hit(6, 1.0)]])
    assert [h.measure for h in fused] == [5, 6]
    assert fusion.run([[], []]) == []


def test_bm25_for_lists_finds_a_sections_measures_by_its_introduction(keyword, plan):
    # "用户体验" is only in the introduction of section （一）, not in any of its measures.
    assert all("用户体验" not in m.text for m in plan.measures)
    section = plan.section(plan.measure(1).section)
    hits = BM25Retriever(plan, Tokenizer(), intros=True).run(q("用户体验"),
                                                            top_k=len(section.measures))
    assert {h.measure for h in hits} == set(section.measures)
    # Read without the introductions, the section's measures are not what the word finds.
    plain = keyword.run(q("用户体验"), top_k=len(section.measures))
    assert {h.measure for h in plain} != set(section.measures)
