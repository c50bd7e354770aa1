"""Reading documents: text encodings, Markdown, Word, PDF and HTML files made from the fixtures
at test time parse to the same plan as the fixture text."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from ingest.formats import DocumentError, read_document
from ingest.plan import load_plan, parse_plan

FIXTURES = Path(__file__).parent / "fixtures"
DOCUMENTS = ["relief-measures.txt", "loan-subsidy-regulation.txt", "employment-notice.txt"]
# A CID font every PDF reader knows, so the PDF needs no font file from this machine.
FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def paragraphs(name: str) -> list[str]:
    """The fixture's non-empty lines: its paragraphs."""
    return [line for line in (FIXTURES / name).read_text(encoding="utf-8").splitlines()
            if line.strip()]


def write_pdf(lines: list[str], path: Path, width: float = 300, header: str = "") -> None:
    """A PDF with the lines wrapped at width points, as a printed copy is, a page number at
    the foot of every page and, when given, the running header atop every page but the first."""
    size = 11
    page_width, page_height = A4
    pdf = canvas.Canvas(str(path), pagesize=A4)
    y, page = page_height - 60, 1

    def new_page() -> None:
        nonlocal y, page
        pdf.setFont(FONT, 9)
        pdf.drawCentredString(page_width / 2, 30, f"— {page} —")
        pdf.showPage()
        y, page = page_height - 60, page + 1

    for line in lines:
        rows = [""]
        for char in line:
            if pdfmetrics.stringWidth(rows[-1] + char, FONT, size) > width:
                rows.append("")
            rows[-1] += char
        for row in rows:
            if y < 60:
                new_page()
                if header:
                    pdf.setFont(FONT, 9)
                    pdf.drawString(60, page_height - 40, header)
            pdf.setFont(FONT, size)
            pdf.drawString(60, y, row)
            y -= size * 1.6
    new_page()
    pdf.save()


@pytest.mark.parametrize("name", DOCUMENTS)
def test_pdf_parses_like_the_text(name, tmp_path):
    path = tmp_path / "copy.pdf"
    write_pdf(paragraphs(name), path)
    text = read_document(path)
    assert "— 1 —" in text  # the page numbers are there, and the parser drops them
    assert max(len(line) for line in text.splitlines()) < 40  # lines were wrapped
    assert parse_plan(text) == load_plan(FIXTURES / name)


def write_docx(lines: list[str], path: Path) -> None:
    """A Word file with one paragraph a line, except the signature (an office name followed by
    a date) set in a two-row table, as cover notices often are."""
    document = docx.Document()
    skip = set()
    for i, line in enumerate(lines):
        if i in skip:
            continue
        if i + 1 < len(lines) and line.endswith("办公厅") and lines[i + 1].endswith("日"):
            table = document.add_table(rows=2, cols=1)
            table.cell(0, 0).text, table.cell(1, 0).text = line, lines[i + 1]
            skip.add(i + 1)
        else:
            document.add_paragraph(line)
    document.save(str(path))


@pytest.mark.parametrize("name", DOCUMENTS)
def test_docx_parses_like_the_text(name, tmp_path):
    path = tmp_path / "copy.docx"
    write_docx(paragraphs(name), path)
    assert parse_plan(read_document(path)) == load_plan(FIXTURES / name)


def test_docx_reads_table_cells_in_order(tmp_path):
    path = tmp_path / "copy.docx"
    write_docx(paragraphs("relief-measures.txt"), path)
    document = docx.Document(str(path))
    assert len(document.tables) == 1  # the cover's signature
    lines = read_document(path).splitlines()
    signed = lines.index("长川市人民政府办公厅")
    assert lines[signed + 1] == "2023年1月5日"
    assert lines[signed + 2] == "长川市支持中小微企业纾困发展的若干措施"
    assert load_plan(path).issuers == ("长川市人民政府办公厅",)


def test_html_keeps_block_structure(tmp_path):
    lines = paragraphs("employment-notice.txt")
    body = "".join(
        f"<h2>{line}</h2>" if line.startswith(("一、", "二、", "三、")) else
        # inline markup inside a paragraph must not split it
        f"<p>{line.replace('补贴', '<strong>补贴</strong>')}</p>" for line in lines)
    page = (f"<!DOCTYPE html><html><head><title>通知</title><style>p {{margin: 0}}</style>"
            f"</head><body><div class='content'>\n  {body}\n</div>"
            f"<script>var x = '1、不是措施';</script></body></html>")
    path = tmp_path / "notice.html"
    path.write_text(page, encoding="utf-8")
    text = read_document(path)
    assert "不是措施" not in text and "margin" not in text
    assert "按每人2000元发放一次性吸纳就业补贴。" in text
    assert parse_plan(text) == load_plan(FIXTURES / "employment-notice.txt")


def test_html_line_breaks_and_cells(tmp_path):
    path = tmp_path / "page.htm"
    path.write_text("<p>第一行<br>第二行</p><table><tr><td>甲</td><td>乙</td></tr></table>",
                    encoding="utf-8")
    assert read_document(path).splitlines() == ["第一行", "第二行", "甲", "乙"]


def test_text_encodings(tmp_path):
    text = (FIXTURES / "relief-measures.txt").read_text(encoding="utf-8")
    expected = parse_plan(text)
    bom = tmp_path / "bom.txt"
    bom.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    gb = tmp_path / "gb.txt"
    gb.write_bytes(text.encode("gb18030"))
    assert read_document(bom).startswith("长府办发")
    assert load_plan(bom) == expected
    assert load_plan(gb) == expected


def test_markdown_marks_are_dropped(tmp_path):
    lines = paragraphs("loan-subsidy-regulation.txt")
    path = tmp_path / "rules.md"
    path.write_text("\n\n".join(f"## {line}" if line.startswith("第") and "章" in line[:4]
                                else f"# {line}" if i == 0 else line
                                for i, line in enumerate(lines)).replace("LPR", "**LPR**"),
                    encoding="utf-8")
    assert "#" not in read_document(path) and "**" not in read_document(path)
    assert load_plan(path) == load_plan(FIXTURES / "loan-subsidy-regulation.txt")


def test_pdf_without_text_is_a_clear_error(tmp_path):
    path = tmp_path / "scan.pdf"
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.rect(50, 50, 400, 600, fill=1)  # a scanned page: marks, no text
    pdf.showPage()
    pdf.save()
    with pytest.raises(DocumentError, match="no text layer"):
        read_document(path)


def test_unknown_extension_is_a_clear_error(tmp_path):
    path = tmp_path / "plan.rtf"
    path.write_text("一、x", encoding="utf-8")
    with pytest.raises(DocumentError, match=r"unsupported file type '\.rtf'.*\.docx"):
        read_document(path)


def test_undecodable_text_is_a_clear_error(tmp_path):
    path = tmp_path / "plan.txt"
    path.write_bytes(b"\xff\xfe\x00\xd8\x81\x30")
    with pytest.raises(DocumentError, match="neither UTF-8 nor GB18030"):
        read_document(path)
