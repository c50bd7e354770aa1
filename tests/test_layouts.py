"""Layouts other than the bundled plan's: （一） items as measures, 第一条 articles, 1、 headings
with (1) items; responsibility notes in their forms; metadata and validity; numbering."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import pytest

from ingest.plan import Measure, Plan, PlanFormatError, load_plan, parse_plan

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def relief() -> Plan:
    return load_plan(FIXTURES / "relief-measures.txt")


@pytest.fixture(scope="module")
def regulation() -> Plan:
    return load_plan(FIXTURES / "loan-subsidy-regulation.txt")


@pytest.fixture(scope="module")
def notice() -> Plan:
    return load_plan(FIXTURES / "employment-notice.txt")


# sha256 of the bundled plan as parsed before layouts were added (records as JSON, sorted keys).
BUNDLED_DIGEST = "babaccced814ae0fe58562ff80c36d66b4b2e2e149901e4e09cbb3a38ad18112"


def test_bundled_plan_unchanged(plan):
    old_fields = {f.name for f in dataclasses.fields(Measure)} - {"label", "lead_units"}
    record = {
        "title": plan.title, "document_number": plan.document_number, "date": plan.date,
        "issuers": list(plan.issuers), "preamble": plan.preamble,
        "parts": [dataclasses.asdict(p) for p in plan.parts],
        "sections": [dataclasses.asdict(s) for s in plan.sections],
        "measures": [{k: v for k, v in dataclasses.asdict(m).items() if k in old_fields}
                     for m in plan.measures]}
    canonical = json.dumps(json.loads(json.dumps(record)), ensure_ascii=False, sort_keys=True)
    assert hashlib.sha256(canonical.encode()).hexdigest() == BUNDLED_DIGEST
    assert [m.cite() for m in plan.measures] == [f"第{n}条" for n in range(1, 101)]
    assert plan.measure(21).label == "第21条"
    assert all(m.lead_units == () for m in plan.measures)
    assert (plan.valid_from, plan.valid_until) == ("", "")


def test_measure_built_the_old_way_still_cites():
    measure = Measure(7, "做事。", ("区府办",), 1, 2)
    assert measure.cite() == "第7条" and measure.label == "" and measure.lead_units == ()


# (a) （一） items are the measures, numbered on across 一、 parts


def test_relief_structure(relief):
    assert [m.number for m in relief.measures] == list(range(1, 14))
    assert [p.title for p in relief.parts] == ["减轻经营成本", "加大金融支持", "稳定企业用工",
                                               "优化政务服务"]
    # each part is its own section, so every measure has a section
    assert [s.title for s in relief.sections] == [p.title for p in relief.parts]
    assert relief.section(2).measures == (4, 5, 6, 7)
    assert relief.measure(8).part == 3 and relief.measure(8).section == 3


def test_relief_numbers_and_labels(relief):
    assert relief.measure(12).cite() == "第（十二）项"
    assert relief.measure(4).label == "第（四）项"
    assert relief.measure(12).text.startswith("清理拖欠企业账款。")


def test_relief_text_keeps_figures(relief):
    assert relief.measure(5).text == (
        "给予贷款贴息。对中小微企业2023年新增的流动资金贷款，按实际支付利息的50%给予贴息，"
        "单户企业最高补贴50万元。")
    assert "3个工作日内完成审核，10个工作日内拨付到位" in relief.measure(11).text
    assert "年化利率不高于3.85%" in relief.measure(4).text


def test_relief_units(relief):
    # half-width (责任单位:…)
    assert relief.measure(2).responsible_units == (
        "市发展改革委", "市住房城乡建设局", "国网长川供电公司")
    assert relief.measure(2).lead_units == ()
    # 牵头单位 + 配合单位, separated by ; and by ,
    assert relief.measure(4).responsible_units == (
        "市地方金融监管局", "人民银行长川市中心支行", "长川银保监分局")
    assert relief.measure(4).lead_units == ("市地方金融监管局",)
    assert relief.measure(6).responsible_units == ("市财政局", "市融资担保集团")
    assert relief.measure(6).lead_units == ("市财政局",)
    # a note on its own line after the measure
    assert relief.measure(7).responsible_units == ("市地方金融监管局", "市财政局")
    assert relief.measure(7).text.endswith("日费率不高于0.1‰。")
    assert all("责任单位" not in m.text and "(" not in m.text for m in relief.measures)


def test_relief_metadata(relief):
    assert relief.title == "长川市支持中小微企业纾困发展的若干措施"
    assert relief.document_number == "长府办发〔2023〕5号"
    assert relief.date == "2023年1月5日"
    assert relief.issuers == ("长川市人民政府办公厅",)
    assert relief.preamble.startswith("为帮助中小微企业渡过经营难关")
    assert (relief.valid_from, relief.valid_until) == ("2023-01-01", "2024-12-31")


def test_relief_closing_paragraph_and_footer_are_not_measures(relief):
    last = relief.measure(13)
    assert last.text.endswith("5个工作日内办结。")
    assert last.responsible_units == ("市政务服务中心",)
    assert all("本措施" not in m.text and "印发" not in m.text for m in relief.measures)


# (b) a regulation: 第一章 chapters, 第一条 articles, no responsibility notes


def test_regulation_structure(regulation):
    assert [m.number for m in regulation.measures] == list(range(1, 15))
    assert [p.title for p in regulation.parts] == ["总则", "贷款对象和额度", "贴息标准",
                                                   "申请和拨付", "附则"]
    assert regulation.part(3).sections == (3,)
    assert regulation.section(3).title == "贴息标准"
    assert regulation.section(3).measures == (7, 8, 9)
    # 附则 articles are measures too
    assert regulation.section(5).measures == (13, 14)


def test_regulation_articles(regulation):
    assert regulation.measure(8).cite() == "第八条"
    assert regulation.measure(14).label == "第十四条"
    assert regulation.measure(8).text == "小微企业创业担保贷款按LPR的50%给予贴息。"
    # an article of two paragraphs, and one with （一）（二）（三） items, stay whole
    assert regulation.measure(2).text.endswith("本办法所称小微企业，按照国家中小企业划型标准认定。")
    assert regulation.measure(12).text.endswith("（三）有其他违反本办法规定行为的。")
    assert "（一）提供虚假申请材料的；" in regulation.measure(12).text


def test_regulation_without_notes_has_empty_units(regulation):
    assert all(m.responsible_units == () and m.lead_units == () for m in regulation.measures)


def test_regulation_metadata(regulation):
    assert regulation.title == "长川市创业担保贷款贴息管理办法"
    assert regulation.document_number == ""
    assert regulation.date == ""
    assert regulation.issuers == ()
    # 自2023年5月1日起施行，有效期三年
    assert (regulation.valid_from, regulation.valid_until) == ("2023-05-01", "2026-04-30")


def test_number_and_date_in_brackets_under_the_title():
    rule = load_plan(Path(__file__).parent.parent / "evals" / "gold" / "docs"
                     / "yunwan-growth-awards.txt")
    assert rule.title == "梧川市云湾区个体工商户转型升级和小微企业成长奖励管理办法"
    # （云湾府办规〔2024〕3号　2024年3月18日印发）
    assert (rule.document_number, rule.date) == ("云湾府办规〔2024〕3号", "2024年3月18日")
    assert rule.issuers == ("梧川市云湾区人民政府办公室",)   # the office above the title
    assert (rule.valid_from, rule.valid_until) == ("2024-05-01", "2027-04-30")
    assert [m.number for m in rule.measures] == list(range(1, 22))


# (c) a notice: 一、 parts, 1、 headings restarting in each part, (1) items restarting under each


def test_notice_structure(notice):
    assert len(notice.measures) == 11
    assert [m.number for m in notice.measures] == list(range(1, 12))
    assert [s.title for s in notice.sections] == ["扩大企业吸纳就业", "支持灵活就业和新就业形态",
                                                  "开展精准帮扶", "提升职业技能", "压实工作责任"]
    assert notice.part(2).sections == (3, 4)
    assert notice.section(2).measures == (3, 4, 5)


def test_notice_restarting_items_get_unique_labels(notice):
    # (2) under 2、 under 二、 is the 7th item: numbers run in document order, labels say where
    assert notice.measure(7).cite() == "第二部分第1点第（2）项"
    assert notice.measure(5).cite() == "第一部分第2点第（3）项"
    assert len({m.label for m in notice.measures}) == 11
    assert notice.measure(7).text.startswith("对零就业家庭实行动态清零")


def test_notice_units(notice):
    assert notice.measure(5).responsible_units == ("市人社局", "市交通运输局", "市医保局")
    assert notice.measure(5).lead_units == ("市人社局",)
    assert notice.measure(2).responsible_units == ("市国资委",)
    # the note on its own line
    assert notice.measure(4).responsible_units == ("市人社局",)
    assert notice.measure(4).text.endswith("最长不超过3年。")


def test_notice_metadata(notice):
    assert notice.title == "关于进一步做好2023年稳就业工作的通知"
    assert notice.document_number == "长人社发〔2023〕18号"
    assert notice.date == "2023年6月1日"
    assert notice.issuers == ("长川市人力资源和社会保障局", "长川市财政局")
    # 自印发之日起施行，有效期至2025年5月31日
    assert (notice.valid_from, notice.valid_until) == ("2023-06-01", "2025-05-31")
    assert all("特此通知" not in m.text for m in notice.measures)


# Smaller documents for the other shapes


def test_comma_items_as_measures_without_notes():
    plan = parse_plan("""关于做好夏季安全生产工作的通知
各单位：
1、加强隐患排查。各单位每周开展1次自查。
2、落实值班制度。
节假日实行24小时值班。
3、做好应急准备。
本通知自印发之日起施行。
长川市应急管理局
2023年5月20日
""")
    assert [(m.number, m.cite()) for m in plan.measures] == [(1, "第1项"), (2, "第2项"),
                                                             (3, "第3项")]
    assert plan.measure(2).text == "落实值班制度。节假日实行24小时值班。"
    assert plan.measure(3).text == "做好应急准备。"  # the closing sentence is not in it
    # no parts or sections: one of each, titled like the document
    assert plan.part(1).title == plan.section(1).title == "关于做好夏季安全生产工作的通知"
    assert plan.valid_from == "2023-05-20" and plan.issuers == ("长川市应急管理局",)


def test_paren_items_numbered_on_keep_their_numbers():
    plan = parse_plan("""某某工作方案
1、总体要求
（1）第一项。（牵头部门：区发改委）
(2)第二项。（牵头部门：区财政局）
2、主要任务
（3）第三项。（牵头部门：区商务委）
""")
    assert [m.cite() for m in plan.measures] == ["第（1）项", "第（2）项", "第（3）项"]
    assert plan.measure(3).section == 2 and plan.section(2).title == "主要任务"


def test_items_restarting_per_part():
    plan = parse_plan("""某某若干政策
一、甲
（一）甲一。（责任单位：区甲局）
（二）甲二。（责任单位：区乙局）
二、乙
（一）乙一。（责任单位：区丙局）
""")
    assert [(m.number, m.cite()) for m in plan.measures] == [
        (1, "第一部分第（一）项"), (2, "第一部分第（二）项"), (3, "第二部分第（一）项")]


def test_unbracketed_notes_on_their_own_lines():
    plan = parse_plan("""某某措施
一、第一部分
1.做甲事。
责任单位：区财政局、区商务委
2.做乙事。
牵头单位：区发改委
配合单位：区财政局，区税务局
""")
    assert plan.measure(1).responsible_units == ("区财政局", "区商务委")
    assert plan.measure(2).responsible_units == ("区发改委", "区财政局", "区税务局")
    assert plan.measure(2).lead_units == ("区发改委",)
    assert plan.measure(2).text == "做乙事。"


def test_units_with_brackets_inside_and_separate_notes():
    plan = parse_plan("""某某措施
（一）做事。（责任单位：区商务委（区口岸办）、区财政局）
（二）做事二。（牵头部门：区商务委）（配合部门：区财政局；区税务局）
""")
    assert plan.measure(1).responsible_units == ("区商务委（区口岸办）", "区财政局")
    assert plan.measure(2).responsible_units == ("区商务委", "区财政局", "区税务局")
    assert plan.measure(2).lead_units == ("区商务委",)


def test_sub_points_stay_in_their_measure():
    plan = parse_plan("""某某若干措施
一、甲
（一）甲一。
（二）甲二，包括：
1.子点一；
2.子点二。
（三）甲三。
二、乙
（四）乙一。
""")
    assert [m.cite() for m in plan.measures] == ["第（一）项", "第（二）项", "第（三）项",
                                                 "第（四）项"]
    assert plan.measure(2).text == "甲二，包括：1.子点一；2.子点二。"


def test_parts_without_items_keep_their_text():
    plan = parse_plan("""某某行动方案
一、指导思想
坚持问题导向。
二、主要任务
（一）任务一。
（二）任务二。
""")
    assert [m.number for m in plan.measures] == [1, 2]
    assert plan.section(1).title == "指导思想" and plan.section(1).intro == "坚持问题导向。"
    assert plan.section(1).measures == () and plan.section(2).measures == (1, 2)


def test_line_breaks_inside_sentences_are_not_items():
    # a PDF line may start with 第三条 or 1.5 in the middle of a sentence
    plan = parse_plan("""某某办法
第一条 为了规范管理，依照本办法
第三条规定的程序办理。
第二条 补贴标准为每人
1.5万元。
第三条 本办法自2024年1月1日起施行，执行至2025年12月31日止。
""")
    assert plan.measure(1).text == "为了规范管理，依照本办法第三条规定的程序办理。"
    assert plan.measure(2).text == "补贴标准为每人1.5万元。"
    assert (plan.valid_from, plan.valid_until) == ("2024-01-01", "2025-12-31")


@pytest.mark.parametrize(("clause", "valid_from", "valid_until"), [
    ("本规定自2022年3月1日起施行，有效期为2年。", "2022-03-01", "2024-02-29"),
    ("本规定自2024年1月31日起实施，有效期6个月。", "2024-01-31", "2024-07-30"),
    ("本规定有效期为2024年1月1日至2024年6月30日。", "2024-01-01", "2024-06-30"),
    ("本规定自印发之日起施行。", "", ""),  # no date printed to count from
    ("自2024年1月1日起实施的减税政策继续执行。", "", ""),  # not this document's clause
])
def test_validity_clauses(clause, valid_from, valid_until):
    plan = parse_plan(f"某某规定\n第一条 为了规范。\n第二条 {clause}\n")
    assert (plan.valid_from, plan.valid_until) == (valid_from, valid_until)


def test_no_measures_is_a_clear_error():
    with pytest.raises(PlanFormatError, match=r"no measures found: expected numbered items"):
        parse_plan("关于某事的说明\n这是一段没有编号的说明文字。\n第二段也没有编号。\n")


def test_fixture_without_numbering_is_a_clear_error(tmp_path):
    path = tmp_path / "prose.txt"
    path.write_text("关于某事的说明\n\n各单位：\n\n现将有关事项说明如下，请遵照执行。\n", "utf-8")
    with pytest.raises(PlanFormatError, match="no measures found"):
        load_plan(path)


def test_broken_article_numbering_is_an_error():
    with pytest.raises(PlanFormatError, match="measure numbering breaks at 4"):
        parse_plan("某某办法\n第一条 甲。\n第二条 乙。\n第四条 丙。\n")


def test_a_measure_without_a_note_has_no_units():
    # Documents often note only some of their articles; the others still count.
    text = (FIXTURES / "relief-measures.txt").read_text(encoding="utf-8")
    full = parse_plan(text)
    plan = parse_plan(text.replace("(责任单位:市市场监管局)", ""))
    assert len(plan.measures) == len(full.measures)
    assert plan.measure(3).responsible_units == ()
    assert plan.measure(3).text == full.measure(3).text
    assert plan.unnoted() == [3]
    assert full.unnoted() == []


def test_half_width_marks_repaired_but_not_inside_figures():
    plan = parse_plan("""某某措施
(一)窗口9:30开放，补贴总额1,000万元,分两批发放。(牵头单位:区财政局;配合单位:区商务委)
""")
    assert plan.measure(1).text == "窗口9:30开放，补贴总额1,000万元，分两批发放。"
    assert plan.measure(1).responsible_units == ("区财政局", "区商务委")
