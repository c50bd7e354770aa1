"""Which measures an answer cites: one or two for a single-answer question, every measure that
clearly belongs for a "what is there for…" question."""

from __future__ import annotations

import re

from bot.query import Query
from bot.retrievers import BM25Retriever, DenseRetriever, Hit

# Asking for everything on a topic, not for one answer.
LIST_QUESTION = re.compile(
    r"(?:有|都有|还有)(?:哪些|什么|啥)(?!条件|材料|要求|区别|不同|影响|后果|风险|用处|意义|关系)|"
    r"都有(?:什么|啥)|(?:做了|推出了?|出台了?|有了)(?:哪些|什么)|"
    r"能享受(?:什么|哪些|啥)|享受(?:哪些|什么)|都(?:能|可以)(?:提供|给)|"
    r"哪些\S{0,8}?(?:政策|支持|扶持|措施|服务|帮助|便利|优惠|做法|场景|渠道|活动|方面|举措|好处|"
    r"地方|途径|方式|办法|事项|情况)|"
    r"什么(?:政策|支持|扶持|帮助|优惠|便利|好处)|"
    r"what (?:kind of |sort of |types? of )?(?:support|help|policies|measures|services|benefits|"
    r"incentives)|which (?:policies|measures|services)|what is there for|"
    r"what's (?:there|available)|what (?:can|could) .{1,30} get|list (?:the|all)|"
    r"(?:what|which) (?:channels|ways|options)|what (?:is|are) (?:the )?(?:\w+ ){0,4}doing|"
    r"what (?:has|have|does|do|did|will) (?:the )?(?:district|plan|government|court|putuo)\b"
    r".{0,40}\bdo(?:ne)?\b",
    re.IGNORECASE)
# A second measure is cited too when its fused score is this close to the best one.
SECOND_CITATION_RATIO = 0.95
# A list cites the measures keyword search scores at least LIST_SCORE of the best one when
# dense search also ranks them in its first LIST_DENSE_RANK, or at least LIST_SURE of the best
# whatever dense search says; at most MAX_LISTED. Keyword scores fall off a cliff where the
# measures stop sharing the topic's words, which is what "clearly belongs" means.
LIST_DEPTH = 20
LIST_SCORE = 0.3
LIST_SURE = 0.7
LIST_DENSE_RANK = 10
MAX_LISTED = 8


class CitationSelector:
    """Chooses the measures to cite from the fused ranking.

    keyword, dense: the retrievers, searched deeper for lists.
    """

    def __init__(self, keyword: BM25Retriever, dense: DenseRetriever) -> None:
        self.keyword = keyword
        self.dense = dense

    def run(self, query: Query, fused: list[Hit]) -> list[int]:
        """Measures to cite, best first (fused must not be empty)."""
        if LIST_QUESTION.search(query.text):
            listed = self.listed(query)
            if len(listed) > 1:
                return listed
        top = fused[0].score
        return [h.measure for h in fused[:2] if h.score >= SECOND_CITATION_RATIO * top]

    def listed(self, query: Query) -> list[int]:
        """Every measure that clearly belongs to the topic of a list question, in plan order."""
        keyword = self.keyword.run(query, LIST_DEPTH)
        if not keyword:
            return []
        dense_rank = {h.measure: i for i, h in enumerate(self.dense.run(query, LIST_DEPTH))}
        top = keyword[0].score
        belong = [h.measure for h in keyword
                  if h.score >= LIST_SURE * top
                  or (h.score >= LIST_SCORE * top
                      and dense_rank.get(h.measure, LIST_DEPTH) < LIST_DENSE_RANK)]
        # The best ones, then in the plan's order, as a reader of the plan would list them.
        return sorted(belong[:MAX_LISTED])
