"""The library as the bot serves it: one pipeline per loaded document, and which documents a
question goes to.

A question that names a document goes to it. A lookup by number ("第5条") names a measure of
some document: the bundled plan's when it is loaded and no document is named, else the answer
asks which document is meant. Any other question is searched in every document (or those the
caller chose), best dense match first; the first document that answers it is the one cited.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bot.answer import Citation
from bot.detail_model import DetailModel
from bot.documents import DocumentName, DocumentNames
from bot.pipeline import Pipeline, build_pipeline
from bot.query import PlanVocabulary, Tokenizer
from bot.reviewed import Reviewed
from bot.router import measure_numbers
from bot.scope import ScopeModels
from vectorstore.library import BUNDLED_ID, UnknownDocument
from vectorstore.store import MeasureIndex


@dataclass(frozen=True)
class Choice:
    """Where a question goes.

    documents: the ids of the documents to answer from, in the order to try them.
    ask_which: the documents among which the question is ambiguous (the answer asks which);
      empty when documents is set.
    """

    documents: tuple[str, ...]
    ask_which: tuple[str, ...] = ()


@dataclass(frozen=True)
class Library:
    """The pipelines of one library state.

    generation: the state's name. index: the opened library.
    pipelines: one per document, the bundled plan first. names: how documents are named.
    """

    generation: str
    index: MeasureIndex
    pipelines: dict[str, Pipeline]
    names: DocumentNames

    @property
    def primary(self) -> Pipeline:
        """The bundled plan's pipeline when it is loaded, else the first document's."""
        return next(iter(self.pipelines.values()))

    @property
    def measures(self) -> int:
        """How many measures the loaded documents have in all."""
        return sum(len(p.composer.plan.measures) for p in self.pipelines.values())

    @property
    def bundled_alone(self) -> bool:
        """The bundled plan is the only document loaded (the stock replies name it)."""
        return list(self.pipelines) == [BUNDLED_ID]

    @property
    def several(self) -> bool:
        """More than one document is loaded (answers then name theirs)."""
        return len(self.pipelines) > 1

    def cited(self, measures: list[tuple[str, int]]) -> list[Citation]:
        """The citation records of (document, number) pairs, in order."""
        return [c for d, n in measures for c in self.pipelines[d].composer.cited([n])]

    def name(self, document: str) -> DocumentName:
        """The naming record of a loaded document."""
        return next(n for n in self.names.names if n.id == document)

    def scope(self, documents: list[str] | None) -> list[str]:
        """The documents a question may be answered from.

        documents: the ids the caller chose, or None for all. Raises UnknownDocument for an id
        not in the library.
        """
        if not documents:
            return list(self.pipelines)
        for document in documents:
            if document not in self.pipelines:
                raise UnknownDocument(document)
        return [d for d in self.pipelines if d in documents]

    def choose(self, question: str, text: str, among: list[str]) -> Choice:
        """Where a question goes (question: as asked; text: normalised by any document's
        analyzer; among: the documents in scope, in listing order)."""
        if len(among) == 1:
            return Choice(tuple(among))
        # A question an operator attached to a measure goes to that measure's document.
        attached = [d for d in among
                    if self.pipelines[d].reviewed.measure(question) is not None]
        if attached:
            return Choice(tuple(dict.fromkeys([*attached, *among])))
        named = self.names.named(text, among)
        if len(named) == 1:
            return Choice(tuple(named))
        candidates = named or among
        if measure_numbers(text):
            if not named and len(titled := self.names.partly_named(text, among)) == 1:
                return Choice(tuple(titled))
            if not named and BUNDLED_ID in candidates:
                return Choice((BUNDLED_ID,))
            return Choice((), tuple(candidates))
        # Cosine similarities are comparable across documents, unlike BM25 scores.
        order = [m.document for m in self.index.search(text, k=10, documents=tuple(candidates))]
        return Choice(tuple(dict.fromkeys([*order, *candidates])))

    def greeting(self, lang: str) -> str:
        """The reply to a greeting: what the bot answers from and what to ask."""
        labels = "、".join(n.label() for n in self.names.names)
        if lang == "en":
            return (f"Hello! I answer questions from these policy documents: {labels}. Ask what "
                    "they provide and which department is responsible, or for a measure by its "
                    "document and number.")
        return (f"您好！我是政策问答助手，根据以下政策文件回答问题：{labels}。"
                "您可以问其中的措施和责任单位，或注明文件和编号查询，如“2023年措施第四项”。")

    def refusal(self, lang: str) -> str:
        """What the bot says when none of the loaded documents covers a question."""
        labels = "、".join(n.label() for n in self.names.names)
        if lang == "en":
            return (f"None of the loaded documents ({labels}) covers this, so I cannot answer "
                    "it. Ask about what they provide, or for a measure by its document and "
                    "number.")
        return (f"抱歉，已加载的政策文件（{labels}）都没有涉及这个问题，我无法回答。"
                "您可以问这些文件中的措施，或注明文件和编号查询，如“2023年措施第四项”。")

    def which(self, documents: tuple[str, ...], lang: str) -> str:
        """The answer that asks which of these documents a question means."""
        names = [self.name(d) for d in documents]
        if lang == "en":
            lines = ["Several documents are loaded; which one do you mean? Please name it "
                     "(its title or number):"]
        else:
            lines = ["已加载多份文件，请问您指的是哪一份？请在问题中注明文件名称或文号："]
        lines += [f"- {n.label()}（{n.year or '—'}）[{n.id}]" for n in names]
        return "\n".join(lines)


def build_library(index: MeasureIndex, tokenizer: Tokenizer, models: ScopeModels,
                  reviewed: Reviewed | None = None,
                  vectors: dict[str, np.ndarray] | None = None,
                  keyword_first: bool = False,
                  detail_model: DetailModel | None = None) -> Library:
    """A pipeline for each document of the index.

    index: the opened library. tokenizer: the shared tokenizer. models: the scope models.
    reviewed: the questions an operator reviewed (none when None); vectors: the unit-length
    passage vector of each sample question among them. keyword_first: skip dense search where
    the keyword ranking is decisive (see ``bot.search``). detail_model: see
    :mod:`bot.detail_model`, used for the document it was fitted on (None: details are
    recognised by their wording alone).
    """
    reviewed = reviewed or Reviewed()
    names = [DocumentName(d.id, d.plan) for d in index.documents.values()]
    several = len(names) > 1
    vocabularies = {n.id: PlanVocabulary(n.plan, tokenizer) for n in names}
    pipelines = {n.id: build_pipeline(index, n.id, tokenizer, models,
                                      n.label() if several else "",
                                      tuple(v for d, v in vocabularies.items() if d != n.id),
                                      reviewed.of(n.id), vectors, keyword_first,
                                      detail_model if detail_model
                                      and detail_model.document == n.id else None, several)
                 for n in names}
    return Library(index.generation, index, pipelines, DocumentNames(names))
