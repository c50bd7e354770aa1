"""An answer as WeChat shows it: plain text, citations as 【第21条】, related measures as
【相关：第35条】 (【Related: measure 35】 in English), a 责任单位 line, and pages that each fit one
passive reply (at most 2,048 UTF-8 bytes)."""

from __future__ import annotations

import re

from bot.answer import Answer, Citation

# WeChat's limit on the Content of a passive text reply.
REPLY_LIMIT_BYTES = 2048
MORE_WORD = "更多"

# "第21条" and "measure 21", but not ranges ("measures 60–67") or marks already in 【】.
MEASURE_REF = re.compile(r"(?<!【)(?:第(\d{1,3})条(?!】)|\b[Mm]easure (\d{1,3})\b(?![–-]))")
# The composer's section headings in lists ("【提升园区服务实效】"): not citations, so they get
# another mark and 【】 stays unambiguous.
HEADING = re.compile(r"^【(?!第\d+条】)([^】\n]+)】$", re.MULTILINE)
HEADING_MARK = "◆ "
BULLET = re.compile(r"^[ \t]*[-*+][ \t]+", re.MULTILINE)
MD_HEADING = re.compile(r"^#{1,6}[ \t]*", re.MULTILINE)
MD_EMPHASIS = re.compile(r"(\*\*|__|`)(.+?)\1")
# A sentence ends at one of these marks (with any closing quotes or brackets after it) or at
# a line break.
SENTENCE = re.compile(r".*?(?:[。！？；!?;…]+[”’」』）)\]]*|\n+|\Z)", re.DOTALL)
CLAUSE = re.compile(r".*?(?:[，、,：:]+|\n+|\Z)", re.DOTALL)
UNITS_PREFIX = "责任单位："
DOCUMENT_SOURCE = re.compile(r"《(.+)》(?:（(.+)）)?$")


def wechat_text(answer: Answer) -> str:
    """The answer as one plain-text WeChat message, before paging.

    answer: what ``PolicyBot.ask`` returned.
    """
    cited = {c.measure for c in answer.citations}
    related = {c.measure for c in answer.related}
    text = plain(answer.answer)
    # With several documents loaded an answer cites 《title》（文号）第（四）项: shown as
    # 【长府办发〔2023〕5号 第（四）项】.
    for c in [*answer.citations, *answer.related]:
        text = text.replace(f"{c.source}{c.label}", f"【{document_mark(c.source)} {c.label}】")
    text = MEASURE_REF.sub(lambda m: cite(m, cited, related), text)
    # Where to turn: the units of the measures the answer rests on or, when the plan lacks the
    # detail asked, those of the related measures, whose units can give it.
    basis = answer.related if answer.coverage == "partial" else answer.citations
    if basis and not any(line.startswith(UNITS_PREFIX) for line in text.splitlines()):
        lead, _, rest = text.partition("\n")
        text = "\n".join(part for part in (lead, units_line(basis), rest) if part)
    return text.strip()


def document_mark(source: str) -> str:
    """How a WeChat citation names its document: its 文号, or 《title》 when it has none.

    source: the citation's ``source`` (《title》（文号）).
    """
    found = DOCUMENT_SOURCE.match(source)
    return found.group(2) or f"《{found.group(1)}》" if found else source


def plain(text: str) -> str:
    """Markdown marks removed; WeChat shows them literally.

    text: the answer as the composer wrote it.
    """
    text = MD_EMPHASIS.sub(r"\2", text)
    text = MD_HEADING.sub("", text)
    text = HEADING.sub(HEADING_MARK + r"\1", text)
    return BULLET.sub("", text)


def cite(match: re.Match, cited: set[int], related: set[int]) -> str:
    """【第21条】 for a measure the answer cites; 【相关：第35条】 for a related one, or
    【Related: measure 35】 where an English answer says "measure 35"; other numbers are left
    as written.

    match: a MEASURE_REF match. cited, related: the measure numbers of the answer's citations
    and related measures.
    """
    number = int(match.group(1) or match.group(2))
    if number in cited:
        return f"【第{number}条】"
    if number in related:
        return f"【相关：第{number}条】" if match.group(1) else f"【Related: measure {number}】"
    return match.group(0)


def units_line(measures: list[Citation]) -> str:
    """责任单位： the units every measure shares (the department a list is about), or all of
    them when they share none.

    measures: the citations (or related measures) of an answer; at least one.
    """
    ordered = list(dict.fromkeys(u for c in measures for u in c.units))
    shared = [u for u in ordered if all(u in c.units for c in measures)]
    return UNITS_PREFIX + "、".join(shared or ordered)


def utf8_len(text: str) -> int:
    """text: any string. Returns its length in UTF-8 bytes, as WeChat counts."""
    return len(text.encode("utf-8"))


def page_label(page: int, pages: int) -> str:
    """What ends a page: how to get the next one, or that it was the last.

    page: its number, from 1. pages: how many there are.
    """
    if page < pages:
        return f"\n\n（{page}/{pages}）回复“{MORE_WORD}”查看下一部分"
    return f"\n\n（{pages}/{pages}）完"


def paginate(text: str, limit: int = REPLY_LIMIT_BYTES) -> list[str]:
    """Split a reply into pages of at most ``limit`` UTF-8 bytes, each cut at the end of a
    sentence (a clause, or a character, only when one sentence alone is too long); every page
    of a split reply ends with its label.

    text: the whole reply. limit: bytes per page, label included.
    """
    text = text.strip()
    if utf8_len(text) <= limit:
        return [text]
    # Room for the widest label: any two consecutive pages hold more than one budget, so
    # there are fewer than bytes / 100 + 1 pages.
    widest = utf8_len(text) // 100 + 1
    budget = limit - utf8_len(page_label(widest - 1, widest))
    pages: list[str] = []
    current: list[str] = []
    for piece in pieces(text, budget):
        if "".join(current).strip() and utf8_len("".join([*current, piece])) > budget:
            page, current = close_page(current, piece, budget)
            pages.append(page)
        current.append(piece)
    if "".join(current).strip():
        pages.append("".join(current).strip())
    return [page + page_label(n, len(pages)) for n, page in enumerate(pages, 1)]


def close_page(lines: list[str], piece: str, budget: int) -> tuple[str, list[str]]:
    """The finished page and what starts the next one: section headings at the foot of the
    page move on with the lines under them, when there is room.

    lines: the page's pieces so far. piece: the piece that did not fit. budget: bytes a page
    may hold.
    """
    keep = len(lines)
    while keep > 1 and lines[keep - 1].startswith(HEADING_MARK):
        keep -= 1
    if utf8_len("".join([*lines[keep:], piece])) > budget:
        keep = len(lines)
    return "".join(lines[:keep]).strip(), lines[keep:]


def pieces(text: str, budget: int) -> list[str]:
    """The text as sentences, each no longer than ``budget`` bytes (longer ones are split at
    clause marks, then between characters).

    text: what to split. budget: the most bytes a piece may have.
    """
    out: list[str] = []
    for sentence in filter(None, SENTENCE.findall(text)):
        if utf8_len(sentence) <= budget:
            out.append(sentence)
            continue
        for clause in filter(None, CLAUSE.findall(sentence)):
            out.extend(chunks(clause, budget) if utf8_len(clause) > budget else [clause])
    return out


def chunks(text: str, budget: int) -> list[str]:
    """Consecutive runs of characters of at most ``budget`` bytes.

    text: what to cut. budget: the most bytes a run may have.
    """
    out = [""]
    for char in text:
        if utf8_len(out[-1] + char) > budget:
            out.append("")
        out[-1] += char
    return out
