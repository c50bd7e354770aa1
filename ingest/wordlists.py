"""Word's automatic numbering: the number a list paragraph shows but its text lacks.

A Word document numbers its items either by typing the numbers (一、 1.) or by a numbered list
(Word's 编号 button, the List Number style), whose numbers live in the numbering part, not in
the text. :class:`ListNumbers` counts the list paragraphs as Word displays them, so the parser
sees 1. or （一） either way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
CN_UNITS = "零一二三四五六七八九"


def chinese(n: int) -> str:
    """A number up to 99 in Chinese numerals, as Word's chineseCounting prints it: 十一, 二十."""
    if n < 10:
        return CN_UNITS[n]
    if n >= 100:
        return str(n)
    tens, units = divmod(n, 10)
    return (CN_UNITS[tens] if tens > 1 else "") + "十" + (CN_UNITS[units] if units else "")


def circled(n: int) -> str:
    """①…⑳, then the plain number."""
    return chr(0x2460 + n - 1) if n <= 20 else str(n)


# The formats whose numbers the parser reads; a list of another (bullet, a., i.) shows none.
FORMATS: dict[str, Callable[[int], str]] = {
    "decimal": str, "decimalZero": str, "decimalFullWidth": str, "decimalHalfWidth": str,
    "chineseCounting": chinese, "chineseCountingThousand": chinese,
    "chineseLegalSimplified": chinese, "taiwaneseCounting": chinese,
    "decimalEnclosedCircle": circled, "decimalEnclosedCircleChinese": circled,
    "decimalEnclosedParen": lambda n: f"（{n}）",
}


@dataclass(frozen=True)
class Level:
    """One level of a list definition.

    start: its first number. format: Word's numFmt (decimal, chineseCounting, bullet…).
    text: Word's lvlText, ``%1.`` or ``（%2）``, %k standing for level k's number.
    """

    start: int
    format: str
    text: str


class ListNumbers:
    """The numbers of a Word document's list paragraphs, in reading order.

    document: a python-docx Document.
    """

    def __init__(self, document) -> None:
        self.abstract: dict[str, str] = {}
        self.levels: dict[str, dict[int, Level]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError):  # a document without lists
            return
        for definition in root.iter(f"{W}abstractNum"):
            self.levels[definition.get(f"{W}abstractNumId")] = {
                int(lvl.get(f"{W}ilvl")): Level(int(value(lvl, "start") or 1),
                                                value(lvl, "numFmt") or "decimal",
                                                value(lvl, "lvlText") or "")
                for lvl in definition.iter(f"{W}lvl")}
        for num in root.iter(f"{W}num"):
            self.abstract[num.get(f"{W}numId")] = value(num, "abstractNumId")

    def prefix(self, paragraph) -> str:
        """The number Word shows before a paragraph, counted on; "" for none, a bullet, or a
        format the parser does not read.

        Lists sharing a definition count on together, as Word's do; a higher level starts the
        levels under it again.
        """
        num, level = numbering_of(paragraph)
        abstract = self.abstract.get(num or "")
        levels = self.levels.get(abstract or "", {})
        if level not in levels or levels[level].format not in FORMATS:
            return ""
        counters = self.counters.setdefault(abstract, {})
        counters[level] = counters.get(level, levels[level].start - 1) + 1
        for deeper in [k for k in counters if k > level]:
            del counters[deeper]
        text = levels[level].text
        for k, lvl in levels.items():
            shown = FORMATS.get(lvl.format, str)(counters.get(k, lvl.start))
            text = text.replace(f"%{k + 1}", shown)
        return text


def value(element, tag: str) -> str | None:
    """The w:val of element's first child tag, or None."""
    child = element.find(f"{W}{tag}")
    return None if child is None else child.get(f"{W}val")


def numbering_of(paragraph) -> tuple[str | None, int]:
    """The list (numId) and level (ilvl) of a paragraph, from itself or its styles."""
    num, level = None, None
    elements = [paragraph._p]
    style = paragraph.style
    while style is not None:
        elements.append(style.element)
        style = style.base_style
    for element in elements:
        numbering = element.find(f"{W}pPr/{W}numPr")
        if numbering is None:
            continue
        num = num or value(numbering, "numId")
        found = value(numbering, "ilvl")
        level = level if level is not None else (int(found) if found else None)
    return (None if num == "0" else num), level or 0
