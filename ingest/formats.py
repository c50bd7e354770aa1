"""Document files as text: .txt, .md, .docx, .pdf (with a text layer), .html.

Each reader returns the document's text with one paragraph (or table cell, or heading, or row
of a table of measures) a line, which is what :func:`ingest.plan.parse_plan` reads. The
libraries are imported by the reader that needs them, so loading a plain-text plan (what the
server does) imports none.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from ingest.notes import HELP_KEYS, LEAD_KEYS, SOLE_KEYS

NOTE_KEYS = LEAD_KEYS + SOLE_KEYS + HELP_KEYS


class DocumentError(ValueError):
    """A file that cannot be read as a document (unknown type, no text, undecodable)."""


def read_document(path: Path | str) -> str:
    """The text of a document file, chosen by its extension.

    path: a .txt, .md, .docx, .pdf, .html or .htm file.
    Raises DocumentError for another extension, a PDF without text, or undecodable text.
    """
    path = Path(path)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        known = ", ".join(sorted(READERS))
        raise DocumentError(f"{path.name}: unsupported file type {path.suffix or '(none)'!r};"
                            f" expected one of {known}")
    return reader(path)


def read_text(path: Path) -> str:
    """A plain-text file: UTF-8 (with or without BOM), else GB18030 (older Chinese files)."""
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DocumentError(f"{path.name}: neither UTF-8 nor GB18030 text")


def read_plain(path: Path) -> str:
    """A .txt file; a table of measures copied from Word comes as tab-separated rows."""
    return with_tables(read_text(path), lambda line: line.split("\t") if "\t" in line else None)


MD_MARKUP_RE = re.compile(r"^\s{0,3}(?:#{1,6}|>)\s*|\*\*|__", re.MULTILINE)
MD_RULE_RE = re.compile(r"^:?-+:?$")


def read_markdown(path: Path) -> str:
    """A Markdown file without its heading, quote and bold marks (numbering is kept), its
    tables of measures (| 序号 | … |) as numbered paragraphs."""
    return with_tables(MD_MARKUP_RE.sub("", read_text(path)), markdown_cells)


def markdown_cells(line: str) -> list[str] | None:
    """The cells of a Markdown table row, [] for the rule under its header, None for a line
    that is not a row."""
    if not line.strip().startswith("|"):
        return None
    cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
    return [] if all(MD_RULE_RE.match(cell) for cell in cells) else cells


def with_tables(text: str, cells: Callable[[str], list[str] | None]) -> str:
    """The text with each run of table rows that is a table of measures read by
    :func:`table_lines`; other lines, and other tables, as they are.

    cells: a row's cells ([] for a row to skip), None for a line that is no row.
    """
    lines: list[str] = []
    run: list[str] = []
    for line in [*text.splitlines(), ""]:
        if cells(line) is not None:
            run.append(line)
            continue
        rows = [row for row in map(cells, run) if row]
        lines += table_lines(rows) if is_measure_table(rows) else run
        lines.append(line)
        run = []
    return "\n".join(lines)


def read_docx(path: Path) -> str:
    """A Word file: its paragraphs (with the numbers of its numbered lists) and its tables'
    cells, in document order."""
    import docx
    from docx.table import Table

    from ingest.wordlists import ListNumbers

    document = docx.Document(str(path))
    numbers = ListNumbers(document)
    lines: list[str] = []
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            rows = []
            for row in item.rows:
                # A merged cell is returned once for every grid column it spans.
                cells = [cell.text for cell in row.cells]
                rows.append([t for i, t in enumerate(cells) if i == 0 or t != cells[i - 1]])
            lines += table_lines(rows)
        else:
            lines.append(numbers.prefix(item) + item.text)
    return "\n".join(lines)


SERIAL_HEADERS = ("序号", "编号")


def is_measure_table(rows: list[list[str]]) -> bool:
    """True when a table's first column is headed 序号 (or 编号)."""
    return bool(rows) and re.sub(r"\s+", "", rows[0][0]) in SERIAL_HEADERS


def table_lines(rows: list[list[str]]) -> list[str]:
    """A table as lines: one a cell, except in a table of measures.

    A table of measures has 序号 over its first column: each numbered row becomes the
    paragraph ``N．content（完成时限：…）（责任单位：…）``, the first other column being the
    content, a column headed by a note key (责任单位, 牵头单位…) its note, any other column a
    bracketed remark; a row that is not numbered (a heading across the table) stays as it is.
    rows: the cells of each row, merged cells once.
    """
    if not is_measure_table(rows):
        return [cell for row in rows for cell in row]
    header = [re.sub(r"\s+", "", cell) for cell in rows[0]]
    lines = []
    for row in rows[1:]:
        serial = row[0].strip()
        if not serial.isdigit() or len(row) != len(header):
            lines += row
            continue
        content, *others = zip(header[1:], (cell.strip() for cell in row[1:]), strict=True)
        remarks = "".join(f"（{key}：{cell}）" for key, cell in others
                          if cell and key not in NOTE_KEYS)
        notes = "".join(f"（{key}：{cell}）" for key, cell in others
                        if cell and key in NOTE_KEYS)
        lines.append(f"{serial}．{content[1]}{remarks}{notes}")
    return lines


def read_pdf(path: Path) -> str:
    """A PDF's text layer, page after page; a scan without one is an error."""
    from pypdf import PdfReader

    text = "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
    if not text.strip():
        raise DocumentError(f"{path.name}: the PDF has no text layer (a scanned copy?); "
                            "run OCR on it or supply the text")
    return text


BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "figcaption",
    "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol",
    "p", "pre", "section", "table", "td", "th", "tr", "ul",
})
SKIPPED_TAGS = frozenset({"script", "style", "noscript", "template", "head"})


def read_html(path: Path) -> str:
    """An HTML page's visible text, one block element (paragraph, heading, cell) a line."""
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(read_text(path))
    lines = [""]
    html_lines(tree.body or tree.root, lines)
    return "\n".join(line.strip() for line in lines if line.strip())


def html_lines(node, lines: list[str], lists: int = 0) -> None:
    """Append the text under node to lines, starting a new line at each block element.

    An item of an ordered list starts with its number, which the browser shows but the text
    lacks: ``1.`` in an outer list, ``（1）`` in a list inside an item.
    node: a selectolax node. lines: the lines so far; the last one is being written.
    lists: how many ordered lists node is inside (itself included).
    """
    start = (node.attributes.get("start") or "1") if node.tag == "ol" else ""
    number = int(start) if start.isdigit() else 1
    for child in node.iter(include_text=True):
        if child.is_text_node:
            # Whitespace in HTML source is layout, not text.
            lines[-1] += re.sub(r"\s+", " ", child.text(deep=False))
        elif child.tag == "br":
            lines.append("")
        elif child.tag == "table" and is_measure_table(rows := html_rows(child)):
            lines += [*table_lines(rows), ""]
        elif child.is_element_node and child.tag not in SKIPPED_TAGS:
            block = child.tag in BLOCK_TAGS
            if block:
                lines.append("")
            if child.tag == "li" and node.tag == "ol":
                lines[-1] = f"{number}." if lists == 1 else f"（{number}）"
                number += 1
            html_lines(child, lines, lists + (child.tag == "ol"))
            if block:
                lines.append("")


def html_rows(table) -> list[list[str]]:
    """The cells' text of each row of an HTML table (a cell spanning columns once)."""
    return [[re.sub(r"\s+", " ", cell.text()).strip() for cell in row.css("td, th")]
            for row in table.css("tr")]


READERS: dict[str, Callable[[Path], str]] = {
    ".txt": read_plain, ".md": read_markdown, ".docx": read_docx, ".pdf": read_pdf,
    ".html": read_html, ".htm": read_html,
}
