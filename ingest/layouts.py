"""How a policy document numbers its paragraphs, and which of them are its measures.

Chinese policy documents number paragraphs in a few styles, outermost first: 第一章 (chapter),
第一节 or 第一部分, 一、 (part), （一）, 1. or 1、 (or １．), （1） or 1）; regulations (办法, 条例)
number articles 第一条. A document uses some of them; :func:`detect_layout` decides which style
numbers the measures:

1. Articles: when a line starts with 第一条, the articles are the measures, chapters group them
   into parts and 第一节 into sections; any other numbering is text inside an article.
   Questions: likewise, in a 政策问答 the questions (问：…, numbered in order) are the measures,
   with their answers (答：…); 一、 and （一） group them, 1. and （1） are text of an answer.
2. Responsibility notes: otherwise, when the document names 责任单位/牵头单位 after its items,
   the style of the items that carry the notes numbers the measures.
3. Otherwise the deepest style does, unless there are fewer of its items than items of the style
   above that have none under them, or some above have none and the others announce theirs
   with a colon (具体包括：): then they are sub-points of a few measures, and the style above
   numbers the measures.

Styles above the measures' are headings: the outermost gives the parts (it gives sections when
it is the only one and is （一） or deeper), the others give sections. Styles below are text of
the measure they sit in.

The text comes from print, PDF or Word, so lines are repaired on the way in (:mod:`ingest.repair`,
page numbers and running headers dropped by :func:`document_lines`) and
joined back into paragraphs (:func:`read_blocks`): a numbered line starts a new paragraph unless
it is a line break inside a sentence; an unnumbered line continues an unfinished paragraph, a
measure still waiting for its responsibility note, or, in documents without notes, the measure
above it (articles run on over several paragraphs).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import count

from ingest.metadata import KINDS, is_org_line, signing_date
from ingest.notes import is_note_line, note_complete, note_start
from ingest.repair import repair


class PlanFormatError(ValueError):
    """The text does not follow a numbering convention the parser knows, or breaks it."""


CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
             "六": 6, "七": 7, "八": 8, "九": 9}


def chinese_numeral(text: str) -> int:
    """Value of a Chinese numeral up to 999, e.g. ``二十三`` → 23, ``一百`` → 100."""
    total, digit = 0, 0
    for char in text:
        if char in CN_DIGITS:
            digit = CN_DIGITS[char]
        elif char in "十百":
            total += (digit or 1) * (10 if char == "十" else 100)
            digit = 0
        else:
            raise ValueError(f"not a Chinese numeral: {text!r}")
    return total + digit


@dataclass(frozen=True)
class Style:
    """A way of numbering paragraphs.

    name: for messages. rank: depth, 0 outermost; styles of one rank are one level.
    pattern: matches a numbered line; group 1 is the numeral, group 2 the rest of the line.
    item: how an item of this style is cited, ``{n}`` being its numeral as printed.
    heading: how it is cited when it heads items whose numbering starts again under it.
    part_like: it groups parts (一、, 第一章) rather than sections.
    """

    name: str
    rank: int
    pattern: re.Pattern[str]
    item: str
    heading: str
    part_like: bool = False


CN = "零〇一二两三四五六七八九十百"
NUMERAL = rf"([{CN}]+|\d{{1,3}})"
CHAPTER = Style("chapter", 0, re.compile(rf"^第{NUMERAL}章\s*(.*)$"), "第{n}章", "第{n}章", True)
DIVISION = Style("division", 1, re.compile(rf"^第{NUMERAL}节\s*(.*)$"), "第{n}节", "第{n}节")
SEGMENT = Style("segment", 1, re.compile(rf"^第{NUMERAL}部分\s*(.*)$"), "第{n}部分", "第{n}部分",
                True)
ARTICLE = Style("article", 2, re.compile(rf"^第{NUMERAL}条\s*(.*)$"), "第{n}条", "第{n}条")
PART = Style("part", 2, re.compile(rf"^([{CN}]+)、\s*(.+)$"), "第{n}条", "第{n}部分", True)
ITEM = Style("item", 3, re.compile(rf"^（([{CN}]+)）\s*(.+)$"), "第（{n}）项", "第{n}点")
# "1.5万元" at the start of a wrapped line is a figure, not item 1.
DOT = Style("dot", 4, re.compile(r"^(\d{1,3})\s*[.．](?!\d)\s*(.+)$"), "第{n}条", "第{n}点")
COMMA = Style("comma", 4, re.compile(r"^(\d{1,3})\s*、\s*(.+)$"), "第{n}项", "第{n}点")
PAREN = Style("paren", 5, re.compile(r"^（(\d{1,3})）\s*(.+)$"), "第（{n}）项", "第{n}点")
CLOSE = Style("close", 5, re.compile(r"^(\d{1,3})）\s*(.+)$"), "第{n}项", "第{n}点")
# 问：… 答：… : questions are numbered in order when read (see :func:`number_questions`).
QUESTION = Style("question", 4, re.compile(r"^问(\d{1,3})：\s*(.+)$"), "第{n}问", "第{n}问")
ARTICLE_STYLES = (CHAPTER, DIVISION, ARTICLE)
QUESTION_STYLES = (CHAPTER, DIVISION, SEGMENT, PART, ITEM, QUESTION)
ITEM_STYLES = (CHAPTER, DIVISION, SEGMENT, PART, ITEM, DOT, COMMA, PAREN, CLOSE)
ALL_STYLES = (CHAPTER, DIVISION, SEGMENT, ARTICLE, PART, ITEM, DOT, COMMA, PAREN, CLOSE,
              QUESTION)


@dataclass(frozen=True)
class Marker:
    """The number that opens a line.

    style: its numbering style. numeral: as printed (十二, 21). text: the rest of the line.
    """

    style: Style
    numeral: str
    text: str

    @property
    def value(self) -> int:
        """The numeral's value: 十二 → 12, 21 → 21."""
        return int(self.numeral) if self.numeral.isdigit() else chinese_numeral(self.numeral)


def find_marker(line: str, styles: tuple[Style, ...]) -> Marker | None:
    """The marker opening a repaired line in one of styles, or None."""
    for style in styles:
        if match := style.pattern.match(line):
            return Marker(style, match.group(1), match.group(2))
    return None


@dataclass(frozen=True)
class Layout:
    """Which numbering styles structure a document.

    styles: the styles that may number its headings and measures. measure: the measures' rank.
    part: the parts' rank, or None (one implicit part). sections: the sections' ranks.
    noted: the measures carry responsibility notes.
    """

    styles: tuple[Style, ...]
    measure: int
    part: int | None
    sections: tuple[int, ...]
    noted: bool

    def role(self, marker: Marker) -> str | None:
        """"measure", "part" or "section" for a marker of this layout; None for text."""
        rank = marker.style.rank
        if rank == self.measure:
            return "measure"
        if rank == self.part:
            return "part"
        return "section" if rank in self.sections else None


NO_MEASURES = "no measures found: expected numbered items such as 1. / （一） / 第一条"


def detect_layout(lines: list[str]) -> Layout:
    """The layout of a document (rules in the module docstring).

    lines: the document's repaired lines. Raises PlanFormatError when nothing is numbered.
    """
    marks = [(i, m) for i, line in enumerate(lines)
             if (m := find_marker(line, ALL_STYLES))]
    if any(m.style is ARTICLE and m.value == 1 for _, m in marks):
        styles = ARTICLE_STYLES
    elif any(m.style is QUESTION for _, m in marks):
        styles = QUESTION_STYLES
    else:
        styles = ITEM_STYLES
    marks = [(i, m) for i, m in marks if m.style in styles]
    if not marks:
        raise PlanFormatError(NO_MEASURES)
    notes = noted_ranks(lines, marks)
    if styles is ARTICLE_STYLES or styles is QUESTION_STYLES:
        measure = styles[-1].rank
    else:
        measure = notes.most_common(1)[0][0] if notes else deepest_rank(lines, marks)
    above = [m.style for _, m in marks if m.style.rank < measure]
    ranks = sorted({s.rank for s in above})
    if ranks and (len(ranks) > 1 or next(s for s in above if s.rank == ranks[0]).part_like):
        part, sections = ranks[0], tuple(ranks[1:])
    else:
        part, sections = None, tuple(ranks)
    return Layout(styles, measure, part, sections, notes[measure] > 0)


def noted_ranks(lines: list[str], marks: list[tuple[int, Marker]]) -> Counter[int]:
    """How many responsibility notes follow items of each rank."""
    found: Counter[int] = Counter()
    starts = [i for i, _ in marks]
    for i, line in enumerate(lines):
        above = bisect_right(starts, i)
        if above and (note_start(line) is not None or is_note_line(line)):
            found[marks[above - 1][1].style.rank] += 1
    return found


def deepest_rank(lines: list[str], marks: list[tuple[int, Marker]]) -> int:
    """The measures' rank in a document without notes: the deepest, unless it is sub-points.

    They are sub-points when there are fewer of them than childless items of the rank above,
    or when some items above have none and every run of them is announced by a colon closing
    the item above (具体包括：, 给予以下扶持：), which a heading does not end with.
    """
    ranks = sorted({m.style.rank for _, m in marks})
    deepest = ranks[-1]
    if len(ranks) == 1:
        return deepest
    upper = ranks[-2]
    sequence = [(i, m.style.rank) for i, m in marks if m.style.rank in (upper, deepest)]
    pairs = list(zip(sequence, [*sequence[1:], (None, None)], strict=True))
    childless = sum(1 for (_, rank), (_, after) in pairs if rank == upper and after != deepest)
    runs = [after for (_, rank), (after, after_rank) in pairs
            if rank == upper and after_rank == deepest]
    announced = all(lines[i - 1].endswith("：") for i in runs)
    if childless and announced:
        return upper
    return deepest if sum(1 for _, r in sequence if r == deepest) >= childless else upper


# Page numbers of a printed or PDF copy: "— 3 —", "- 3 -", "3", "第3页".
PAGE_NUMBER_RE = re.compile(r"^(?:[－—\-–]*\s*\d{1,3}\s*[－—\-–]*|第\s*\d{1,3}\s*页.*)$")
FOOTER_RE = re.compile(r"^(?:抄送|附件|主题词|公开属性|联系人|联系电话)|共印\d+份|^（此件")
CLOSING_RE = re.compile(rf"^(?:本[^。；]{{0,8}}?(?:{KINDS})|特此(?:通知|公告|通告))")
SENTENCE_ENDS = ("。", "；", "！", "？", "：", "）")


def document_lines(text: str) -> list[str]:
    """The repaired non-empty lines of a document, without page numbers and running headers.

    A running header is a line next to a page number (the lines right after it, or the one
    right before it, as the PDF's producer ordered them) that repeats a line seen before it:
    the 文号 or the title printed atop every page. Notes and numbered lines, which may well
    repeat, are never taken for one.
    """
    raws = [raw.strip() for raw in text.splitlines() if raw.strip()]
    pages = [bool(PAGE_NUMBER_RE.match(raw)) for raw in raws]
    lines: list[str] = []
    seen: set[str] = set()
    after_page = False
    for i, raw in enumerate(raws):
        if pages[i]:
            after_page = True
            continue
        line = repair(raw)
        at_break = after_page or (i + 1 < len(raws) and pages[i + 1])
        if not (at_break and line in seen and not is_note_line(line)
                and not find_marker(line, ALL_STYLES)):
            lines.append(line)
            after_page = False
        seen.add(line)
    return number_questions(lines)


def number_questions(lines: list[str]) -> list[str]:
    """Lines with the questions of a question-and-answer document (政策问答: 问：… then 答：…)
    numbered in order, 问1：…, as readers count them; other documents' lines unchanged.

    A document is one when two or more lines start with 问： (a single 问： is a heading's text).
    """
    if sum(line.startswith("问：") for line in lines) < 2:
        return lines
    order = count(1)
    return [f"问{next(order)}{line[1:]}" if line.startswith("问：") else line for line in lines]


def complete(paragraph: str) -> bool:
    """True when a paragraph ends a sentence (so the next line may start a new one)."""
    return paragraph.endswith(SENTENCE_ENDS)


@dataclass(frozen=True)
class Block:
    """A paragraph of the body.

    role: "part", "section", "measure", or "text" (an unnumbered paragraph).
    marker: its number (None for text). text: the paragraph without its number, repaired.
    path: indexes in the block list of the headings above it, outermost first.
    """

    role: str
    marker: Marker | None
    text: str
    path: tuple[int, ...]


@dataclass
class Draft:
    """A block being read, line by line (see :class:`Block`)."""

    role: str
    marker: Marker | None
    path: tuple[int, ...]
    lines: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The lines read so far, joined (a line break inside Chinese text is no space)."""
        return "".join(self.lines)


def body_span(lines: list[str], layout: Layout) -> tuple[int, int]:
    """Where the body starts (its first heading or measure) and ends (before the footer)."""
    numbered = [(i, layout.role(m)) for i, line in enumerate(lines)
                if (m := find_marker(line, layout.styles)) and layout.role(m)]
    first_measure = next(i for i, role in numbered if role == "measure")
    end = next((i for i in range(first_measure + 1, len(lines)) if footer_starts(lines, i)),
               len(lines))
    return numbered[0][0], end


def footer_starts(lines: list[str], at: int) -> bool:
    """True when the 印发/抄送 footer or the signature (offices, then a date) starts at line at."""
    if FOOTER_RE.search(lines[at]) or signing_date(lines[at]):
        return True
    after = at
    while after < len(lines) and is_org_line(lines[after]):
        after += 1
    return after > at and after < len(lines) and bool(signing_date(lines[after]))


def read_blocks(lines: list[str], layout: Layout, start: int, end: int) -> list[Block]:
    """The body's paragraphs, lines start to end, joined back together (see module docstring)."""
    drafts: list[Draft] = []
    last_value: dict[int, int] = {}
    headings: list[int] = []
    numbered = [i for i in range(start, end)
                if (m := find_marker(lines[i], layout.styles)) and layout.role(m)]
    for i in range(start, end):
        found = find_marker(lines[i], layout.styles)
        role = layout.role(found) if found else None
        current = drafts[-1] if drafts else None
        if found and role and (current is None or complete(current.text)
                               or found.value in (1, last_value.get(found.style.rank, 0) + 1)):
            rank = found.style.rank
            headings = [h for h in headings if drafts[h].marker.style.rank < rank]
            drafts.append(Draft(role, found, tuple(headings), [found.text]))
            if role != "measure":
                headings.append(len(drafts) - 1)
            last_value[rank] = found.value
        elif current and joins(current, lines[i], layout.noted, i > numbered[-1]):
            current.lines.append(lines[i])
        else:
            drafts.append(Draft("text", None, tuple(headings), [lines[i]]))
    return [Block(d.role, d.marker, repair(d.text), d.path) for d in drafts]


def joins(current: Draft, line: str, noted: bool, closing: bool) -> bool:
    """True when an unnumbered line continues the paragraph being read.

    current: that paragraph. noted: the layout's measures carry notes.
    closing: the line comes after the last numbered line, where 本办法… closes the document.
    """
    text = current.text
    if current.role == "measure":
        if is_note_line(line):
            return True
        if noted:
            return not note_complete(repair(text))
        return not (closing and complete(text) and CLOSING_RE.match(line))
    if current.role == "text":
        return not complete(text)
    # A heading with introductory text, cut inside a sentence.
    return "。" in text and not complete(text)


def restart_rank(blocks: list[Block], indexes: list[int], kind: str) -> int | None:
    """How blocks of one rank are numbered.

    blocks: the body. indexes: the blocks of that rank. kind: "part", "section" or "measure".
    Returns None when they are numbered 1..n through the document, else the rank of the
    headings under which their numbering starts again at 1. Raises PlanFormatError naming the
    first number that breaks the count otherwise.
    """
    values = [blocks[i].marker.value for i in indexes]
    if values == list(range(1, len(values) + 1)):
        return None
    ranks = sorted({blocks[h].marker.style.rank for i in indexes for h in blocks[i].path},
                   reverse=True)
    for rank in ranks:
        groups: dict[int | None, list[int]] = defaultdict(list)
        for i in indexes:
            parent = next((h for h in blocks[i].path if blocks[h].marker.style.rank == rank),
                          None)
            groups[parent].append(blocks[i].marker.value)
        if all(group == list(range(1, len(group) + 1)) for group in groups.values()):
            return rank
    wrong = next(v for v, expected in zip(values, count(1)) if v != expected)
    hint = (": it starts again under a heading that has no number (一、, （一）)"
            if wrong == 1 else "")
    raise PlanFormatError(f"{kind} numbering breaks at {wrong}{hint}")


def label(blocks: list[Block], index: int, restarts: dict[int, int | None]) -> str:
    """How the document cites a block: 第21条, 第（四）项, 第八条, 第3项, or, when its numbering
    starts again under each heading, its heading's citation first: 第2点第（3）项.

    blocks: the body. index: the block. restarts: :func:`restart_rank` of each rank.
    """
    block = blocks[index]
    style = block.marker.style
    own = (style.item if block.role == "measure" else style.heading).format(
        n=block.marker.numeral)
    under = restarts.get(style.rank)
    parent = next((h for h in block.path if blocks[h].marker.style.rank == under), None)
    return own if parent is None else label(blocks, parent, restarts) + own
