"""The parser: structure figures, units, and repaired print artefacts."""

from __future__ import annotations

import pytest

from ingest.plan import PlanFormatError, chinese_numeral, parse_plan


def test_structure_figures(plan):
    assert len(plan.parts) == 5
    assert len(plan.sections) == 23
    assert [m.number for m in plan.measures] == list(range(1, 101))
    assert all(m.responsible_units for m in plan.measures)


def test_metadata(plan):
    assert plan.title == "普陀区深化推进一流营商环境建设行动方案"
    assert plan.document_number == "普委办发〔2021〕12号"
    assert plan.date == "2021年3月5日"
    assert plan.issuers == ("中共上海市普陀区委办公室", "上海市普陀区人民政府办公室")


def test_parts_and_sections(plan):
    assert plan.part(2).title == "让企业经营更放心"
    assert plan.part(2).sections == (9, 10, 11, 12, 13)
    section = plan.section(5)
    assert section.title == "简化企业开办和注销流程"
    assert section.measures == (19, 20, 21, 22)
    assert section.intro.startswith("对标浦东“一业一证”改革举措")
    assert not section.intro.endswith("具体措施：")
    # "(十一)" is printed with half-width brackets
    assert plan.section(11).title == "实行包容审慎监管"


def test_measure_21_units_exactly(plan):
    assert plan.measure(21).responsible_units == ("区市场监管局", "区税务局", "区人社局")
    assert plan.measure(21).part == 1 and plan.measure(21).section == 5


def test_measure_54_doubled_units_marker_repaired(plan):
    measure = plan.measure(54)
    assert measure.responsible_units == ("区法院",)
    assert "责" not in measure.text[-5:]
    assert measure.text.endswith("缩短文书撰写时长。")


def test_measure_100_ends_before_footer(plan):
    measure = plan.measure(100)
    assert measure.text.endswith("评估结果纳入绩效评价考核。")
    assert measure.responsible_units == ("区发改委", "区投促办")
    assert "印发" not in measure.text and "共印" not in measure.text


def test_page_break_words_joined(plan):
    assert "开展用户精准画像" in plan.measure(3).text
    assert "将政务服务“好差评”纳入" in plan.measure(15).text
    # a units clause split across a page break
    assert plan.measure(30).responsible_units == ("区规划资源局", "区税务局", "区房管局")
    assert plan.measure(79).responsible_units == ("区投促办", "各街镇", "各相关单位")


def test_stray_and_and_spacing_repaired(plan):
    assert "民营企业和企业家先进典型" in plan.measure(94).text
    assert "岗位AB角" in plan.measure(9).text
    assert "全年组织10次以上" in plan.measure(80).text
    assert all(" " not in m.text and "(" not in m.text for m in plan.measures)


def test_chinese_numerals():
    assert chinese_numeral("二十三") == 23
    assert chinese_numeral("十一") == 11
    assert chinese_numeral("一百") == 100
    with pytest.raises(ValueError):
        chinese_numeral("廿")


MINI_PLAN = """测试〔2024〕1号

《小方案》

小方案

前言。

一、第一部分

（一）第一节。介绍。具体措施：

1. 做一件事。（责任单位：区府办）

2. 做另一件
事。(责任单位：区法院、区司法局)
"""


def test_same_convention_other_plan():
    plan = parse_plan(MINI_PLAN)
    assert plan.title == "小方案"
    assert [m.text for m in plan.measures] == ["做一件事。", "做另一件事。"]
    assert plan.measure(2).responsible_units == ("区法院", "区司法局")


def test_broken_numbering_is_an_error():
    with pytest.raises(PlanFormatError, match="measure numbering breaks at 3"):
        parse_plan(MINI_PLAN.replace("2. 做另一件", "3. 做另一件"))


def test_a_missing_note_leaves_the_units_empty():
    plan = parse_plan(MINI_PLAN.replace("（责任单位：区府办）", ""))
    assert [m.responsible_units for m in plan.measures] == [(), ("区法院", "区司法局")]
    assert plan.unnoted() == [1]
