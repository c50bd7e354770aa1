"""Parse the printed plan text into typed records: Plan → Part → Section → Measure.

The text comes from a printed copy, so the parser repairs print artefacts on the way in
(the source file itself is never edited):

- words split across a page break (``用\\n\\n户``) are joined;
- the doubled ``（责\\n\\n责任单位`` is collapsed;
- half-width brackets, colons and commas are made full-width;
- a stray English ``and`` between Chinese words becomes ``和``;
- the 印发 footer after the last measure is dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

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
class Measure:
    """One numbered measure (具体措施) of the plan.

    number: 1..100 as printed.
    text: the measure's wording without its number and its 责任单位 clause.
    responsible_units: the units named in the (责任单位：…) clause, in printed order.
    part: number of the part (一、… → 1) it belongs to.
    section: number of the section (（一）… → 1) it belongs to.
    """

    number: int
    text: str
    responsible_units: tuple[str, ...]
    part: int
    section: int

    def cite(self) -> str:
        """How the plan's readers refer to this measure: ``第21条``."""
        return f"第{self.number}条"


@dataclass(frozen=True)
class Section:
    """A section （一）… of a part: its title, its introductory text and its measures."""

    number: int
    title: str
    intro: str
    part: int
    measures: tuple[int, ...] = ()


@dataclass(frozen=True)
class Part:
    """A part 一、… of the plan, e.g. 一、让企业办事更省心."""

    number: int
    title: str
    sections: tuple[int, ...] = ()


@dataclass(frozen=True)
class Plan:
    """The whole plan: its metadata and its parts, sections and measures."""

    title: str
    document_number: str
    date: str
    issuers: tuple[str, ...]
    preamble: str
    parts: tuple[Part, ...]
    sections: tuple[Section, ...]
    measures: tuple[Measure, ...]
    _by_number: dict[int, Measure] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_number.update({m.number: m for m in self.measures})

    def measure(self, number: int) -> Measure | None:
        """The measure with this number, or None."""
        return self._by_number.get(number)

    def section(self, number: int) -> Section:
        """The section with this number (1-based)."""
        return self.sections[number - 1]

    def part(self, number: int) -> Part:
        """The part with this number (1-based)."""
        return self.parts[number - 1]


class PlanFormatError(ValueError):
    """The text does not follow the plan's numbering convention."""


PART_RE = re.compile(r"^([一二三四五六七八九十]+)、(.+)$")
SECTION_RE = re.compile(r"^（([一二三四五六七八九十]+)）\s*(.+)$")
MEASURE_RE = re.compile(r"^(\d{1,3})\s*[.．、]\s*(.+)$")
UNITS_RE = re.compile(r"（责任单位：([^）]*)）\s*$")
DOC_NUMBER_RE = re.compile(r"\S+〔\d{4}〕\d+号")
DATE_RE = re.compile(r"^(\d{4}年\d{1,2}月\d{1,2}日)(印发)?$")
TITLE_RE = re.compile(r"《(.+?)》")
CJK = r"\u3400-\u9fff"

HALF_TO_FULL = str.maketrans({"(": "（", ")": "）", ":": "：", ",": "，", ";": "；"})


def repair(line: str) -> str:
    """Undo the typesetting artefacts inside one logical paragraph."""
    line = line.translate(HALF_TO_FULL)
    line = re.sub(rf"(?<=[{CJK}])\s+and\s+(?=[{CJK}])", "和", line)
    # Spaces the typesetter put around Latin words and digits inside Chinese text.
    line = re.sub(rf"(?<=[{CJK}，。：；、“”（）])\s+|\s+(?=[{CJK}，。：；、“”（）])", "", line)
    # "（责\n\n责任单位" : the first half of the word was printed twice across the page break.
    line = re.sub(r"（(责)+责任单位", "（责任单位", line)
    return line.strip()


def paragraphs(text: str) -> list[str]:
    """Non-empty lines, with lines continued across a page break joined back together.

    A line continues the one before it when it does not start a part, a section or a measure
    and the one before it is a measure or section paragraph that has not reached its end.
    """
    joined: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        starts_block = bool(PART_RE.match(line) or SECTION_RE.match(repair(line))
                            or MEASURE_RE.match(line))
        if joined and not starts_block and continues(joined[-1]):
            joined[-1] += line
        else:
            joined.append(line)
    return [repair(p) for p in joined]


def continues(paragraph: str) -> bool:
    """True when a measure or section paragraph was cut before its end by a page break."""
    fixed = repair(paragraph)
    if not (MEASURE_RE.match(fixed) or SECTION_RE.match(fixed)):
        return False
    if MEASURE_RE.match(fixed):
        return not UNITS_RE.search(fixed)
    return not fixed.endswith("具体措施：")


def parse_plan(text: str) -> Plan:
    """Parse plan text written in the 普陀 action-plan convention into a :class:`Plan`.

    text: the whole document, as extracted from the printed copy.
    Raises PlanFormatError when numbering is broken or a measure has no 责任单位.
    """
    paras = paragraphs(text)
    doc_number = next((m.group(0) for p in paras if (m := DOC_NUMBER_RE.search(p))), "")
    date = next((m.group(1) for p in paras if (m := DATE_RE.match(p))), "")
    title_match = next((m for p in paras if (m := TITLE_RE.search(p))), None)
    title = title_match.group(1) if title_match else ""

    # The body starts at the bare title line after the cover notice.
    try:
        body_start = next(i for i, p in enumerate(paras) if p == title and i > 0)
    except StopIteration:
        body_start = next((i for i, p in enumerate(paras) if PART_RE.match(p)), 0) - 1
    cover = paras[:body_start]
    issuers = issuers_of(cover, date)
    preamble = paras[body_start + 1] if body_start + 1 < len(paras) else ""

    body = paras[body_start + 1:]
    # Everything after the last numbered paragraph is the 印发 footer (issuer, date, print run).
    last = max(i for i, p in enumerate(body) if PART_RE.match(p) or SECTION_RE.match(p)
               or MEASURE_RE.match(p))
    parts: list[Part] = []
    sections: list[Section] = []
    measures: list[Measure] = []
    for para in body[:last + 1]:
        if m := PART_RE.match(para):
            parts.append(Part(chinese_numeral(m.group(1)), m.group(2)))
        elif m := SECTION_RE.match(para):
            if not parts:
                raise PlanFormatError(f"section before any part: {para[:30]}")
            title_text, _, intro = m.group(2).partition("。")
            intro = intro.removesuffix("具体措施：").strip()
            sections.append(Section(chinese_numeral(m.group(1)), title_text, intro,
                                    parts[-1].number))
        elif m := MEASURE_RE.match(para):
            if not sections:
                raise PlanFormatError(f"measure before any section: {para[:30]}")
            measures.append(measure_from(int(m.group(1)), m.group(2), sections[-1]))
        elif parts:
            raise PlanFormatError(f"unexpected paragraph in the body: {para[:40]}")

    check_numbering(parts, sections, measures)
    sections = [
        Section(s.number, s.title, s.intro, s.part,
                tuple(m.number for m in measures if m.section == s.number))
        for s in sections
    ]
    parts = [Part(p.number, p.title, tuple(s.number for s in sections if s.part == p.number))
             for p in parts]
    return Plan(title, doc_number, date, issuers, preamble, tuple(parts), tuple(sections),
                tuple(measures))


def issuers_of(cover: list[str], date: str) -> tuple[str, ...]:
    """The issuing offices: the lines just above the signing date on the cover notice."""
    if date not in cover:
        return ()
    signed = cover.index(date)
    names = []
    for line in reversed(cover[:signed]):
        if not line.endswith("办公室"):
            break
        names.insert(0, line)
    return tuple(names)


def measure_from(number: int, body: str, section: Section) -> Measure:
    """Split a measure paragraph into its text and its responsible units."""
    units_match = UNITS_RE.search(body)
    if not units_match:
        raise PlanFormatError(f"measure {number} has no 责任单位 clause")
    units = tuple(u.strip() for u in units_match.group(1).split("、") if u.strip())
    if not units:
        raise PlanFormatError(f"measure {number} names no responsible unit")
    return Measure(number, body[:units_match.start()].strip(), units, section.part,
                   section.number)


def check_numbering(parts: list[Part], sections: list[Section], measures: list[Measure]) -> None:
    """Parts, sections and measures must each be numbered 1, 2, 3, … without gaps."""
    for kind, numbers in (("part", [p.number for p in parts]),
                          ("section", [s.number for s in sections]),
                          ("measure", [m.number for m in measures])):
        if not numbers:
            raise PlanFormatError(f"no {kind} found")
        expected = list(range(1, len(numbers) + 1))
        if numbers != expected:
            wrong = next(n for n, e in zip(numbers, expected, strict=True) if n != e)
            raise PlanFormatError(f"{kind} numbering breaks at {wrong}")


BUNDLED_PLAN = "putuo-yingshang-2021.txt"


def bundled_plan_path() -> Path:
    """Path of the plan text shipped with the package."""
    return Path(str(resources.files("ingest") / "corpus" / BUNDLED_PLAN))


def load_plan(path: Path | None = None) -> Plan:
    """Read and parse a plan file (UTF-8); the bundled plan when path is None."""
    return parse_plan((path or bundled_plan_path()).read_text(encoding="utf-8"))
