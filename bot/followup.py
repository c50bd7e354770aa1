"""Follow-up questions: "那找哪个部门？", "具体内容呢？", "and who is responsible?".

In an open session, a question is about the previous answer when it names no specific topic of
its own; a short question that says it continues ("那…呢", "what about …") is searched together
with the previous question; anything else starts afresh.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from bot.query import Query, Tokenizer
from bot.sessions import Turn
from ingest.plan import Plan

CONTINUES = re.compile(
    r"^(?:那|那么|那这|还有|另外|再问|这个|这条|它|该|and\b|what about|how about|also|then)|"
    r"呢[?？]?$|^(?:具体|详细|原文|全文)|具体内容|具体说|详细说|展开|more detail|tell me more",
    re.IGNORECASE)
NEW_TOPIC = re.compile(r"换个问题|换个话题|另外问|新问题|另一个问题|another question|"
                       r"different question|new question|new topic", re.IGNORECASE)
# A follow-up is short (Chinese characters, or English words); a long question carries its
# own context.
SHORT_CHARS = 20
SHORT_WORDS = 8
# Words found in this many measures or more say nothing specific about a topic.
GENERIC_DF = 6
# Words asking about an aspect of the previous answer rather than naming a new topic.
ASPECTS = frozenset("""
具体 内容 详细 情况 要求 时限 时间 期限 多久 材料 条件 费用 流程 步骤 手续 办法 标准 部门 单位
组织 负责 牵头 联系 细节 原文 全文 规定
""".split())


@dataclass(frozen=True)
class FollowUp:
    """How to treat a question in an open session.

    kind: ``previous`` (answer from the previous turn's measures), ``combined`` (search the
    previous and the new question together) or ``fresh``.
    query: the query to search with (for ``combined``, previous question + new one).
    """

    kind: str
    query: Query


class FollowUpResolver:
    """Decides whether a question continues the previous turn.

    plan: the plan; a word's specificity is the number of its measures that use it.
    tokenizer: the domain tokenizer.
    """

    def __init__(self, plan: Plan, tokenizer: Tokenizer) -> None:
        self.tokenizer = tokenizer
        self.document_frequency = Counter(
            t for m in plan.measures
            for t in set(tokenizer.tokens(f"{plan.section(m.section).title} {m.text}")))

    def specific_words(self, query: Query) -> list[str]:
        """Words of the question that point at particular measures."""
        return [t for t in self.tokenizer.tokens(query.keywords)
                if len(t) > 1 and t not in ASPECTS
                and 0 < self.document_frequency.get(t, 0) < GENERIC_DF]

    def run(self, query: Query, previous: Turn | None) -> FollowUp:
        """Classify the question against the previous turn (None when there is none)."""
        if previous is None or NEW_TOPIC.search(query.text):
            return FollowUp("fresh", query)
        lang = query.lang if query.lang == "en" else previous.lang
        short = (len(query.text.split()) <= SHORT_WORDS if query.lang == "en"
                 else len(re.sub(r"\W", "", query.text)) <= SHORT_CHARS)
        if short and not self.specific_words(query):
            return FollowUp("previous", Query(query.original, query.text, lang, query.keywords))
        if short and CONTINUES.search(query.text):
            return FollowUp("combined", Query(query.original, f"{previous.question} {query.text}",
                                              lang, f"{previous.question} {query.keywords}"))
        return FollowUp("fresh", query)
