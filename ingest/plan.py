"""Parse a policy document's text into typed records: Plan → Part → Section → Measure.

The text comes from a printed copy, a PDF or a Word file, so the parser repairs print
artefacts on the way in (source files are never edited): words split across a page break are
joined, a doubled ``（责\\n\\n责任单位`` is collapsed, half-width brackets and colons are made
full-width, a stray English ``and`` between Chinese words becomes ``和``, page numbers, running
headers and the 印发/抄送 footer are dropped.

Which numbering marks the measures (1. items, （一） items, 第一条 articles, 1、 or （1） items,
问：… questions) is decided per document by :mod:`ingest.layouts`; the title, 文号, date and
validity by :mod:`ingest.metadata`; the responsible units by :mod:`ingest.notes`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from importlib import resources
from itertools import count
from pathlib import Path

from ingest.formats import read_document
from ingest.layouts import (
    NO_MEASURES,
    Block,
    Layout,
    body_span,
    detect_layout,
    document_lines,
    label,
    read_blocks,
    restart_rank,
)
from ingest.layouts import PlanFormatError as PlanFormatError
from ingest.layouts import chinese_numeral as chinese_numeral
from ingest.metadata import read_metadata
from ingest.notes import split_note


@dataclass(frozen=True)
class Measure:
    """One numbered measure (具体措施, 条, 项) of the plan.

    number: the measure's number as printed (21. → 21, （十二） → 12, 第八条 → 8); in order
        1..n when the document starts its numbering again under each heading.
    text: the measure's wording without its number and its responsibility note.
    responsible_units: the units named in its note (责任单位, or 牵头单位 then 配合单位), in
        printed order; empty when the document names none.
    part: number of the part (一、… → 1) it belongs to.
    section: number of the section (（一）… → 1) it belongs to.
    label: how the document cites it (第21条, 第（四）项, 第八条, 第3项); "" means 第{number}条.
    lead_units: the units named as 牵头单位/牵头部门; empty when the note does not say.
    """

    number: int
    text: str
    responsible_units: tuple[str, ...]
    part: int
    section: int
    label: str = ""
    lead_units: tuple[str, ...] = ()

    def cite(self) -> str:
        """How the plan's readers refer to this measure: ``第21条``, ``第（四）项``."""
        return self.label or f"第{self.number}条"


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
    """The whole plan: its metadata and its parts, sections and measures.

    valid_from, valid_until: ISO dates of its validity clause, "" when it has none.
    """

    title: str
    document_number: str
    date: str
    issuers: tuple[str, ...]
    preamble: str
    parts: tuple[Part, ...]
    sections: tuple[Section, ...]
    measures: tuple[Measure, ...]
    valid_from: str = ""
    valid_until: str = ""
    _by_number: dict[int, Measure] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_number.update({m.number: m for m in self.measures})

    def measure(self, number: int) -> Measure | None:
        """The measure with this number, or None."""
        return self._by_number.get(number)

    def unnoted(self) -> list[int]:
        """The measures without responsible units in a document that names them for others
        (worth a look: a note may have been lost in extraction)."""
        if not any(m.responsible_units for m in self.measures):
            return []
        return [m.number for m in self.measures if not m.responsible_units]

    def section(self, number: int) -> Section:
        """The section with this number (1-based)."""
        return self.sections[number - 1]

    def part(self, number: int) -> Part:
        """The part with this number (1-based)."""
        return self.parts[number - 1]


def parse_plan(text: str) -> Plan:
    """Parse a policy document into a :class:`Plan`.

    text: the whole document as text (:func:`ingest.formats.read_document` reads files).
    Raises PlanFormatError when no measure is found, when a numbering breaks, or when the
    document names responsible units but a measure has no such note.
    """
    lines = document_lines(text)
    layout = detect_layout(lines)
    start, end = body_span(lines, layout)
    blocks = read_blocks(lines, layout, start, end)
    if not any(b.role == "measure" for b in blocks):
        raise PlanFormatError(NO_MEASURES)
    meta = read_metadata(lines[:start], lines)
    parts, sections, measures = assemble(blocks, layout, numbering(blocks, layout), meta.title)
    sections = [replace(s, intro=s.intro.removesuffix("具体措施：").strip(),
                        measures=tuple(m.number for m in measures if m.section == s.number))
                for s in sections]
    parts = [replace(p, sections=tuple(s.number for s in sections if s.part == p.number))
             for p in parts]
    return Plan(meta.title, meta.document_number, meta.date, meta.issuers, meta.preamble,
                tuple(parts), tuple(sections), tuple(measures), meta.valid_from,
                meta.valid_until)


def numbering(blocks: list[Block], layout: Layout) -> dict[int, int | None]:
    """For each numbered rank, None (numbered on) or the rank its numbering restarts under.

    Checked outermost first, so a broken part number is reported before a measure's.
    """
    kinds = [(layout.part, "part")] if layout.part is not None else []
    kinds += [(rank, "section") for rank in layout.sections] + [(layout.measure, "measure")]
    return {rank: restart_rank(blocks, [i for i, b in enumerate(blocks)
                                        if b.marker and b.marker.style.rank == rank], kind)
            for rank, kind in kinds}


def assemble(blocks: list[Block], layout: Layout, restarts: dict[int, int | None],
             title: str) -> tuple[list[Part], list[Section], list[Measure]]:
    """Parts, sections and measures from the body's blocks, in document order.

    A document without part headings gets one part titled like the document, and measures
    outside any section get a section titled like their part, so every measure has both.
    Unnumbered text before a section's first measure is its introduction; text after it (a
    closing paragraph) belongs to no record.

    restarts: see :func:`numbering`. title: the document's title.
    """
    parts: list[Part] = []
    sections: list[Section] = []
    measures: list[Measure] = []
    order = count(1)
    for index, block in enumerate(blocks):
        if block.role in ("part", "section"):
            heading, _, intro = block.text.partition("。")
            heading = heading.rstrip("：")
            if block.role == "part":
                parts.append(Part(len(parts) + 1, heading))
            elif not parts:
                parts.append(Part(1, title))
            # Parts without section headings are each their own section.
            if block.role == "section" or not layout.sections:
                sections.append(Section(len(sections) + 1, heading, intro, parts[-1].number))
        elif block.role == "measure":
            if not parts:
                parts.append(Part(1, title))
            if not sections or sections[-1].part != parts[-1].number:
                sections.append(Section(len(sections) + 1, parts[-1].title, "",
                                        parts[-1].number))
            number = next(order) if restarts[layout.measure] is not None else block.marker.value
            measures.append(measure_of(block, number, label(blocks, index, restarts),
                                       sections[-1]))
        elif sections and sections[-1].part == parts[-1].number and not (
                measures and measures[-1].section == sections[-1].number):
            sections[-1] = replace(sections[-1], intro=sections[-1].intro + block.text)
    return parts, sections, measures


def measure_of(block: Block, number: int, cite: str, section: Section) -> Measure:
    """A measure block as a record; without a note its units are empty (documents often note
    only some of their articles, see :meth:`Plan.unnoted`).

    number: its number in the plan. cite: its label. section: the section it belongs to.
    """
    text, note = split_note(block.text)
    if note and not note.units:
        raise PlanFormatError(f"measure {number} names no responsible unit")
    return Measure(number, text, note.units if note else (), section.part, section.number,
                   cite, note.lead if note else ())


BUNDLED_PLAN = "putuo-yingshang-2021.txt"


def bundled_plan_path() -> Path:
    """Path of the plan text shipped with the package."""
    return Path(str(resources.files("ingest") / "corpus" / BUNDLED_PLAN))


def load_plan(path: Path | None = None) -> Plan:
    """Read and parse a plan file (.txt, .md, .docx, .pdf, .html); the bundled plan by default.

    path: the file, or None for the bundled plan.
    """
    return parse_plan(read_document(path or bundled_plan_path()))
