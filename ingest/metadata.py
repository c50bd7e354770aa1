"""A document's metadata: title, document number (文号), issuers, date, preamble and validity.

All functions take repaired lines (see :func:`ingest.repair.repair`).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date as Date
from datetime import timedelta

DATE = r"(\d{4})年(\d{1,2})月(\d{1,2})日"
# A signing or printing date on a line of its own, possibly after the issuer on the same line
# (``长川市人民政府办公厅 2023年1月5日印发``) or in brackets.
# A cover line may give the month alone (``2024年3月``).
DATE_LINE_RE = re.compile(
    rf"^(?P<org>[^\d，。；：]*?)（?(?P<date>{DATE}|\d{{4}}年\d{{1,2}}月)）?(?:印发)?$")
ORG_RE = re.compile(r"^[\u3400-\u9fff（）]{2,40}"
                    r"(?:办公室|办公厅|人民政府|委员会|局|委|办|厅|院|中心|联合会|协会)$")
# Bracket forms vary (〔〕, [], ［］, （）); the number is given back with 〔〕. A rule often
# gives it in brackets under its title, with the date it was issued
# (（云湾府办规〔2024〕3号　2024年3月18日印发）).
# A web page gives both as labelled fields (发文字号：…　成文日期：…).
DOC_NUMBER_RE = re.compile(r"^(?:(?:发文字号|文号)：)?[（(]?([\u3400-\u9fff]{1,12})"
                           r"[〔\[［（](\d{4})[〕\]］）](\d{1,4})号")
NUMBER_DATE_RE = re.compile(rf"号\s*(?P<date>{DATE})(?:印发|发布|公布)?[）)]?$")
# A cover giving only the month (2024年3月), as a published explanation may.
MONTH_LINE_RE = re.compile(r"^\d{4}年\d{1,2}月$")
DATE_LABELS = ("成文日期", "印发日期", "发文日期", "发布日期")
KINDS = "办法|措施|方案|通知|规定|细则|意见|决定|条例|规则|计划|指引|指南|公告|通告|政策|问答"
# A title may end with its term or status in brackets: …行动方案（2024—2026年）, …办法（试行）.
TITLE_LINE_RE = re.compile(rf"^[^。，；：！？]{{2,60}}(?:{KINDS})(?:（[^（）]{{1,15}}）)?$")
# A long title is printed over two or three lines.
TITLE_LINES = (1, 2, 3)
ISSUED_TITLE_RE = re.compile(r"印发《(.+?)》")
QUOTED_TITLE_RE = re.compile(r"《(.+?)》")
CN_COUNT = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
            "九": 9, "十": 10}
START = rf"(?:{DATE}|印发之日|发布之日|公布之日)"
FROM_RE = re.compile(rf"本[^。；]{{0,8}}?(?:{KINDS})[^。；]{{0,20}}?自(?P<from>{START})"
                     r"起(?:施行|实施|执行|生效)(?P<rest>[^。]*)")
UNTIL_RE = re.compile(rf"有效期(?:为|自)?(?:(?P<start>{DATE})(?:起)?)?(?:至|到)(?P<until>{DATE})")
SPAN_RE = re.compile(r"有效期(?:为)?(?P<count>\d{1,2}|[一二两三四五六七八九十])(?P<unit>年|个月)")
UNTIL_END_RE = re.compile(rf"至(?P<until>{DATE})止")


@dataclass(frozen=True)
class Metadata:
    """What a document says about itself.

    title: the title in 《…》 or the title line. document_number: e.g. 长府办发〔2023〕5号, or "".
    date: the signing date as printed (2023年1月5日), or "". issuers: the signing offices.
    preamble: the text between the title and the first numbered heading or item.
    valid_from, valid_until: ISO dates of the validity clause, or "".
    """

    title: str
    document_number: str
    date: str
    issuers: tuple[str, ...]
    preamble: str
    valid_from: str
    valid_until: str


def read_metadata(head: list[str], lines: list[str]) -> Metadata:
    """The metadata of a document.

    head: the lines before the body (cover notice, title, preamble).
    lines: all lines of the document, for the date, the issuers and the validity clause.
    """
    title = title_of(head)
    numbered = next((line for line in head if DOC_NUMBER_RE.match(line)), "")
    match = DOC_NUMBER_RE.match(numbered)
    number = f"{match[1]}〔{match[2]}〕{match[3]}号" if match else ""
    signed = next((i for i, line in enumerate(lines) if signing_date(line)), None)
    dated = NUMBER_DATE_RE.search(numbered)
    date = (signing_date(lines[signed]) if signed is not None
            else dated["date"] if dated else labelled_date(head))
    if signed is not None:
        issuers = issuers_of(lines, signed)
    else:
        # The offices named above the title issue it: a rule often opens with
        # 某某区人民政府办公室 and its number in brackets, and is signed by no one; a
        # published explanation (问答, 解读) names its office on the line under the title.
        at, end = title_span(head, title) or (len(head), len(head))
        issuers = tuple(line for line in head[:at] + head[end:end + 1] if is_org_line(line))
    valid_from, valid_until = validity("".join(lines), date)
    return Metadata(title, number, date, issuers, preamble_of(head, title), valid_from,
                    valid_until)


def signing_date(line: str) -> str:
    """The date of a date line (``2021年3月5日``, ``…办公厅2023年1月5日印发``), or ""."""
    match = DATE_LINE_RE.match(line)
    if not match or (match["org"] and not ORG_RE.match(match["org"])):
        return ""
    return match["date"]


def labelled_date(head: list[str]) -> str:
    """The date of a labelled field (成文日期：2024年4月15日), the signing date first; or ""."""
    joined = "".join(head)
    for key in DATE_LABELS:
        if match := re.search(rf"{key}：({DATE})", joined):
            return match[1]
    return ""


def is_org_line(line: str) -> bool:
    """True when a line is only the name of an office, e.g. 上海市普陀区人民政府办公室."""
    return bool(ORG_RE.match(line))


def title_of(head: list[str]) -> str:
    """The title: 印发《X》 on a cover notice, else the title line, else the first 《X》, else
    the first title printed over two or three lines (the most lines that make one)."""
    joined = "".join(head)
    if match := ISSUED_TITLE_RE.search(joined):
        return match.group(1)
    if line := next((line for line in head if TITLE_LINE_RE.match(line)), ""):
        return line
    if match := QUOTED_TITLE_RE.search(joined):
        return match.group(1)
    wrapped = (run for i in range(len(head)) for size in reversed(TITLE_LINES[1:])
               if TITLE_LINE_RE.match(run := "".join(head[i:i + size])))
    return next(wrapped, head[0] if head else "")


def issuers_of(lines: list[str], signed: int) -> tuple[str, ...]:
    """The offices signing above the date line (and before the date on the same line)."""
    names = []
    for line in reversed(lines[:signed]):
        if not is_org_line(line):
            break
        names.insert(0, line)
    if org := DATE_LINE_RE.match(lines[signed])["org"]:
        names.append(org)
    return tuple(names)


def title_span(head: list[str], title: str) -> tuple[int, int] | None:
    """Where the title is printed in the head: its first line and the line after its last."""
    return next(((i, i + size) for size in TITLE_LINES for i in range(len(head) - size + 1)
                 if "".join(head[i:i + size]) == title), None)


def preamble_of(head: list[str], title: str) -> str:
    """The head's text after the title and the cover's number, issuer and date lines."""
    span = title_span(head, title)
    last = max((i for i, line in enumerate(head)
                if line == title or (span and span[0] <= i < span[1])
                or DOC_NUMBER_RE.match(line) or signing_date(line)
                or is_org_line(line) or MONTH_LINE_RE.match(line)), default=-1)
    return "".join(head[last + 1:])


def validity(text: str, date: str) -> tuple[str, str]:
    """ISO dates (valid_from, valid_until) of the validity clause, "" where absent.

    text: the whole document on one line (a clause may be cut by a line break).
    date: the signing date, for 自印发之日起施行.
    """
    valid_from = valid_until = ""
    match = FROM_RE.search(text)
    if match:
        valid_from = iso(match["from"]) if match["from"][0].isdigit() else iso(date)
    if until := UNTIL_RE.search(text):
        valid_from = valid_from or iso(until["start"] or "")
        valid_until = iso(until["until"])
    elif match and (end := UNTIL_END_RE.search(match["rest"])):
        valid_until = iso(end["until"])
    elif (span := SPAN_RE.search(text)) and valid_from:
        count = int(span["count"]) if span["count"].isdigit() else CN_COUNT[span["count"]]
        months = count * 12 if span["unit"] == "年" else count
        valid_until = (add_months(Date.fromisoformat(valid_from), months)
                       - timedelta(days=1)).isoformat()
    return valid_from, valid_until


def iso(printed: str) -> str:
    """``2023年1月5日`` → ``2023-01-05``; "" for ""."""
    match = re.fullmatch(DATE, printed)
    return Date(*map(int, match.groups())).isoformat() if match else ""


def add_months(day: Date, months: int) -> Date:
    """The same day of the month, months later (the month's last day when it is shorter)."""
    years, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month + 1
    return Date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
