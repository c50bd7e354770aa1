"""The extractive composer: everything it states comes from the cited measures."""

from __future__ import annotations

import re

import pytest

from bot.answer import AnswerComposer, greeting, lead_clause, refusal
from bot.details import asked_details
from vectorstore.library import BUNDLED_ID


@pytest.fixture(scope="module")
def composer(plan):
    return AnswerComposer(plan, BUNDLED_ID)


def test_who_answer_leads_with_the_clause_and_names_units(composer, plan):
    text = composer.search_answer("企业注销找哪个部门？", [21], "zh")
    lead = text.split("\n")[0]
    assert lead == ("第21条规定，深化“高效办成一件事”在企业注销领域的应用。"
                    "责任单位是区市场监管局、区税务局、区人社局。")
    assert plan.measure(21).text in text
    assert "（简化企业开办和注销流程）" in text


def test_who_answer_from_a_document_naming_no_units_names_none():
    from ingest.plan import load_plan
    from tests.test_library import FIXTURES

    regulation = AnswerComposer(load_plan(FIXTURES / "loan-subsidy-regulation.txt"), "loan")
    for question, lang in (("Who reviews the borrower's eligibility?", "en"),
                           ("谁负责审核借款人资格", "zh")):
        lead = regulation.search_answer(question, [3], lang).split("\n")[0]
        assert "市人力资源社会保障部门负责审核借款人资格" in lead
        assert "Responsible" not in lead and "责任单位" not in lead


def test_lead_quotes_the_clause_that_answers_and_says_yes_to_a_yes_no_question(composer, plan):
    text = composer.search_answer("第一次轻微违法能不能不罚", [46], "zh")
    lead = text.split("\n")[0]
    assert lead.startswith("可以：第46条规定，")
    clause = lead.removeprefix("可以：第46条规定，").removesuffix("。")
    assert clause in plan.measure(46).text and "不予处罚" in clause


def test_lead_is_extractive(composer, plan):
    for question, number in (("电子印章能用在哪", 17), ("网上立案", 53), ("招投标监管", 42)):
        lead = composer.search_answer(question, [number], "zh").split("\n")[0]
        clause = lead.split("规定，", 1)[1].split("。")[0]
        assert clause in plan.measure(number).text


def test_list_answer_groups_measures_by_section_with_units(composer, plan):
    text = composer.search_answer("知识产权保护有哪些措施", [39, 37, 38, 56], "zh")
    assert text.startswith("行动方案中有4条相关措施，按章节列出：")
    assert text.index("【加强知识产权创造、保护和运用】") < text.index("【加强法治营商环境建设】")
    assert text.index("第37条") < text.index("第38条") < text.index("第39条")
    assert f"（责任单位：{'、'.join(plan.measure(56).responsible_units)}）" in text


def test_partial_answer_says_what_is_missing_then_the_related_measures(composer, plan):
    from bot.details import DETAILS

    fee = next(d for d in DETAILS if d.name == "fee")
    text = composer.partial_answer(fee, [32], "zh")
    assert text.startswith("方案未写明费用或金额。")
    assert plan.measure(32).text in text and "责任单位：" in text
    english = composer.partial_answer(fee, [32], "en")
    assert english.startswith("The plan does not state fees or amounts of money.")


def test_answer_mentions_only_cited_measures(composer):
    text = composer.search_answer("注销和名称", [21, 20], "zh")
    assert set(re.findall(r"第(\d+)条", text)) == {"21", "20"}


def test_english_answer_quotes_chinese_text_with_english_units(composer, plan):
    text = composer.search_answer("Who handles deregistration?", [21], "en")
    assert text.startswith("Measure 21 provides: “深化“高效办成一件事”在企业注销领域的应用”.")
    assert "Responsible: District Administration for Market Regulation (区市场监管局)" in text
    assert plan.measure(21).text in text
    assert "Simpler company start-up and deregistration" in text


def test_department_answer_groups_by_section(composer):
    text = composer.department_answer("区法院", [39, 40, 53, 54, 55, 56], "zh")
    assert text.startswith("区法院是行动方案中6条措施的责任单位")
    assert text.index("【加强知识产权创造、保护和运用】") < text.index("【加强法治营商环境建设】")
    assert text.count("- 第") == 6


def test_structure_answer(composer):
    text = composer.structure_answer("让企业经营更放心", (9, 10, 11, 12, 13), "zh")
    assert "5个方面、23条措施" in text and "实行包容审慎监管：第46–48条" in text


def test_citations_carry_the_record(composer):
    [citation] = composer.cited([54])
    assert citation.units == ["区法院"] and citation.section == "加强法治营商环境建设"


def test_refusal_says_what_it_can_do():
    assert "没有涉及" in refusal("zh") and "第21条" in refusal("zh")
    assert "does not cover" in refusal("en")


def test_greetings_and_thanks():
    assert greeting("zh", "你好").startswith("您好") and "第21条" in greeting("zh", "你好")
    assert greeting("zh", "谢谢！").startswith("不客气")
    assert greeting("en", "thanks").startswith("You're welcome")


def test_a_question_and_answer_item_leads_with_its_answer():
    text = "享受上述优惠需要办理备案吗？答：不需要。纳税人在申报时直接享受，相关资料留存备查。"
    # The question shares every word with the owner's; the answer is what to quote.
    assert lead_clause(text, "享受优惠需要办理备案吗").startswith("不需要")


def test_the_lead_quotes_the_clause_that_states_the_detail_asked():
    text = "推进政务服务智能自助终端建设，实现智能填表和自助办理。终端每天8:30至21:00开放。"
    question = "自助终端晚上几点能办理"
    # By shared words the first clause wins; the clause that states the hours is the answer.
    assert lead_clause(text, question).startswith("推进政务服务智能自助终端建设")
    hours = next(d for d in asked_details(question, 2021) if d.name == "hours")
    assert lead_clause(text, question, [hours.stated]).startswith("终端每天8:30")
