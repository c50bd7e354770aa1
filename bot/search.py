"""Search for one need in one document: keyword and dense search, fused, and the measures to
cite from them."""

from __future__ import annotations

from dataclasses import dataclass

from bot.details import Detail, unstated
from bot.pipeline import Pipeline
from bot.query import Query
from bot.retrievers import Hit

TOP_K = 10


@dataclass(frozen=True)
class Search:
    """What search found for one need.

    keyword, dense: each retriever's ranking. fused: their fusion.
    measures: the measures to cite (empty when nothing was found).
    missing: a detail the need asks for that those measures do not state, or None.
    """

    keyword: list[Hit]
    dense: list[Hit]
    fused: list[Hit]
    measures: list[int]
    missing: Detail | None


def rankings(pipeline: Pipeline, query: Query) -> tuple[list[Hit], list[Hit], list[Hit]]:
    """Keyword search, dense search, and their fusion."""
    keyword_hits = pipeline.keyword.run(query, TOP_K)
    dense_hits = pipeline.dense.run(query, TOP_K)
    return keyword_hits, dense_hits, pipeline.fusion.run([keyword_hits, dense_hits], TOP_K)


def search(pipeline: Pipeline, query: Query) -> list[Hit]:
    """Keyword and dense search, fused (the ranking a refused message still reports)."""
    return rankings(pipeline, query)[2]


def examine(pipeline: Pipeline, query: Query, details: list[Detail]) -> Search:
    """Keyword and dense search, fused; the measures to cite; the detail they leave out."""
    keyword_hits, dense_hits, fused = rankings(pipeline, query)
    measures = pipeline.selector.run(query, fused) if fused else []
    # The detail must be stated by the measure that answers best, not by any measure listed;
    # of two measures that tie, the one that states it answers best.
    plan = pipeline.composer.plan
    missing = unstated(details, plan.measure(fused[0].measure).text) if measures else None
    if missing and len(measures) == 2 and not unstated(details, plan.measure(measures[1]).text):
        measures, missing = [measures[1], measures[0]], None
    return Search(keyword_hits, dense_hits, fused, measures, missing)


def with_first(hits: list[Hit], first: tuple[int, ...]) -> list[Hit]:
    """The routed measures first, then the search hits, top 10 in all."""
    ranked = [Hit(n, 1.0) for n in first]
    ranked += [h for h in hits if h.measure not in first]
    return ranked[:TOP_K]
