"""The bot's components for one document of the library: its analyzer, retrievers, router,
scope detector and composer."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from bot.answer import AnswerComposer
from bot.detail_model import DetailModel
from bot.details import asked_details, without_details
from bot.followup import FollowUpResolver
from bot.fusion import ReciprocalRankFusion
from bot.needs import NeedSplitter
from bot.query import PlanVocabulary, QueryAnalyzer, Tokenizer
from bot.retrievers import BM25Retriever, DenseRetriever
from bot.reviewed import Reviewed
from bot.router import Router
from bot.scope import ScopeDetector, ScopeModels
from bot.selection import CitationSelector
from ingest.plan import Plan
from vectorstore.store import MeasureIndex

# Fewer sections than this do not each hold one topic.
MIN_TOPIC_SECTIONS = 3


@dataclass(frozen=True)
class Pipeline:
    """The components built for one document of one library state.

    generation: the library state it was built from. document: the document's id.
    reviewed: the questions an operator reviewed (this document's samples, every out-of-scope
    example).
    keyword_first: a need whose keyword ranking is decisive is answered without dense search
    (see ``bot.search``).
    detail_model: recognises details asked in words no pattern knows (see
    :mod:`bot.detail_model`); None when there is none for the embedding model.
    """

    generation: str
    document: str
    analyzer: QueryAnalyzer
    needs: NeedSplitter
    keyword: BM25Retriever
    dense: DenseRetriever
    fusion: ReciprocalRankFusion
    router: Router
    scope: ScopeDetector
    follow_up: FollowUpResolver
    selector: CitationSelector
    composer: AnswerComposer
    year: int | None
    reviewed: Reviewed
    keyword_first: bool = False
    detail_model: DetailModel | None = None


def build_pipeline(index: MeasureIndex, document: str, tokenizer: Tokenizer,
                   models: ScopeModels, source: str = "",
                   others: tuple[PlanVocabulary, ...] = (),
                   reviewed: Reviewed | None = None,
                   vectors: dict[str, np.ndarray] | None = None,
                   keyword_first: bool = False,
                   detail_model: DetailModel | None = None, several: bool = False) -> Pipeline:
    """Assemble the components for one document of the index.

    index: the opened library. document: the document's id. tokenizer: the shared tokenizer.
    models: the scope models (the one fitted on documents like this one, with or without
    sample questions, is used). source: how answers name the document before a measure's
    label (《…》（文号）), "" when it is the only one loaded. others: the other documents'
    vocabularies: a clause that names their topics is a need too (another document may
    answer it). reviewed: what an operator reviewed (see :meth:`Reviewed.of`), none when None.
    vectors: the unit-length passage vector of each of its sample questions.
    keyword_first: skip dense search where the keyword ranking is decisive.
    detail_model: see :mod:`bot.detail_model`. several: other documents are loaded too (the
    scope model's threshold for several documents applies).
    """
    reviewed = reviewed or Reviewed()
    indexed = index.documents[document]
    plan = indexed.plan
    keyword = BM25Retriever(plan, tokenizer, reviewed.queries(indexed.queries))
    vocabulary = PlanVocabulary(plan, tokenizer)
    # Homophones are corrected towards the plan's longer words and its section titles.
    terms = {w for m in plan.measures for w in tokenizer.words(m.text) if len(w) >= 3}
    terms |= {s.title for s in plan.sections}
    analyzer = QueryAnalyzer(terms, " ".join(m.text for m in plan.measures))

    def names_topic(text: str) -> bool:
        return any(vocabulary.names_topic(t) for t in tokenizer.tokens(text))

    def names_library_topic(text: str) -> bool:
        return any(v.names_topic(t) for t in tokenizer.tokens(text)
                   for v in (vocabulary, *others))

    dated = re.match(r"\d{4}", plan.date)
    year = int(dated.group(0)) if dated else None
    dense = DenseRetriever(index, document,
                           tuple((s.measure, vectors[s.question]) for s in reviewed.samples))
    return Pipeline(
        generation=index.generation,
        document=document,
        analyzer=analyzer,
        # A detail asked for ("有没有具体地址") names no topic of its own.
        needs=NeedSplitter(
            lambda text: names_library_topic(analyzer.expand(without_details(text))),
            lambda text: bool(asked_details(text, year))),
        keyword=keyword,
        dense=dense,
        fusion=ReciprocalRankFusion(k=10.0, weights=(1.0, 1.0)),
        router=Router(plan, tokenizer, vocabulary),
        scope=ScopeDetector(tokenizer, keyword.vocabulary,
                            models.model(bool(indexed.queries), several=several),
                            models.model(bool(indexed.queries), keyword=True), names_topic),
        follow_up=FollowUpResolver(tokenizer, vocabulary),
        selector=CitationSelector(
            BM25Retriever(plan, tokenizer, reviewed.queries(indexed.queries), intros=True),
            dense, topic_sections(plan)),
        composer=AnswerComposer(plan, document, source),
        year=year,
        reviewed=reviewed,
        keyword_first=keyword_first,
        detail_model=detail_model,
    )


def topic_sections(plan: Plan) -> dict[int, int]:
    """The section of each measure, when there are enough sections for each to hold one topic
    (none for a document of articles without chapters, or of two long chapters)."""
    if len({m.section for m in plan.measures}) < MIN_TOPIC_SECTIONS:
        return {}
    return {m.number: m.section for m in plan.measures}
