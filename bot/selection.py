"""Which measures an answer cites: one or two for a single-answer question, every measure that
clearly belongs for a "what is there for…" question."""

from __future__ import annotations

import re

from bot.query import Query, Tokenizer
from bot.retrievers import Hit
from ingest.plan import Plan

# Asking for everything on a topic, not for one answer.
LIST_QUESTION = re.compile(
    r"有哪些|都有什么|都有啥|有什么(?:政策|支持|扶持|服务|帮助|措施|便利|优惠|好处|举措|做法)|"
    r"能享受(?:什么|哪些|啥)|享受(?:哪些|什么)|哪些(?:政策|支持|措施|服务|帮助|便利|优惠|做法)|"
    r"都能(?:提供|给)|"
    r"what (?:support|help|policies|measures|services|benefits|incentives)|"
    r"which (?:policies|measures|services)|what is there for|what's (?:there|available)|"
    r"what (?:can|could) .{1,30} get|list (?:the|all)",
    re.IGNORECASE)
# A second measure is cited too when its fused score is this close to the best one.
SECOND_CITATION_RATIO = 0.95
# A list cites the measures scoring at least this share of the best one, at most MAX_LISTED.
LIST_RATIO = 0.5
MAX_LISTED = 8


class CitationSelector:
    """Chooses the measures to cite from the fused ranking.

    plan: the plan. tokenizer: the domain tokenizer.
    """

    def __init__(self, plan: Plan, tokenizer: Tokenizer) -> None:
        self.plan = plan
        self.tokenizer = tokenizer

    def run(self, query: Query, fused: list[Hit]) -> list[int]:
        """Measures to cite, best first (fused must not be empty)."""
        top = fused[0].score
        if LIST_QUESTION.search(query.text):
            return [h.measure for h in fused if h.score >= LIST_RATIO * top][:MAX_LISTED]
        return [h.measure for h in fused[:2] if h.score >= SECOND_CITATION_RATIO * top]
