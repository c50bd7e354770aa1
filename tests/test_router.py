"""Routing by measure number, department, section and part."""

from __future__ import annotations

import pytest

from bot.query import Query, Tokenizer
from bot.router import Router, measure_numbers


@pytest.fixture(scope="module")
def router(plan):
    return Router(plan, Tokenizer())


def q(text: str, lang: str = "zh") -> Query:
    return Query(text, text, lang, text)


@pytest.mark.parametrize("text", ["第21条", "第二十一条", "第二十一项", "21条说了什么",
                                  "measure 21", "No. 21", "what is item 21 about", "措施21",
                                  "措施21说了什么", "二十一条是啥"])
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


def test_department_with_a_topic_goes_to_search(router):
    assert router.run(q("税务局在企业注销里负责什么")) is None
    assert router.run(q("法院网上立案怎么弄")) is None


def test_part_and_section_routes(router):
    part = router.run(q("让企业经营更放心包括哪些方面"))
    assert part.kind == "part" and part.sections == (9, 10, 11, 12, 13)
    assert router.run(q("第三部分讲什么")).sections == (14, 15, 16, 17)
    section = router.run(q("推广电子印章应用有哪些措施"))
    assert section.kind == "section" and section.measures == (17, 18)
