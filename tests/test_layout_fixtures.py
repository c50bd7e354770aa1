"""Layouts of district documents beyond the first three (tests/fixtures/layouts/): a Word table
of measures, a regulation of several-paragraph articles, full-width numbers with sub-points,
a 政策问答, 一是/二是 inside （一） items, a PDF with a running header, an HTML page of ordered
lists, and a printed copy with 【责任单位】 lines, page numbers and running headers."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from docx.oxml import parse_xml

from ingest.formats import read_document
from ingest.plan import Plan, PlanFormatError, load_plan, parse_plan
from tests.test_formats import write_pdf

LAYOUTS = Path(__file__).parent / "fixtures" / "layouts"
# What must never end up inside a measure: headings, page numbers, running headers, footers.
ARTEFACTS = ("—", "〔2024〕", "责任单位", "牵头单位", "配合单位", "【", "特此", "本措施", "印发")


def clean(plan: Plan) -> bool:
    """True when no measure holds a heading's, page's or note's text, and none is empty."""
    titles = [s.title for s in plan.sections] + [p.title for p in plan.parts]
    return all(m.text and not any(a in m.text for a in ARTEFACTS)
               and not any(t in m.text for t in titles) for m in plan.measures)


def fixture_lines(name: str) -> list[str]:
    return [line for line in (LAYOUTS / name).read_text(encoding="utf-8").splitlines()
            if line.strip()]


def write_table_docx(lines: list[str], path: Path) -> None:
    """A Word file: tab-separated lines make one table, the others paragraphs."""
    document = docx.Document()
    rows = [line.split("\t") for line in lines if "\t" in line]
    table_at = next(i for i, line in enumerate(lines) if "\t" in line)
    for line in lines[:table_at]:
        document.add_paragraph(line)
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            table.cell(r, c).text = cell
    for line in lines[table_at + len(rows):]:
        document.add_paragraph(line)
    document.save(str(path))


# (a) a Word table: 序号 | 政策内容 | 责任单位


@pytest.fixture(scope="module")
def table_plan(tmp_path_factory) -> Plan:
    path = tmp_path_factory.mktemp("docx") / "digital-economy.docx"
    write_table_docx(fixture_lines("digital-economy-table.txt"), path)
    return load_plan(path)


def test_table_rows_are_measures(table_plan):
    assert [m.number for m in table_plan.measures] == list(range(1, 10))
    assert table_plan.measure(1).text == ("对新认定的国家级工业互联网平台，"
                                          "给予最高300万元一次性奖励。")
    assert table_plan.measure(2).responsible_units == ("区科委", "区财政局")
    assert table_plan.measure(8).responsible_units == ("区行政服务中心",)
    assert table_plan.unnoted() == [] and clean(table_plan)
    assert (table_plan.title, table_plan.document_number, table_plan.date) == (
        "普川区支持数字经济高质量发展的若干措施", "普府办发〔2024〕11号", "2024年6月20日")
    assert (table_plan.valid_from, table_plan.valid_until) == ("2024-07-01", "2026-06-30")


def test_table_as_text_or_markdown(tmp_path, table_plan):
    # the fixture itself: the table copied from Word into a .txt, one row a line, tab-separated
    assert load_plan(LAYOUTS / "digital-economy-table.txt") == table_plan
    markdown = tmp_path / "table.md"
    markdown.write_text("# 某某措施\n\n| 序号 | 政策内容 | 责任单位 |\n|:--:|---|---|\n"
                        "| 1 | 做甲事。 | 区财政局 |\n| 2 | 做乙事。 | 区商务委、区税务局 |\n",
                        encoding="utf-8")
    plan = load_plan(markdown)
    assert [(m.text, m.responsible_units) for m in plan.measures] == [
        ("做甲事。", ("区财政局",)), ("做乙事。", ("区商务委", "区税务局"))]


def test_table_on_a_web_page(tmp_path):
    path = tmp_path / "table.html"
    path.write_text("<h1>某某措施</h1><table><thead><tr><th>序号</th><th>政策内容</th>"
                    "<th>责任单位</th></tr></thead><tbody><tr><td>1</td><td><p>做甲事。</p></td>"
                    "<td>区财政局</td></tr><tr><td colspan='3'>二、保障</td></tr><tr><td>2</td>"
                    "<td>做乙事。</td><td>区商务委</td></tr></tbody></table><p>特此通知。</p>",
                    encoding="utf-8")
    assert read_document(path).splitlines() == [
        "某某措施", "1．做甲事。（责任单位：区财政局）", "二、保障",
        "2．做乙事。（责任单位：区商务委）", "特此通知。"]


def test_tabs_outside_a_table_of_measures_are_kept(tmp_path):
    path = tmp_path / "rule.txt"
    path.write_text("某某办法\n第一条\t为了规范。\n第二条\t补贴标准为每人1万元。\n",
                    encoding="utf-8")
    assert [m.text for m in load_plan(path).measures] == ["为了规范。", "补贴标准为每人1万元。"]


def test_table_extra_columns_and_heading_rows(tmp_path):
    path = tmp_path / "tasks.docx"
    document = docx.Document()
    document.add_paragraph("某某区重点任务清单")
    rows = [["序 号", "工作任务", "完成时限", "牵头单位", "配合单位"],
            ["一、优化服务"], ["1", "推行帮办服务。", "2024年6月", "区府办", "各街镇"],
            ["2", "压缩办理时限。", "", "区行政服务中心", ""],
            ["二、强化保障"], ["3", "落实资金。", "2024年底", "区财政局", ""]]
    table = document.add_table(rows=len(rows), cols=5)
    for r, row in enumerate(rows):
        if len(row) == 1:
            table.cell(r, 0).merge(table.cell(r, 4))
        for c, cell in enumerate(row):
            table.cell(r, c).text = cell
    document.save(str(path))
    plan = load_plan(path)
    assert [p.title for p in plan.parts] == ["优化服务", "强化保障"]
    assert plan.measure(1).text == "推行帮办服务。（完成时限：2024年6月）"
    assert plan.measure(1).responsible_units == ("区府办", "各街镇")
    assert plan.measure(1).lead_units == ("区府办",)
    assert plan.measure(2).text == "压缩办理时限。"
    assert plan.measure(3).part == 2


NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def numbered_list(document, levels: list[tuple[str, str]]) -> str:
    """Add a list definition (numFmt, lvlText for each level) to a Word document; its numId."""
    root = document.part.numbering_part.element
    lvls = "".join(f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>'
                   f'<w:lvlText w:val="{text}"/></w:lvl>' for i, (fmt, text) in enumerate(levels))
    root.insert(0, parse_xml(f'<w:abstractNum {NS} w:abstractNumId="90">{lvls}</w:abstractNum>'))
    root.append(parse_xml(f'<w:num {NS} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    return "90"


def test_word_automatic_numbering(tmp_path):
    document = docx.Document()
    document.add_paragraph("某某区支持企业发展的若干措施")
    num = numbered_list(document, [("chineseCounting", "%1、"), ("decimal", "%2.")])
    items = [(0, "财政支持"), (1, "对新设企业给予补贴。（责任单位：区财政局）"),
             (1, "对研发投入给予奖励。（责任单位：区科委）"), (0, "金融支持"),
             (1, "对贷款给予贴息。（责任单位：区金融办）")]
    for level, text in items:
        paragraph = document.add_paragraph(text)
        paragraph._p.get_or_add_pPr().append(parse_xml(
            f'<w:numPr {NS}><w:ilvl w:val="{level}"/><w:numId w:val="{num}"/></w:numPr>'))
    document.add_paragraph("按编号样式的一项。", style="List Number")
    document.add_paragraph("不是编号", style="List Bullet")
    path = tmp_path / "auto.docx"
    document.save(str(path))
    assert read_document(path).splitlines()[1:] == [
        "一、财政支持", "1.对新设企业给予补贴。（责任单位：区财政局）",
        "2.对研发投入给予奖励。（责任单位：区科委）", "二、金融支持",
        "1.对贷款给予贴息。（责任单位：区金融办）", "1.按编号样式的一项。", "不是编号"]
    plan = parse_plan("\n".join(read_document(path).splitlines()[:-2]))
    assert [(m.cite(), m.responsible_units) for m in plan.measures] == [
        ("第一部分第1条", ("区财政局",)), ("第一部分第2条", ("区科委",)),
        ("第二部分第1条", ("区金融办",))]


# (b) a regulation: chapters, articles past 第十条, several paragraphs an article, no notes


def test_regulation_articles_keep_their_paragraphs():
    plan = load_plan(LAYOUTS / "fire-safety-regulation.txt")
    assert [m.cite() for m in plan.measures][9:] == ["第十条", "第十一条", "第十二条", "第十三条",
                                                   "第十四条", "第十五条"]
    assert [p.title for p in plan.parts] == ["总则", "企业责任", "监督管理", "法律责任", "附则"]
    assert plan.part(3).sections == (3,) and plan.section(3).measures == (8, 9, 10, 11)
    assert plan.measure(6).text == (
        "小微企业不得在生产经营场所内住人。确需设置值班室的，应当采用不燃材料与其他区域分隔，"
        "并配备两个以上安全出口。")
    assert plan.measure(12).text.endswith("责令改正；拒不改正的，依法予以处罚。")
    assert all(m.responsible_units == () for m in plan.measures) and plan.unnoted() == []
    assert (plan.valid_from, plan.valid_until) == ("2024-09-01", "2029-08-31")


# (c) full-width １． items whose sub-points （１） and ① outnumber the items without any


def test_sub_points_announced_by_a_colon_stay_in_their_item():
    plan = load_plan(LAYOUTS / "talent-fullwidth.txt")
    assert [m.cite() for m in plan.measures] == [f"第{n}条" for n in range(1, 9)]
    assert plan.measure(2).text.endswith(
        "具体包括：（1）社区专职工作者岗位优先招录高校毕业生；（2）服务期满考核合格的，"
        "参加事业单位招聘时给予笔试加分；（3）到村（社区）从事帮扶工作满两年的，"
        "按每人每年3000元给予岗位补贴。")
    assert "②最高30万元的创业担保贷款" in plan.measure(3).text
    assert plan.measure(6).text.endswith("实行“一人一策”精准帮扶。")
    assert plan.measure(8).text == "落实实名服务。对离校未就业毕业生逐一联系，提供就业服务。"
    assert (plan.document_number, plan.issuers) == ("普人社发〔2024〕7号",
                                                    ("普川区人力资源和社会保障局",))


def test_headings_without_colon_still_group_their_items():
    # 1、 headings over (1) items (the employment notice's shape) are not announced lists
    plan = parse_plan("某某方案\n1、甲类\n（1）甲一。\n（2）甲二。\n（3）甲三。\n2、乙类\n3、丙类\n"
                      "（1）丙一。\n（2）丙二。\n")
    assert [m.cite() for m in plan.measures] == ["第1点第（1）项", "第1点第（2）项",
                                                 "第1点第（3）项", "第3点第（1）项",
                                                 "第3点第（2）项"]


# (d) 政策问答


def test_questions_and_answers():
    plan = load_plan(LAYOUTS / "tax-qa.txt")
    assert [m.cite() for m in plan.measures] == [f"第{n}问" for n in range(1, 7)]
    assert plan.measure(5).text == ("享受上述优惠需要办理备案吗？答：不需要。"
                                    "纳税人在申报时直接享受，相关资料留存备查。")
    assert plan.title == "普川区小规模纳税人税费优惠政策问答"
    assert plan.issuers == ("普川区税务局",) and plan.preamble == ""
    # A cover line giving the month alone dates it.
    assert plan.date == "2024年3月"


def test_questions_under_headings_with_listed_answers():
    plan = parse_plan("某某政策问答\n一、申报条件\n问：哪些企业可以申报？\n答：符合以下条件的：\n"
                      "1.在本区注册；\n2.纳税信用良好。\n问：个体户可以吗？\n答：可以。\n"
                      "二、申报流程\n问：在哪里申报？\n答：在区政务服务网申报。\n")
    assert [(m.cite(), m.section) for m in plan.measures] == [("第1问", 1), ("第2问", 1),
                                                              ("第3问", 2)]
    assert plan.measure(1).text == ("哪些企业可以申报？答：符合以下条件的："
                                    "1.在本区注册；2.纳税信用良好。")


# (e) a notice whose （一） items list 一是…二是… in one paragraph


def test_enumerated_clauses_stay_in_their_item():
    plan = load_plan(LAYOUTS / "consumption-notice.txt")
    assert [m.cite() for m in plan.measures] == [f"第（{n}）项" for n in "一二三四五六"]
    assert plan.measure(3).text == ("培育夜间经济。一是打造3个夜间经济集聚区；"
                                    "二是延长重点商圈营业时间至22时；"
                                    "三是在集聚区周边增设夜间临时停车位。")
    assert plan.measure(3).responsible_units == ("区商务委", "区公安分局", "各街镇")
    assert plan.measure(3).lead_units == ("区商务委",)
    assert clean(plan)
    assert (plan.document_number, plan.date) == ("普府办〔2024〕9号", "2024年4月2日")


# (f) a PDF with a running header and page numbers


def test_pdf_with_running_header(tmp_path):
    path = tmp_path / "manufacturing.pdf"
    write_pdf(fixture_lines("manufacturing-pdf.txt"), path, width=110,
              header="普经信发〔2024〕3号")
    text = read_document(path)
    assert text.count("普经信发〔2024〕3号") == 2  # the cover, and atop page 2
    plan = parse_plan(text)
    assert plan == load_plan(LAYOUTS / "manufacturing-pdf.txt")
    assert [m.number for m in plan.measures] == list(range(1, 11))
    assert [s.measures for s in plan.sections] == [(1, 2, 3), (4, 5, 6), (7, 8, 9, 10)]
    assert plan.measure(9).responsible_units == ("区人社局", "区教育局")
    assert clean(plan) and plan.document_number == "普经信发〔2024〕3号"
    # the title, wrapped over three lines at this width
    assert plan.title == "普川区推动制造业转型升级三年行动方案（2024—2026年）"


def test_title_with_its_term_in_brackets():
    plan = parse_plan("某某〔2024〕1号\n某某区扶持办法（试行）\n为了扶持。\n第一条 甲。\n")
    assert (plan.title, plan.preamble) == ("某某区扶持办法（试行）", "为了扶持。")


# (g) an HTML page: <ol> items under <h3> headings, notes in a paragraph of the item


def test_html_ordered_lists():
    plan = load_plan(LAYOUTS / "startup-services.html")
    assert [s.title for s in plan.sections] == ["支持孵化载体建设", "支持在孵企业发展",
                                                "优化创业服务"]
    assert [m.cite() for m in plan.measures][:4] == ["第一部分第1条", "第一部分第2条",
                                                    "第一部分第3条", "第二部分第1条"]
    assert len(plan.measures) == 8
    assert plan.measure(3).responsible_units == ("区科委", "区规划资源局", "区建管委")
    assert plan.measure(3).lead_units == ("区科委",)
    assert plan.measure(4).text == "在孵企业首次获得天使投资的，按投资额的10%给予奖励，最高50万元。"
    assert clean(plan) and plan.unnoted() == []
    # 发文字号：…　发布日期：… fields of the page
    assert (plan.document_number, plan.date) == ("普科发〔2024〕2号", "2024年4月15日")
    assert plan.preamble.startswith("为营造良好创新创业生态")


def test_html_nested_and_started_lists(tmp_path):
    path = tmp_path / "page.html"
    path.write_text("<h1>某某措施</h1><ol start='3'><li>甲，包括：<ol><li>甲一；</li>"
                    "<li>甲二。</li></ol></li><li>乙。</li></ol><ul><li>不是编号</li></ul>",
                    encoding="utf-8")
    assert read_document(path).splitlines() == ["某某措施", "3.甲，包括：", "（1）甲一；",
                                                "（2）甲二。", "4.乙。", "不是编号"]


def test_restarting_lists_under_unnumbered_headings_are_a_clear_error(tmp_path):
    path = tmp_path / "page.html"
    path.write_text("<h1>某某措施</h1><h3>财政支持</h3><ol><li>甲。</li><li>乙。</li></ol>"
                    "<h3>金融支持</h3><ol><li>丙。</li></ol>", encoding="utf-8")
    with pytest.raises(PlanFormatError, match="starts again under a heading that has no number"):
        load_plan(path)


# (h) a printed copy: 【责任单位】 lines, "— 3 —" page numbers, the 文号 atop every page


def test_printed_copy_with_bracketed_notes_and_running_headers():
    plan = load_plan(LAYOUTS / "business-environment-print.txt")
    assert [m.number for m in plan.measures] == list(range(1, 11))
    assert [s.measures for s in plan.sections] == [(1, 2, 3, 4), (5, 6, 7), (8, 9, 10)]
    assert plan.measure(4).text == ("推行工程建设项目审批“拿地即开工”，社会投资低风险项目审批时限"
                                    "压缩至15个工作日。")
    # the note after a page break and the running header
    assert plan.measure(7).responsible_units == ("区规划资源局",)
    assert plan.measure(7).text == "保障重点产业项目用地，工业用地出让实行“标准地”供应。"
    assert plan.measure(10).responsible_units == ("区工商联", "区府办")
    assert clean(plan) and plan.unnoted() == []
    assert (plan.title, plan.document_number, plan.date) == (
        "普川区2024年优化营商环境重点任务", "普府办发〔2024〕5号", "2024年1月22日")


def test_running_header_before_the_page_number():
    # the header drawn after the page's text, so extracted just before its page number
    plan = parse_plan("某某〔2024〕1号\n某某措施\n1.做甲事，\n某某〔2024〕1号\n— 1 —\n"
                      "并做乙事。（责任单位：区财政局）\n2.做丙事。（责任单位：区商务委）\n")
    assert plan.measure(1).text == "做甲事，并做乙事。"


def test_repeated_notes_after_page_breaks_are_kept():
    plan = parse_plan("某某措施\n1.甲。\n责任部门：区财政局\n— 1 —\n2.乙。\n— 2 —\n"
                      "责任部门：区财政局\n3.丙。\n【牵头单位】区商务委【配合单位】区税务局\n")
    assert [m.responsible_units for m in plan.measures] == [
        ("区财政局",), ("区财政局",), ("区商务委", "区税务局")]
    assert plan.measure(3).lead_units == ("区商务委",) and plan.measure(3).text == "丙。"


# Other numbering styles: 第一部分 headings, 1） items


def test_segment_headings_are_parts():
    plan = parse_plan("某某办法\n第一部分 总则\n1.甲。\n2.乙。\n第二部分 细则\n3.丙。\n")
    assert [p.title for p in plan.parts] == ["总则", "细则"]
    assert plan.measure(2).text == "乙。" and plan.measure(3).part == 2


def test_items_closed_by_a_bracket():
    plan = parse_plan("某某措施\n1)做甲事。（责任单位：区财政局）\n"
                      "2）做乙事。（责任单位：区商务委）\n")
    assert [(m.cite(), m.responsible_units) for m in plan.measures] == [
        ("第1项", ("区财政局",)), ("第2项", ("区商务委",))]
