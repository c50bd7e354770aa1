"""Typesetting artefacts inside a line of a printed, PDF or Word copy, undone.

Full-width digits become ASCII, half-width brackets and marks full-width (except inside
figures), spaces around Latin words and digits inside Chinese text go, and a note key printed
in brackets of its own (【责任单位】) becomes the key and colon the notes are read by.
"""

from __future__ import annotations

import re

from ingest.notes import NOTE_KEY_BRACKET_RE

HALF_TO_FULL = {"(": "（", ")": "）", ":": "：", ",": "，", ";": "；"}
FULL_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
CJK = r"\u3400-\u9fff"


def full_width(match: re.Match[str]) -> str:
    """The full-width form of a half-width bracket or mark, except inside figures (9:30, 1,000)."""
    char, text, at = match.group(), match.string, match.start()
    if char in ":," and 0 < at < len(text) - 1 and text[at - 1].isdigit() \
            and text[at + 1].isdigit():
        return char
    return HALF_TO_FULL[char]


def repair(line: str) -> str:
    """Undo the typesetting artefacts inside one line or paragraph."""
    line = re.sub(r"[(),:;]", full_width, line.translate(FULL_DIGITS))
    line = re.sub(rf"(?<=[{CJK}])\s+and\s+(?=[{CJK}])", "和", line)
    # Spaces the typesetter put around Latin words and digits inside Chinese text.
    line = re.sub(rf"(?<=[{CJK}，。：；、“”（）])\s+|\s+(?=[{CJK}，。：；、“”（）])", "", line)
    # "（责\n\n责任单位" : the first half of the word was printed twice across the page break.
    line = re.sub(r"（(责)+责任单位", "（责任单位", line)
    # 【责任单位】A is the key in a bracket of its own, without colon: 责任单位：A.
    line = NOTE_KEY_BRACKET_RE.sub(r"\1：", line)
    return line.strip()
