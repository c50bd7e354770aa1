"""Retriever components: each takes a :class:`Query` and returns ranked :class:`Hit` lists.

Haystack-style: a small class per retriever with a ``run()``; fusion is its own component.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rank_bm25 import BM25Okapi

from bot.query import Query, Tokenizer
from ingest.plan import Plan
from ingest.queries import SampleQueries
from vectorstore.store import MeasureIndex


@dataclass(frozen=True)
class Hit:
    """A measure found by a retriever.

    measure: measure number.
    score: the retriever's own score (higher is better; scales differ between retrievers).
    """

    measure: int
    score: float


class BM25Retriever:
    """Okapi BM25 over jieba tokens of each measure, its section title, its units and its
    sample questions.

    plan: the plan whose measures are searched.
    tokenizer: the shared domain tokenizer.
    queries: sample questions by measure number (may be empty).
    intros: read each measure with its section's introduction too (see
      :func:`section_words`), for lists.
    """

    def __init__(self, plan: Plan, tokenizer: Tokenizer,
                 queries: dict[int, SampleQueries] | None = None,
                 intros: bool = False) -> None:
        self.tokenizer = tokenizer
        self.numbers = [m.number for m in plan.measures]
        queries = queries or {}
        corpus = [
            tokenizer.tokens(" ".join([*section_words(plan, m.section, intros), m.text,
                                       *m.responsible_units,
                                       *(queries[m.number].all() if m.number in queries else ())]))
            for m in plan.measures
        ]
        self.vocabulary = {t for doc in corpus for t in doc}
        self._bm25 = BM25Okapi(corpus)
        # Each token's scores over the measures, computed once: rank_bm25 computes a token's
        # column anew on every call, most of a keyword search's cost.
        self._columns: dict[str, np.ndarray] = {}

    def run(self, query: Query, top_k: int = 10) -> list[Hit]:
        """The top_k measures by BM25 score; measures sharing no token are left out."""
        tokens = [t for t in self.tokenizer.tokens(query.keywords) if t in self.vocabulary]
        if not tokens:
            return []
        scores = self.scores(tokens)
        order = np.argsort(-scores, kind="stable")[:top_k]
        return [Hit(self.numbers[i], float(scores[i])) for i in order if scores[i] > 0]

    def scores(self, tokens: list[str]) -> np.ndarray:
        """The BM25 score of each measure for these tokens (of the vocabulary), as
        ``BM25Okapi.get_scores`` gives them: its columns, added in the same order."""
        total = np.zeros(len(self.numbers))
        for token in tokens:
            column = self._columns.get(token)
            if column is None:
                column = self._columns[token] = self._bm25.get_scores([token])
            total += column
        return total


def section_words(plan: Plan, number: int, intro: bool) -> tuple[str, ...]:
    """A section's title, and its introduction when intro is set. The introduction names the
    topic its measures share in words a measure may not repeat ("一网通办" in the introduction
    of the online-services measures), so a list on the topic finds each of them; to a question
    with one answer, it makes every measure of the section alike."""
    section = plan.section(number)
    return (section.title, section.intro) if intro else (section.title,)


class DenseRetriever:
    """Vector search in one document's Chroma collection (cosine similarity), and among the
    sample questions an operator attached to its measures (kept in memory).

    index: the opened library. document: the id of the document searched.
    samples: (measure number, unit-length passage vector) of each attached question.
    """

    def __init__(self, index: MeasureIndex, document: str,
                 samples: tuple[tuple[int, np.ndarray], ...] = ()) -> None:
        self.index = index
        self.document = document
        self._measures = [m for m, _ in samples]
        self._vectors = np.stack([v for _, v in samples]) if samples else None

    def vector(self, query: Query) -> np.ndarray:
        """The embedding of the normalised question (the one run searches with)."""
        return self.index.query_vector(query.text)

    def run(self, query: Query, top_k: int = 10) -> list[Hit]:
        """The top_k measures nearest to the normalised question (a measure is as near as its
        nearest text)."""
        found = self.index.search(query.text, k=top_k, documents=(self.document,))
        best = {m.measure: m.score for m in found}
        if self._vectors is not None:
            vector = self.vector(query)
            scores = self._vectors @ (vector / max(float(np.linalg.norm(vector)), 1e-12))
            for measure, score in zip(self._measures, scores.tolist(), strict=True):
                best[measure] = max(best.get(measure, -1.0), score)
        ranked = sorted(best.items(), key=lambda kv: -kv[1])[:top_k]
        return [Hit(measure, score) for measure, score in ranked]
