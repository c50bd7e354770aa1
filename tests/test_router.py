"""Routing by measure number, department, section and part."""

from __future__ import annotations

import pytest

from bot.query import PlanVocabulary, Query, Tokenizer
from bot.router import Router, measure_numbers
from ingest.plan import load_plan


@pytest.fixture(scope="module")
def router(plan):
    tokenizer = Tokenizer()
    return Router(plan, tokenizer, PlanVocabulary(plan, tokenizer))


def q(text: str, lang: str = "zh") -> Query:
    return Query(text, text, lang, text)


@pytest.mark.parametrize("text", ["第21条", "第二十一条", "第二十一项", "21条说了什么",
                                  "measure 21", "No. 21", "what is item 21 about", "措施21",
                                  "措施21说了什么", "二十一条是啥", "第21问"])
def test_measure_number_forms(text):
    assert measure_numbers(text) == [21]


@pytest.mark.parametrize("text", ["推出10项高频事项", "比例达到95%", "2021年的方案", "一条龙服务",
                                  "90分钟办结", "这两条有区别吗", "十条意见"])
def test_numbers_that_are_not_measures(text):
    assert measure_numbers(text) == []


def test_two_numbers_in_order():
    assert measure_numbers("第22条和第21条有什么区别") == [22, 21]


def test_measure_route(router):
    route = router.run(q("第一百条"))
    assert route.kind == "measure" and route.measures == (100,)
    assert router.run(q("第101条")) is None


def test_department_route(router, plan):
    route = router.run(q("区税务局负责哪些"))
    assert route.kind == "department" and route.unit == "区税务局"
    assert route.measures == tuple(m.number for m in plan.measures
                                   if "区税务局" in m.responsible_units)
    english = router.run(q("what does the tax bureau do?", "en"))
    assert english and english.unit == "区税务局"


@pytest.mark.parametrize(("text", "unit"), [
    ("跟人社局有关的措施有哪些", "区人社局"), ("人社局管哪几条", "区人社局"),
    ("列出区法院的所有措施", "区法院"), ("哪些措施是商务委负责的", "区商务委"),
    ("司法局的职责是什么", "区司法局"), ("金融办这次都要干啥", "区金融办"),
    ("工商联在方案里出现了几次", "区工商联"), ("发改委参与了哪些", "区发改委"),
    ("What is the Commerce Commission responsible for?", "区商务委"),
    ("List the measures of the finance bureau", "区财政局"),
    ("Which measures involve the court?", "区法院"),
    ("责任单位写了“各相关单位”的措施都有哪些", "各相关单位"),
    ("我是做财税的，想知道税务局一共挂了几条措施", "区税务局"), ("区文旅局？", "区文旅局"),
    ("我们做外贸的，区商务委管哪几条", "区商务委"),
])
def test_department_phrasings(router, text, unit):
    route = router.run(q(text, "en" if text.isascii() else "zh"))
    assert route and route.kind == "department" and route.unit == unit


@pytest.mark.parametrize("text", ["税务局电话多少", "区行政服务中心在哪里", "法院几点上班",
                                  "税务局局长是谁", "法院附近有什么好吃的"])
def test_contact_questions_are_not_department_routes(router, text):
    assert router.run(q(text)) is None


def test_department_with_a_topic_goes_to_search(router):
    assert router.run(q("税务局在企业注销里负责什么")) is None
    assert router.run(q("法院网上立案怎么弄")) is None


def test_part_and_section_routes(router):
    part = router.run(q("让企业经营更放心包括哪些方面"))
    assert part.kind == "part" and part.sections == (9, 10, 11, 12, 13)
    assert router.run(q("第三部分讲什么")).sections == (14, 15, 16, 17)
    section = router.run(q("推广电子印章应用有哪些措施"))
    assert section.kind == "section" and section.measures == (17, 18)


def test_items_numbered_within_their_heading(tmp_path):
    """三、2 is the second item under heading 三, in a notice whose items restart under every
    heading; a plain 第2项 still means the measure numbered 2."""
    notice = tmp_path / "notice.txt"
    notice.write_text(
        "关于支持夜间消费的通知\n\n一、优化环境\n\n1、放开外摆经营。（牵头单位：区城管局）\n\n"
        "2、停车优惠。（牵头单位：区交通委）\n\n二、支持主体\n\n1、租金补贴。（牵头单位：区商务委）\n\n"
        "2、市集补贴。（牵头单位：区商务委）\n", encoding="utf-8")
    plan = load_plan(notice)
    tokenizer = Tokenizer()
    notice_router = Router(plan, tokenizer, PlanVocabulary(plan, tokenizer))
    for text in ("二、2讲的是什么", "第二部分第2项", "二、第2项是什么"):
        assert notice_router.run(q(text)).measures == (4,), text
    assert notice_router.run(q("第2项")).measures == (2,)
    assert notice_router.run(q("五、2讲的是什么")) is None


def test_the_documents_own_dates_are_the_measure_that_states_them(tmp_path):
    regulation = tmp_path / "regulation.txt"
    regulation.write_text(
        "长川市某某补贴管理办法\n\n第一条　为规范补贴管理，制定本办法。\n\n"
        "第二条　补贴期限最长不超过3年。\n\n第三条　本办法自2023年5月1日起施行，有效期三年。\n",
        encoding="utf-8")
    plan = load_plan(regulation)
    tokenizer = Tokenizer()
    own = Router(plan, tokenizer, PlanVocabulary(plan, tokenizer))
    for text in ("补贴办法什么时候施行，有效期多久", "When does this regulation take effect?"):
        assert own.run(q(text)).measures == (3,), text
    assert own.run(q("补贴最长给几年")) is None


def test_a_plan_without_its_own_dates_routes_no_validity_question(router):
    assert router.run(q("这个方案有效期多久")) is None
