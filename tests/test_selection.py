"""Which measures an answer cites: list questions, and a list kept to the topic's section."""

from __future__ import annotations

import pytest

from bot.policybot import PolicyBot
from bot.selection import LIST_QUESTION, CitationSelector
from vectorstore.library import BUNDLED_ID


@pytest.mark.parametrize("question", [
    "搞创业在普陀能参加哪些比赛？",
    "不动产登记这块，帮我列一下能网上办的",
    "外资企业都有什么支持政策？",
    "What support is there for foreign companies?",
    "Which kinds of help does Putuo offer foreign-invested firms?",
])
def test_list_questions(question):
    assert LIST_QUESTION.search(question)


@pytest.mark.parametrize("question", [
    "注销公司需要哪些材料？",        # a detail, not the plan's measures
    "知识产权纠纷归哪些部门管？",    # who is in charge: the router's
    "企业注销找哪个部门？",
])
def test_single_answer_questions(question):
    assert not LIST_QUESTION.search(question)


QUESTIONS = ("办不动产登记，现在都有哪些便利？", "打官司的话，法院有哪些让案子快一点的做法？",
             "企业有困难想跟政府反映，都有哪些渠道？")


def test_a_list_adds_only_measures_of_the_best_matchs_section(bot: PolicyBot):
    pipeline = bot.current().pipelines[BUNDLED_ID]
    sections = {m.number: m.section for m in pipeline.composer.plan.measures}
    added_any = False
    for question in QUESTIONS:
        query = pipeline.analyzer.run(question)
        by_words = CitationSelector(pipeline.keyword, pipeline.dense, {}).listed(query)
        by_section = CitationSelector(pipeline.keyword, pipeline.dense, sections).listed(query)
        best = pipeline.keyword.run(query, 1)[0].measure
        added = set(by_section) - set(by_words)
        assert set(by_words) <= set(by_section)
        assert all(sections[n] == sections[best] for n in added)
        assert by_section == sorted(by_section)
        added_any |= bool(added)
    # The section finds a measure the words alone miss (不动产登记's measures share a section).
    assert added_any
