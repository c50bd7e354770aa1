"""What the bot found for one need, and how the needs of a message add up: the message's
coverage, and which document answers it best."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.answer import Coverage
from bot.retrievers import Hit
from bot.search import TOP_K

# Between documents, an answer beats a partial answer unless the partial one is surer of the
# topic by more than this (P(in scope)): a document that has the topic but not the detail
# asked is a better answer than one that merely states some figure on another topic.
ANSWERED_EDGE = 0.25


@dataclass(frozen=True)
class Outcome:
    """What the bot found for one need.

    coverage: answered, partial or none.
    measures: the measures cited (answered) or related (partial); empty for none.
    ranking: the fused ranking the need was answered from.
    text: the answer to this need.
    document: the id of the document it was answered from ("" until :meth:`PolicyBot.across`
      sets it).
    stock: ``refusal`` or ``greeting`` when text is the stock reply, which names the bundled
      plan (a library of other documents names its own instead), else "".
    confidence: the scope model's P(in scope) for a searched need; 1 for one answered from
      the document's structure or the previous turn.
    """

    coverage: Coverage
    measures: list[int]
    ranking: list[Hit]
    text: str
    document: str = ""
    stock: Literal["", "refusal", "greeting"] = ""
    confidence: float = 1.0


def standing(outcomes: list[Outcome]) -> tuple[bool, float]:
    """How well a document answers a message, to choose between documents: any answer above
    none, then the surest, an answer counting ANSWERED_EDGE surer than a partial one."""
    coverage = best(outcomes)
    edge = ANSWERED_EDGE if coverage == "answered" else 0.0
    return coverage != "none", surest(outcomes) + edge


def surest(outcomes: list[Outcome]) -> float:
    """How surely a document answers a message: the highest confidence among the outcomes
    of its best coverage."""
    coverage = best(outcomes)
    return max(o.confidence for o in outcomes if o.coverage == coverage)


def best(outcomes: list[Outcome]) -> Coverage:
    """The best coverage any need of a message has (how documents are ranked for it)."""
    kinds = {o.coverage for o in outcomes}
    return "answered" if "answered" in kinds else "partial" if "partial" in kinds else "none"


def overall(outcomes: list[Outcome]) -> Coverage:
    """A message is partial when it asks a detail the documents leave out of a measure that
    answers another of its needs ("可以不见面办吗？要带啥材料"); else it has the best
    coverage of its needs (a need on another topic left out is said so in the answer)."""
    answered = set(resting_on(outcomes, "answered"))
    if answered & set(resting_on(outcomes, "partial")):
        return "partial"
    return best(outcomes)


def resting_on(outcomes: list[Outcome], coverage: Coverage) -> list[tuple[str, int]]:
    """The (document, measure) pairs the outcomes of one coverage rest on, in order."""
    return [(o.document, n) for o in outcomes if o.coverage == coverage for n in o.measures]


def interleave(rankings: list[list[tuple[str, Hit]]]) -> list[tuple[str, Hit]]:
    """The needs' rankings, as (document, hit), merged turn by turn (first of each, then
    second…), top 10."""
    merged: list[tuple[str, Hit]] = []
    for rank in range(TOP_K):
        for ranking in rankings:
            if rank < len(ranking) and (ranking[rank][0], ranking[rank][1].measure) not in {
                    (d, h.measure) for d, h in merged}:
                merged.append(ranking[rank])
    return merged[:TOP_K]
