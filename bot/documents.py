"""The library's documents as the bot names them: which one a question names, and how an
answer says which document it rests on.

A question names a document by its 文号 (长府办发〔2023〕5号, or 5号文 with its year), by its
title in 《》 or in full, or by its year and a word of its title that the other documents'
titles lack ("2023年措施第四项"). Topic words alone name no document: "贷款贴息" is a
question for search, which looks in every document; only a lookup by number may name its
document by a part of its title ("成长奖励管理办法第九条").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.answer import document_label
from ingest.plan import Plan

YEAR = re.compile(r"(20\d\d)\s*年?")
# A lookup by number may name its document by a part of its title this long that no other
# title shares ("成长奖励管理办法第九条", "夜间经济通知第3项").
TITLE_PART = 4
TITLE_WORD = re.compile(r"措施|办法|通知|方案|意见|规定|细则|决定")
BRACKETED = re.compile(r"《([^》]+)》")


@dataclass(frozen=True)
class DocumentName:
    """How one document is named and cited.

    id: its id. plan: its parsed text (title, 文号, date, validity).
    """

    id: str
    plan: Plan

    @property
    def year(self) -> str:
        """The year of its date, or of its 文号, or of its validity, or ""."""
        found = (YEAR.search(self.plan.date) or YEAR.search(self.plan.document_number)
                 or YEAR.search(self.plan.valid_from))
        return found.group(1) if found else ""

    def label(self) -> str:
        """《title》（文号）, or 《title》 when it has no 文号."""
        return document_label(self.plan)

    def expired(self, today: date | None = None) -> bool:
        """Past its valid_until (today: the date to judge by; the current date when None)."""
        until = self.plan.valid_until
        return bool(until) and until < (today or date.today()).isoformat()

    def source(self, lang: str) -> str:
        """The line that says which document and year an answer rests on."""
        if lang == "en":
            note = (f"; it expired on {self.plan.valid_until}" if self.expired() else "")
            return f"(Source: {self.label()}, {self.year or 'undated'}{note}.)"
        note = f"；该文件有效期至{self.plan.valid_until}，已失效" if self.expired() else ""
        year = f"{self.year}年" if self.year else "未注明年份"
        return f"（依据：{self.label()}，{year}{note}）"


def loose(text: str) -> str:
    """Text without spaces, quotes and brackets, for matching names typed loosely."""
    return re.sub(r"[\s“”\"'‘’《》〈〉（）()]", "", text)


def short_number(number: str) -> str:
    """The serial of a 文号 (长府办发〔2023〕5号 → 〔2023〕5号), "" when there is none."""
    found = re.search(r"[〔\[(（]\d{4}[〕\])）]\d+号", number)
    return loose(found.group(0)) if found else ""


class DocumentNames:
    """Finds the documents a question names.

    names: the library's documents, in the order they are listed.
    """

    def __init__(self, names: list[DocumentName]) -> None:
        self.names = names
        # Title words (措施, 通知…) that only one document's title has tell it apart.
        kinds = [set(TITLE_WORD.findall(n.plan.title)) for n in names]
        self._kinds = {n.id: {k for k in mine if sum(k in other for other in kinds) == 1}
                       for n, mine in zip(names, kinds, strict=True)}

    def partly_named(self, text: str, among: list[str]) -> list[str]:
        """The ids (of those in among) whose title shares with the text a run of TITLE_PART
        characters or more that no other title (of those in among) has."""
        plain = loose(text)
        titles = {n.id: loose(n.plan.title) for n in self.names if n.id in among}

        def own_part(document: str) -> bool:
            title = titles[document]
            return any(plain[i:i + TITLE_PART] in title
                       and not any(plain[i:i + TITLE_PART] in other
                                   for d, other in titles.items() if d != document)
                       for i in range(len(plain) - TITLE_PART + 1))

        return [d for d in titles if own_part(d)]

    def named(self, text: str, among: list[str]) -> list[str]:
        """The ids (of those in among) of the documents the question names, best first; empty
        when it names none."""
        plain = loose(text)
        years = set(YEAR.findall(text))
        titles = [loose(t) for t in BRACKETED.findall(text)]
        found = []
        for name in self.names:
            if name.id not in among:
                continue
            title = loose(name.plan.title)
            number = loose(name.plan.document_number)
            if ((number and number in plain)
                    or (short_number(number) and short_number(number) in plain)
                    or title in plain
                    or any(t and (t in title or title in t) for t in titles)
                    or (name.year in years and any(k in text for k in self._kinds[name.id]))):
                found.append(name.id)
        return found
