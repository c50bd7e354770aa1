"""Follow-up questions: "那找哪个部门？", "具体内容呢？", "and who is responsible?".

In an open session, a question is about the previous answer when it names no specific topic of
its own; a short question that says it continues ("那…呢", "what about …") is searched together
with the previous question; anything else starts afresh.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.query import PlanVocabulary, Query, Tokenizer
from bot.sessions import Turn

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
# Words asking about an aspect of the previous answer rather than naming a new topic.
ASPECTS = frozenset("""
具体 内容 详细 情况 要求 时限 时间 期限 多久 材料 条件 费用 流程 步骤 手续 办法 标准 部门 单位
组织 负责 牵头 联系 细节 原文 全文 规定 涉及 包括 相关 有关 哪些 参与 配合
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

    tokenizer: the domain tokenizer. vocabulary: the plan's words and their spread.
    """

    def __init__(self, tokenizer: Tokenizer, vocabulary: PlanVocabulary) -> None:
        self.tokenizer = tokenizer
        self.vocabulary = vocabulary

    def specific_words(self, query: Query) -> list[str]:
        """Words of the question that point at particular measures."""
        return [t for t in self.tokenizer.tokens(query.keywords)
                if t not in ASPECTS and self.vocabulary.is_specific(t)]

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
