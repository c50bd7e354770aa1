"""Responsibility notes: the clause that names who carries out a measure.

Documents write it as （责任单位：A、B）, （牵头单位：A；配合单位：B、C）, （牵头部门：A） or
（责任部门：A）, at the end of the measure or on a line of its own after it, sometimes without
brackets, or as 【责任单位】A (read as 责任单位：A). Lines reach this module repaired, so brackets
and colons are already full-width.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LEAD_KEYS = ("牵头单位", "牵头部门")
SOLE_KEYS = ("责任单位", "责任部门")
HELP_KEYS = ("配合单位", "配合部门")

# Where a note begins: only a lead or sole key opens one; 配合 always follows a lead.
NOTE_START_RE = re.compile(rf"（?\s*(?:{'|'.join(LEAD_KEYS + SOLE_KEYS)})\s*：")
KEY_RE = re.compile(rf"({'|'.join(LEAD_KEYS + SOLE_KEYS + HELP_KEYS)})\s*：")
NOTE_LINE_RE = re.compile(rf"^（?\s*(?:{'|'.join(LEAD_KEYS + SOLE_KEYS + HELP_KEYS)})\s*：")
UNIT_SEPARATORS_RE = re.compile(r"[、，,；;\s]+")
# 【责任单位】A: a key in square brackets of its own, without colon.
NOTE_KEY_BRACKET_RE = re.compile(rf"【\s*({'|'.join(LEAD_KEYS + SOLE_KEYS + HELP_KEYS)})\s*】")


@dataclass(frozen=True)
class Note:
    """The units a note names.

    units: every unit named, in printed order (lead units first when the note has them).
    lead: the units named as 牵头单位/牵头部门; empty when the note does not distinguish.
    """

    units: tuple[str, ...]
    lead: tuple[str, ...]


def note_start(paragraph: str) -> int | None:
    """Index where the paragraph's closing note begins, or None when it has none.

    paragraph: a measure's text as printed, without its number.
    """
    starts = list(NOTE_START_RE.finditer(paragraph))
    return starts[-1].start() if starts else None


def is_note_line(line: str) -> bool:
    """True when a line is (the rest of) a note, e.g. ``配合单位：区财政局``."""
    return bool(NOTE_LINE_RE.match(line))


def note_complete(paragraph: str) -> bool:
    """True when the paragraph ends with a whole note (its brackets closed, its list ended).

    A note cut by a line or page break is not complete, so the next line still belongs to it.
    """
    start = note_start(paragraph)
    if start is None:
        return False
    note = paragraph[start:].rstrip("。")
    if note.startswith("（"):
        return note.endswith("）") and note.count("（") == note.count("）")
    return not note.endswith(("、", "，", "；", "："))


def balanced(segment: str) -> str:
    """One key's list without the brackets that close it or open the next key's list.

    segment: the text between two keys, e.g. ``区商务委（区口岸办）、区财政局）（`` from
    （牵头单位：区商务委（区口岸办）、区财政局）（配合单位：…）.
    """
    segment = segment.strip(" 、，,；;（")
    while segment.endswith("）") and segment.count("）") > segment.count("（"):
        segment = segment[:-1].rstrip(" 、，,；;")
    return segment


def split_note(paragraph: str) -> tuple[str, Note | None]:
    """The paragraph's text without its closing note, and the note (None when it has none).

    paragraph: a measure's text as printed, without its number.
    """
    start = note_start(paragraph)
    if start is None:
        return paragraph, None
    body = paragraph[start:].rstrip("。").strip()
    if body.startswith("（") and body.endswith("）"):
        body = body[1:-1]
    keys = list(KEY_RE.finditer(body))
    units: list[str] = []
    lead: list[str] = []
    for key, after in zip(keys, [*keys[1:], None], strict=True):
        segment = balanced(body[key.end():after.start() if after else len(body)])
        names = [n for n in UNIT_SEPARATORS_RE.split(segment) if n]
        units += names
        if key.group(1) in LEAD_KEYS:
            lead += names
    return paragraph[:start].strip(), Note(tuple(units), tuple(lead))
