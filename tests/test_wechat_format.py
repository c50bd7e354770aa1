"""Answers formatted for WeChat, and long ones paged: real answers from the real bot, and
answers built from real measures where a test needs a shape (partial, related) of its own."""

from __future__ import annotations

import re

import pytest

from api.wechat.format import REPLY_LIMIT_BYTES, paginate, wechat_text
from bot.answer import Answer, AnswerComposer, Coverage
from bot.policybot import PolicyBot
from ingest.plan import Plan
from vectorstore.library import BUNDLED_ID

LABEL = re.compile(r"\n\n（(\d+)/(\d+)）(?:回复“更多”查看下一部分|完)$")
SENTENCE_ENDS = tuple("。！？；!?;”）")


def body(page: str) -> str:
    """A page without its label."""
    return LABEL.sub("", page)


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def composer(plan: Plan) -> AnswerComposer:
    return AnswerComposer(plan, BUNDLED_ID)


def built(composer: AnswerComposer, text: str, coverage: Coverage, citations: list[int],
          related: list[int]) -> Answer:
    """An answer with this text, coverage, and citations and related measures of the plan."""
    return Answer(answer=text, answerable=coverage == "answered", coverage=coverage,
                  citations=composer.cited(citations), related=composer.cited(related),
                  retrieved=[], session_id="test", latency_ms=0.0)


@pytest.fixture(scope="module")
def department(bot: PolicyBot) -> Answer:
    """A department question, answered with every measure of the unit: a long answer."""
    return bot.ask("区投促办负责哪些工作")


def test_department_answer_is_long(department: Answer):
    assert len(department.citations) > 10
    assert len(wechat_text(department).encode()) > 3000


def test_long_answer_pages_fit_and_end_at_sentences(department: Answer):
    text = wechat_text(department)
    pages = paginate(text)
    assert len(pages) >= 2
    for number, page in enumerate(pages, 1):
        assert len(page.encode()) <= REPLY_LIMIT_BYTES
        assert LABEL.search(page).groups() == (str(number), str(len(pages)))
    for page in pages[:-1]:
        end = body(page)
        # The cut falls after a sentence mark, or where the original text breaks a line.
        cut = text.index(end) + len(end)
        assert end.endswith(SENTENCE_ENDS) or text[cut] == "\n", end[-20:]
    assert pages[0].endswith("回复“更多”查看下一部分") and pages[-1].endswith("完")
    # Nothing lost, nothing repeated.
    assert squeeze("".join(body(p) for p in pages)) == squeeze(text)


def test_section_heading_is_not_left_at_the_foot_of_a_page(department: Answer):
    for page in paginate(wechat_text(department))[:-1]:
        assert not body(page).splitlines()[-1].startswith("◆")


def test_department_answer_cites_and_names_the_unit(department: Answer):
    text = wechat_text(department)
    first_page = paginate(text)[0]
    assert "责任单位：区投促办" in first_page
    assert "【第10条】" in first_page
    for citation in department.citations:
        assert f"【第{citation.measure}条】" in text
    assert not re.search(r"^\s*[-*] ", text, re.MULTILINE)
    assert "◆ 深化惠企政策服务" in text and "【深化惠企政策服务】" not in text


def test_search_answer_keeps_its_units_line(bot: PolicyBot):
    text = wechat_text(bot.ask("企业注销找哪个部门？"))
    assert text.startswith("【第21条】规定，")
    assert text.count("责任单位：") == 1
    assert "责任单位：区市场监管局、区税务局、区人社局" in text
    assert "【【" not in text and "】】" not in text
    assert paginate(text) == [text]


def test_english_answer_gets_bracketed_citations_and_a_units_line(bot: PolicyBot):
    answer = bot.ask("Who handles company deregistration?")
    text = wechat_text(answer)
    lines = text.splitlines()
    assert lines[1].startswith("责任单位：")
    for citation in answer.citations:
        assert f"【第{citation.measure}条】" in text
        assert all(unit in lines[1] for unit in citation.units)
    # Every measure the answer names is marked (related ones as 【Related: measure N】).
    assert not re.search(r"\bmeasure \d", re.sub(r"【Related: measure \d+】", "", text),
                         re.IGNORECASE)


def test_refusal_is_left_as_it_is(bot: PolicyBot):
    answer = bot.ask("今天天气怎么样")
    assert not answer.answerable
    assert wechat_text(answer) == answer.answer.strip()
    assert "责任单位：" not in wechat_text(answer)


def test_markdown_is_removed(bot: PolicyBot):
    real = bot.ask("企业注销找哪个部门？")
    marked = real.model_copy(update={
        "answer": "## 结论\n**第21条**规定了`套餐式`注销服务。\n"
                  "- 第21条：见原文\n* 第99条：未引用"})
    text = wechat_text(marked)
    assert "#" not in text and "*" not in text and "`" not in text
    assert text.splitlines()[0] == "结论"
    assert "【第21条】规定了套餐式注销服务。" in text
    assert "【第21条】：见原文" in text
    assert "第99条：未引用" in text and "【第99条】" not in text  # not cited, left as written


def test_one_overlong_sentence_is_cut_between_characters():
    text = "企业" * 3000  # 12,000 bytes, no punctuation at all
    pages = paginate(text)
    assert all(len(page.encode()) <= REPLY_LIMIT_BYTES for page in pages)
    assert "".join(body(page) for page in pages) == text


def test_overlong_sentence_is_cut_at_a_clause_first():
    clause = "依托区级企业专属网页" * 20 + "，"
    text = clause * 12 + "完成。"
    pages = paginate(text)
    assert all(len(page.encode()) <= REPLY_LIMIT_BYTES for page in pages)
    assert all(body(page).endswith("，") for page in pages[:-1])
    assert "".join(body(page) for page in pages) == text


def test_partial_answer_marks_related_measures_and_names_where_to_ask(
        composer: AnswerComposer):
    answer = built(composer, "方案未写明不动产登记中心的地址。以下措施与此相关，可向其责任单位"
                             "咨询：第35条。\n在银行等金融机构推广应用不动产登记电子证明和电子签章。",
                   "partial", [], [35])
    lines = wechat_text(answer).splitlines()
    assert lines[0] == ("方案未写明不动产登记中心的地址。以下措施与此相关，可向其责任单位咨询："
                        "【相关：第35条】。")
    # The units of the related measure: the place to ask for the detail the plan lacks.
    assert lines[1] == "责任单位：区规划资源局"
    assert "【第35条】" not in "\n".join(lines)


def test_partial_english_answer_marks_related_measures_in_english(composer: AnswerComposer):
    answer = built(composer, "The plan does not state the address of the property registration "
                             "centre. Measure 35 is related; its responsible unit can tell you.\n"
                             "Measure 35 promotes electronic registration certificates.",
                   "partial", [], [35])
    text = wechat_text(answer)
    lines = text.splitlines()
    assert lines[0].startswith("The plan does not state")
    assert "【Related: measure 35】 is related" in lines[0]
    assert lines[1] == "责任单位：区规划资源局"
    assert text.count("【Related: measure 35】") == 2 and "【第35条】" not in text


def test_partial_answer_keeps_the_units_lines_it_has(composer: AnswerComposer, plan: Plan):
    blocks = "\n\n".join(composer.block(plan.measure(n), "zh") for n in (33, 31))
    answer = built(composer, "方案未写明办理不动产登记的收费标准。以下措施与此相关，可向其责任单位"
                             f"咨询：\n\n{blocks}", "partial", [], [33, 31])
    text = wechat_text(answer)
    assert text.count("责任单位：") == 2
    assert "【相关：第33条】（落实财产登记“全网通”改革）：" in text
    assert "【相关：第31条】（" in text and "【第3" not in text


def test_answered_answer_with_related_marks_each_kind(composer: AnswerComposer):
    answer = built(composer, "根据行动方案第21条，责任单位是区市场监管局、区税务局、区人社局。"
                             "涉及经营许可的，另见第22条。", "answered", [21], [22])
    text = wechat_text(answer)
    assert "【第21条】" in text and "【相关：第22条】" in text
    assert "【第22条】" not in text and "【相关：第21条】" not in text
    # The units line names the units of what answers the question, not of the related measure.
    assert text.splitlines()[1] == "责任单位：区市场监管局、区税务局、区人社局"


def test_long_partial_answer_pages_keep_related_marks_whole(department: Answer):
    related = [c.measure for c in department.citations]
    answer = department.model_copy(update={
        "answer": "方案未写明区投促办的办公地址。以下措施与此相关，可向其责任单位咨询：\n"
                  + department.answer,
        "answerable": False, "coverage": "partial", "citations": [],
        "related": department.citations})
    text = wechat_text(answer)
    assert text.splitlines()[1] == "责任单位：区投促办"
    pages = paginate(text)
    assert len(pages) >= 2
    assert all(len(page.encode()) <= REPLY_LIMIT_BYTES for page in pages)
    assert squeeze("".join(body(p) for p in pages)) == squeeze(text)
    for number in related:
        assert any(f"【相关：第{number}条】" in page for page in pages), number


def test_real_partial_answer_points_to_related_measures(bot: PolicyBot):
    # The plan covers property registration (measures 30-36) but states no fee.
    answer = bot.ask("办理不动产登记要交多少钱？")
    assert answer.coverage == "partial" and answer.citations == [] and answer.related
    text = wechat_text(answer)
    assert text.startswith("方案未写明")
    for measure in answer.related:
        assert f"【相关：第{measure.measure}条】" in text
        assert f"【第{measure.measure}条】" not in text
    units = {u for c in answer.related for u in c.units}
    line = next(line for line in text.splitlines() if line.startswith("责任单位："))
    assert set(line.removeprefix("责任单位：").split("、")) <= units
    assert all(len(page.encode()) <= REPLY_LIMIT_BYTES for page in paginate(text))
