"""Search for one need in one document: keyword and dense search, fused, and the measures to
cite from them.

A query embedding is most of a need's cost. With the pipeline's ``keyword_first``, a need whose
keyword ranking is decisive (its best measure scores at least DECISIVE_RATIO times the second)
is answered from keyword search alone when the scope model fitted on the keyword signals is
sure the document has its topic: it cites that measure. Keyword evidence never refuses: a need
that model is not sure of is searched both ways, and the full model decides. A list question
always searches both ways (its citations weigh dense ranks), and so does an English one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.details import UNNAMED, Detail, unstated
from bot.pipeline import Pipeline
from bot.query import Query
from bot.retrievers import Hit
from bot.scope import ScopeDecision
from bot.selection import LIST_QUESTION

TOP_K = 10
# Chosen on the dev sets (python -m evals.keyword_first): where the best keyword match scores
# twice the second or more, dense search rarely changes which measure is cited.
DECISIVE_RATIO = 2.0


@dataclass(frozen=True)
class Search:
    """What search found for one need.

    keyword, dense: each retriever's ranking (dense empty when keyword search was decisive).
    fused: their fusion.
    measures: the measures to cite (empty when nothing was found).
    missing: a detail the need asks for that those measures do not state, or None.
    scope: whether the document has the need's topic (None when nothing was found).
    """

    keyword: list[Hit]
    dense: list[Hit]
    fused: list[Hit]
    measures: list[int]
    missing: Detail | None
    scope: ScopeDecision | None


def decisive(query: Query, keyword_hits: list[Hit], ratio: float = DECISIVE_RATIO) -> bool:
    """Whether keyword search alone decides what a question (not a list one, not English)
    cites: its best measure scores at least ratio times the second."""
    # An English question's keywords are bridged from a lexicon: second-hand evidence that
    # alone would answer questions outside the documents ("extend a tourist visa").
    if not keyword_hits or query.lang != "zh" or LIST_QUESTION.search(query.text):
        return False
    return len(keyword_hits) == 1 or keyword_hits[0].score >= ratio * keyword_hits[1].score


def rankings(pipeline: Pipeline, query: Query) -> tuple[list[Hit], list[Hit], list[Hit]]:
    """Keyword search, dense search (none when keyword_first and keyword search is
    decisive), and their fusion."""
    keyword_hits = pipeline.keyword.run(query, TOP_K)
    if pipeline.keyword_first and decisive(query, keyword_hits):
        return keyword_hits, [], pipeline.fusion.run([keyword_hits, []], TOP_K)
    return with_dense(pipeline, query, keyword_hits)


def with_dense(pipeline: Pipeline, query: Query, keyword_hits: list[Hit]
               ) -> tuple[list[Hit], list[Hit], list[Hit]]:
    """The keyword ranking given, dense search, and their fusion."""
    dense_hits = pipeline.dense.run(query, TOP_K)
    return keyword_hits, dense_hits, pipeline.fusion.run([keyword_hits, dense_hits], TOP_K)


def search(pipeline: Pipeline, query: Query) -> list[Hit]:
    """Keyword and dense search, fused (the ranking a refused message still reports)."""
    return rankings(pipeline, query)[2]


def examine(pipeline: Pipeline, query: Query, details: Sequence[Detail]) -> Search:
    """Keyword and dense search, fused; whether the document has the topic; the measures to
    cite; the detail they leave out."""
    keyword_hits, dense_hits, fused = rankings(pipeline, query)
    scope = pipeline.scope.run(query, keyword_hits, dense_hits) if fused else None
    if scope and not dense_hits and not scope.in_scope:
        # Keyword evidence alone answers but never refuses: with dense search, the full model
        # decides.
        keyword_hits, dense_hits, fused = with_dense(pipeline, query, keyword_hits)
        scope = pipeline.scope.run(query, keyword_hits, dense_hits)
    measures = pipeline.selector.run(query, fused) if fused else []
    # The detail must be stated by the measure that answers best, not by any measure listed;
    # of two measures that tie, the one that states it answers best.
    plan = pipeline.composer.plan
    missing = unstated(details, plan.measure(fused[0].measure).text) if measures else None
    if missing and len(measures) == 2 and not unstated(details, plan.measure(measures[1]).text):
        measures, missing = [measures[1], measures[0]], None
    # A detail asked in words no pattern knows, recognised on the vector dense search used.
    if (measures and not details and dense_hits and pipeline.detail_model
            and pipeline.detail_model.asks(pipeline.dense.vector(query))):
        missing = UNNAMED
    return Search(keyword_hits, dense_hits, fused, measures, missing, scope)


def with_first(hits: list[Hit], first: tuple[int, ...]) -> list[Hit]:
    """The routed measures first, then the search hits, top 10 in all."""
    ranked = [Hit(n, 1.0) for n in first]
    ranked += [h for h in hits if h.measure not in first]
    return ranked[:TOP_K]
