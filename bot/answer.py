"""The answer record every channel returns, and the extractive composer that writes it.

The composer only arranges what the cited measures say: their numbers, section titles, text and
responsible units. It never adds a fact of its own.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, Field

from bot.details import Detail
from bot.needs import Need
from ingest.glossary import title_en
from ingest.plan import Measure, Plan
from ingest.units import english_name

WHO_INTENT = re.compile(
    r"找谁|找哪|哪个部门|哪些部门|哪几个部门|什么部门|谁负责|谁来|谁管|哪个单位|哪家单位|责任单位|"
    r"归谁|哪个局|去哪|向谁|联系谁|负责部门|牵头|\bwho\b|"
    r"which (?:department|office|bureau|unit|agency)|"
    r"where (?:do|should|can) i go|whom|contact|in charge|responsible",
    re.IGNORECASE)


# Asking whether something is possible, allowed or available: the lead then says 可以 / Yes.
YES_NO = re.compile(r"能不能|能否|可不可以|可以不|可以.{0,20}吗|能.{0,12}吗|行不行|是否可以|有没有|"
                    r"\b(?:can|could|may) (?:i|we|my|our)\b|\bis (?:it|there)\b|\bare there\b",
                    re.IGNORECASE)
CN_ORDINALS = "一二三四五六七八九十"
CLAUSE = re.compile(r"[^，；。：]+")


class Citation(BaseModel):
    """A measure the answer rests on."""

    document: str = Field(description="Id of the document the measure belongs to")
    label: str = Field(description="How the document cites the measure (第21条, 第（四）项)")
    source: str = Field(description="The document as answers name it: 《title》（文号）")
    measure: int = Field(description="Measure number in its document")
    section: str = Field(description="Title of the measure's section")
    units: list[str] = Field(description="Responsible units (责任单位), as printed")
    text: str = Field(description="The measure's text, verbatim")


class Retrieved(BaseModel):
    """A measure in the fused ranking, with its fusion score."""

    document: str
    measure: int
    score: float


Coverage = Literal["answered", "partial", "none"]


class Answer(BaseModel):
    """What ``ask()`` returns to every channel (the body of ``POST /api/v1/ask``)."""

    answer: str = Field(description="The reply, ready to show")
    answerable: bool = Field(description="True exactly when coverage is ``answered``")
    coverage: Coverage = Field(
        description="answered: the plan covers the question; partial: the plan has the topic "
                    "but not the detail asked (a fee, hours, an address, a materials list…); "
                    "none: outside the plan")
    citations: list[Citation] = Field(description="Measures the answer rests on; empty unless "
                                                  "coverage is answered")
    related: list[Citation] = Field(
        default_factory=list,
        description="Measures on the topic to ask about, for a partial answer (or a need of "
                    "the question the plan covers only in part)")
    retrieved: list[Retrieved] = Field(description="Top 10 measures in fused order (of keyword "
                                              "search alone when it was decisive)")
    session_id: str
    latency_ms: float


class AnswerComposer:
    """Writes Chinese or English answers from cited measures.

    plan: the plan the measures come from. document: its id in the library.
    source: how an answer names the document before a measure's label (《…》（文号）), "" when
    it is the only document loaded.
    """

    def __init__(self, plan: Plan, document: str, source: str = "") -> None:
        self.plan = plan
        self.document = document
        self.source = source

    def citation(self, measure: Measure) -> Citation:
        """The citation record of a measure."""
        return Citation(document=self.document, label=measure.cite(),
                        source=document_label(self.plan), measure=measure.number,
                        section=self.plan.section(measure.section).title,
                        units=list(measure.responsible_units), text=measure.text)

    def cited(self, numbers: list[int]) -> list[Citation]:
        return [self.citation(m) for n in numbers if (m := self.plan.measure(n))]

    def search_answer(self, question: str, numbers: list[int], lang: str,
                      details: Sequence[Detail] = ()) -> str:
        """Answer for a searched need: a lead that quotes the clause answering it, then each
        cited measure (a list of them, by section, when there are more than two).

        question: the need with the plan's words for its everyday ones (``Query.keywords``),
        which is what the clause is matched against.
        details: the details the need asks, which the first measure states: the lead quotes
          a clause that states one ("提供“预审5天+审查5天”优先审批服务" for "一共要几天").
        """
        measures = [m for n in numbers if (m := self.plan.measure(n))]
        if len(measures) > 2:
            return self.list_answer(measures, lang)
        units = unique(u for m in measures for u in m.responsible_units)
        first = measures[0]
        clause = lead_clause(first.text, question,
                             [d.stated for d in details if d.stated is not None])
        # Some documents (regulations) name no responsible unit: nothing to say then.
        asks_who = bool(WHO_INTENT.search(question)) and bool(units)
        yes = "可以：" if YES_NO.search(question) else ""
        if lang == "en":
            also = f" (see also {', '.join(f'measure {m.number}' for m in measures[1:])})" \
                if len(measures) > 1 else ""
            lead = (f"{'Yes: ' if yes else ''}Measure {first.number} provides: “{clause}”{also}."
                    + (f" Responsible: {join_en(units)}." if asks_who else ""))
        else:
            also = "（另见" + "、".join(m.cite() for m in measures[1:]) + "）" \
                if len(measures) > 1 else ""
            lead = (f"{yes}{self.source}{first.cite()}规定，{clause}{also}。"
                    + (f"责任单位是{'、'.join(units)}。" if asks_who else ""))
        return "\n\n".join([lead, *(self.block(m, lang) for m in measures)])

    def list_answer(self, measures: list[Measure], lang: str) -> str:
        """Several measures on one topic, grouped by section, each with its units."""
        if lang == "en":
            lines = [f"The plan has {len(measures)} measures on this, by section:"]
        else:
            lines = [f"行动方案中有{len(measures)}条相关措施，按章节列出："]
        for section_number in unique(m.section for m in measures):
            title = self.plan.section(section_number).title
            lines.append(f"【{title_en(title) if lang == 'en' else title}】")
            for m in sorted((m for m in measures if m.section == section_number),
                            key=lambda m: m.number):
                units = "、".join(m.responsible_units)
                label = "Responsible: " if lang == "en" else "责任单位："
                lines.append(f"{self.line(m, lang)}（{label}{units}）")
        return "\n".join(lines)

    def partial_answer(self, detail: Detail, numbers: list[int], lang: str) -> str:
        """The plan has the topic but not the detail asked: say which detail is missing, then
        the related measures, whose units are the place to ask."""
        measures = [m for n in numbers if (m := self.plan.measure(n))]
        if lang == "en":
            lead = (f"The plan does not state {detail.en}. Related measures are below; their "
                    "responsible units are the place to ask.")
        else:
            lead = f"方案未写明{detail.zh}。以下措施与此相关，可向其责任单位咨询。"
        return "\n\n".join([lead, *(self.block(m, lang) for m in measures)])

    def none_answer(self, lang: str, need: Need | None = None) -> str:
        """The plan does not cover a need: the full refusal, or one line for one need of
        several."""
        if need is None:
            return refusal(lang)
        if lang == "en":
            return f"The plan does not cover “{need.text}”."
        return f"关于“{need.text}”，行动方案没有涉及。"

    def needs_answer(self, needs: list[Need], texts: list[str], lang: str) -> str:
        """One answer per need, in the order asked, each under its own heading."""
        asked = [re.sub(r"[\W_]+$", "", n.text) for n in needs]
        if lang == "en":
            heads = [f"{i}. About “{text}”:" for i, text in enumerate(asked, 1)]
        else:
            heads = [f"{CN_ORDINALS[i]}、关于“{text}”：" for i, text in enumerate(asked)]
        return "\n\n".join(f"{head}\n{text}" for head, text in zip(heads, texts, strict=True))

    def measure_answer(self, numbers: list[int], lang: str) -> str:
        """Answer for a lookup by measure number."""
        measures = [m for n in numbers if (m := self.plan.measure(n))]
        if lang == "en":
            lead = " ".join(
                f"Measure {m.number} belongs to the section "
                f"“{title_en(self.plan.section(m.section).title)}”." for m in measures)
        else:
            lead = "".join(f"{self.source}{m.cite()}属于“{self.plan.section(m.section).title}”"
                           "一节。" for m in measures)
        return "\n\n".join([lead, *(self.block(m, lang) for m in measures)])

    def department_answer(self, unit: str, numbers: list[int], lang: str) -> str:
        """Every measure of one unit, grouped by section."""
        measures = [m for n in numbers if (m := self.plan.measure(n))]
        if lang == "en":
            lead = (f"{english_name(unit)} ({unit}) is a responsible unit for "
                    f"{len(measures)} measures of the plan, by section:")
        else:
            lead = f"{unit}是行动方案中{len(measures)}条措施的责任单位，按章节列出："
        lines = [lead]
        for section_number in unique(m.section for m in measures):
            section = self.plan.section(section_number)
            title = title_en(section.title) if lang == "en" else section.title
            lines.append(f"【{title}】")
            lines.extend(self.line(m, lang) for m in measures if m.section == section_number)
        return "\n".join(lines)

    def structure_answer(self, title: str, sections: tuple[int, ...], lang: str) -> str:
        """What a part or section contains: its sections and their measures."""
        count = sum(len(self.plan.section(s).measures) for s in sections)
        if lang == "en":
            lines = [f"“{title_en(title)}” ({title}) covers {len(sections)} section(s) "
                     f"and {count} measures:"]
        else:
            lines = [f"“{title}”包括{len(sections)}个方面、{count}条措施："]
        for number in sections:
            section = self.plan.section(number)
            first, last = section.measures[0], section.measures[-1]
            if lang == "en":
                lines.append(f"- {title_en(section.title)} ({section.title}): "
                             f"measures {first}–{last}")
            else:
                lines.append(f"- {section.title}：第{first}–{last}条")
            if len(sections) == 1:
                lines.extend(self.line(self.plan.measure(n), lang) for n in section.measures)
        return "\n".join(lines)

    def block(self, measure: Measure, lang: str) -> str:
        """A measure in full: number, section, text and responsible units."""
        section = self.plan.section(measure.section).title
        if lang == "en":
            units = "; ".join(f"{english_name(u)} ({u})" for u in measure.responsible_units)
            units = f"\nResponsible units: {units}" if units else ""
            return (f"Measure {measure.number} — {title_en(section)} ({section}), "
                    f"original text: {measure.text}{units}")
        # Some documents (regulations) name no responsible unit for their articles.
        units = f"\n责任单位：{'、'.join(measure.responsible_units)}" \
            if measure.responsible_units else ""
        return f"{measure.cite()}（{section}）：{measure.text}{units}"

    def line(self, measure: Measure, lang: str) -> str:
        """A measure on one line, for lists."""
        if lang == "en":
            return f"- Measure {measure.number}: {measure.text}"
        return f"- {measure.cite()}：{measure.text}"


def document_label(plan: Plan) -> str:
    """How answers name a document: 《title》（文号）, or 《title》 when it has no 文号."""
    number = f"（{plan.document_number}）" if plan.document_number else ""
    return f"《{plan.title}》{number}"


def greeting(lang: str, text: str) -> str:
    """The reply to a greeting or thanks (text: what was said): who the bot is, what to ask."""
    if is_thanks(text):
        return ("You're welcome! Ask me anything else about the plan." if lang == "en"
                else "不客气！还有关于行动方案的问题，随时问我。")
    if lang == "en":
        return ("Hello! I answer questions about Putuo District's 2021 business-environment "
                "action plan: what it does for businesses and which department is responsible. "
                "Try “Which department handles company deregistration?” or “measure 21”.")
    return ("您好！我是普陀区营商环境政策问答助手，根据《普陀区深化推进一流营商环境建设行动方案》"
            "回答企业办事、经营、融资等问题，并告诉您每项措施的责任单位。"
            "您可以问：“企业注销找哪个部门？”或“第21条讲什么？”")


def is_thanks(text: str) -> bool:
    """True when a greeting thanks (it gets thanks back, not an introduction)."""
    return bool(re.search(r"谢|辛苦|thank", text, re.IGNORECASE))


def refusal(lang: str) -> str:
    """What the bot says when the plan does not cover a question."""
    if lang == "en":
        return ("The Putuo business-environment action plan (2021) does not cover this, so I "
                "cannot answer it. I can help with what the plan does for businesses: company "
                "start-up and deregistration, taxes, property registration, intellectual "
                "property, financing, foreign talent and investment, and which department "
                "handles each measure. You can also ask for a measure by number, e.g. "
                "“measure 21”.")
    return ("抱歉，《普陀区深化推进一流营商环境建设行动方案》没有涉及这个问题，我无法回答。"
            "我可以解答方案中的内容，例如：企业开办和注销、纳税办税、不动产登记、知识产权保护、"
            "融资服务、外籍人才和外资企业服务，以及每项措施由哪个部门负责；"
            "也可以按编号查询，如“第21条”。")


def lead_clause(text: str, question: str, stating: Sequence[re.Pattern[str]] = ()) -> str:
    """The clause of a measure's text that shares most with the question (by character pairs,
    so it works without segmentation), verbatim; a very short clause brings the next one. In
    an item of a 政策问答 the clause comes from its answer (答：…): its question only says again
    what the owner asked.

    stating: how the details asked are stated; a clause that states one comes first, since
    it is what was asked (the measure's topic is in most of its clauses).
    """
    if answer := ANSWER.search(text):
        text = text[answer.end():]
    spans = [m.span() for m in CLAUSE.finditer(text)]
    if not spans:
        return text
    wanted = pairs(question)

    def states(i: int) -> bool:
        return any(p.search(text[slice(*spans[i])]) for p in stating)

    best = max(range(len(spans)),
               key=lambda i: (states(i), len(pairs(text[slice(*spans[i])]) & wanted), -i))
    start, end = spans[best]
    if end - start < 12 and best + 1 < len(spans):
        end = spans[best + 1][1]
    return text[start:end].strip()


# Where the answer of a question-and-answer item begins.
ANSWER = re.compile(r"答\s*[：:]")


def pairs(text: str) -> set[str]:
    """Adjacent character pairs of the Chinese runs in a text."""
    return {run[i:i + 2] for run in re.findall(r"[\u3400-\u9fff]+", text)
            for i in range(len(run) - 1)}


def unique(items) -> list:
    """Items in first-seen order, without repeats."""
    return list(dict.fromkeys(items))


def join_en(units: list[str]) -> str:
    names = [f"{english_name(u)} ({u})" for u in units]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
