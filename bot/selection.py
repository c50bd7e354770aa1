"""Which measures an answer cites: one or two for a single-answer question, every measure that
clearly belongs for a "what is there for…" question."""

from __future__ import annotations

import re

from bot.answer import unique
from bot.query import Query
from bot.retrievers import BM25Retriever, DenseRetriever, Hit

# Asking for everything on a topic, not for one answer.
LIST_QUESTION = re.compile(
    r"(?:有|都有|还有)(?:哪些|什么|啥)(?!条件|材料|要求|区别|不同|影响|后果|风险|用处|意义|关系)|"
    r"都有(?:什么|啥)|(?:做了|推出了?|出台了?|有了)(?:哪些|什么)|"
    r"能享受(?:什么|哪些|啥)|享受(?:哪些|什么)|都(?:能|可以)(?:提供|给)|"
    # Any "哪些…" but the details a measure rarely lists (conditions, papers) and who is in
    # charge (a department question, answered by the router).
    r"哪些(?!\S{0,3}(?:条件|材料|资料|证件|手续|要求|区别|不同|影响|后果|风险|部门|单位|局|委))|"
    r"(?:帮我|给我)?列(?:一下|出来|个清单)|"
    r"什么(?:政策|支持|扶持|帮助|优惠|便利|好处)|"
    r"(?:what|which) (?:kinds? of |sorts? of |types? of )?(?:support|help|policies|measures|"
    r"services|benefits|incentives)|what is there for|"
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
# A plan groups the measures of a topic in one section: a measure of the section the best
# match sits in belongs when either search ranks it this high, even if it words the topic
# differently (不动产登记's five measures share a section, not a vocabulary).
SECTION_RANK = 6


class CitationSelector:
    """Chooses the measures to cite from the fused ranking.

    keyword, dense: the retrievers, searched deeper for lists (keyword search reading each
      measure with its section's introduction, see :func:`bot.retrievers.section_words`).
    sections: the section of each measure, by number; empty when the document has too few
      sections for one to mark a topic.
    """

    def __init__(self, keyword: BM25Retriever, dense: DenseRetriever,
                 sections: dict[int, int]) -> None:
        self.keyword = keyword
        self.dense = dense
        self.sections = sections

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
        dense = self.dense.run(query, LIST_DEPTH)
        dense_rank = {h.measure: i for i, h in enumerate(dense)}
        top = keyword[0].score
        belong = [h.measure for h in keyword
                  if h.score >= LIST_SURE * top
                  or (h.score >= LIST_SCORE * top
                      and dense_rank.get(h.measure, LIST_DEPTH) < LIST_DENSE_RANK)]
        if (section := self.sections.get(keyword[0].measure)) is not None:
            near = [h.measure for h in keyword[:SECTION_RANK] + dense[:SECTION_RANK]]
            belong += [n for n in unique(near)
                       if self.sections.get(n) == section and n not in belong]
        # The best ones, then in the plan's order, as a reader of the plan would list them.
        return sorted(belong[:MAX_LISTED])
