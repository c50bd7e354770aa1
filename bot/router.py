"""Route questions that name their target: a measure number, a department, a section or part.

These questions are answered from the plan's structure, not by search: "第21条" is measure 21
whatever the embeddings think, and "区税务局负责哪些" is every measure of that unit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.query import STOPWORDS, PlanVocabulary, Query, Tokenizer
from ingest.plan import Plan, chinese_numeral
from ingest.units import find_units

CN_NUMBER = "[零〇一二两三四五六七八九十百]+"
MEASURE_PATTERNS = (
    # 第（四）项: documents that number their items in brackets are cited with them; a 政策问答
    # cites its items 第5问.
    re.compile(rf"第\s*[(（]?\s*(\d{{1,3}}|{CN_NUMBER})\s*[)）]?\s*(?:条|项|点|款|问)"),
    re.compile(r"(?<![\d.])(\d{1,3})\s*条(?!件|例)"),
    # 七十九条 without 第: two-character numerals only, since 一条/两条/十条 are ordinary words
    re.compile(r"(?<![零〇一二两三四五六七八九十百第])"
               r"([一二三四五六七八九][十百][零〇一二三四五六七八九十]*|十[一二三四五六七八九])条(?!件|例)"),
    re.compile(r"(?:措施|条目|measure|item|article|clause|point|no\.?|number|#)\s*(\d{1,3})(?!\d)",
               re.IGNORECASE),
)
# An item numbered within its heading (三、2, 第三部分第2项), in a document whose items restart
# under every heading; its measures are labelled 第三部分第2项.
ITEM_OF_PART = re.compile(rf"(?:第\s*)?({CN_NUMBER})\s*(?:部分|、)\s*(?:第\s*)?"
                          rf"(\d{{1,2}}|{CN_NUMBER})(?![\d零〇一二两三四五六七八九十百]|\s*部分)")
ITEM_LABEL = re.compile(rf"第({CN_NUMBER})部分第(\d{{1,2}})[项点条]")
# Asking when the document itself takes effect or how long it holds.
VALIDITY_QUESTION = re.compile(
    r"(?:什么时候|何时|哪天|几号|哪一天|啥时候)(?:开始|起)?(?:施行|实施|生效)|有效期|"
    r"(?:什么时候|何时|哪天|啥时候)(?:到期|失效|废止)|"
    r"when (?:does|did|will) .{0,60}(?:take effect|come into force|expire)|valid until|"
    r"how long (?:is|are) .{0,40}valid", re.IGNORECASE)
# A measure stating the document's own validity ("本办法自2023年5月1日起施行，有效期三年").
OWN_VALIDITY = re.compile(r"本(?:办法|措施|通知|方案|规定|细则|意见|决定|条例)[^。]{0,30}"
                          r"(?:施行|实施|生效|有效期)")
PART_PATTERN = re.compile(rf"第\s*({CN_NUMBER}|\d)\s*部分|part\s*(\d)\b", re.IGNORECASE)

# Asking what a unit does, rather than asking about a topic.
DEPARTMENT_INTENT = re.compile(
    r"负责|管(?:哪些|什么|啥|几)|做(?:哪些|什么|啥)|干(?:什么|啥|哪些)|职责|任务|承担|牵头|参与|"
    r"措施|工作|条目|涉及|有关|相关|出现|事情|活儿?|列|哪几条|哪些条|几条|都有|哪些|所有|全部|"
    r"what does|what do|what is .* (?:doing|responsible)|responsible|in charge|tasks?|duties|"
    r"role|measures|involv|related|relevant|assigned|handle|work on|does .* do|list|show|all",
    re.IGNORECASE)
# Asking for the list of a unit's measures, whatever else the question says.
MEASURE_LIST = re.compile(r"哪几条|哪些条|几条|条目|哪些措施|什么措施|多少条|多少项|哪几项|哪些项|"
                          r"承担哪些|which measures|what measures|list (?:of |all |the )?measures|"
                          r"how many measures", re.IGNORECASE)
# Asking how to reach a unit or who works there: the plan names no people, addresses or hours.
CONTACT_INTENT = re.compile(r"电话|地址|在哪|哪里|几点|上班时间|办公时间|网址|邮箱|联系方式|局长|"
                            r"领导|处长|科长|主任|负责人|名字|怎么走|phone|address|where is|"
                            r"opening hours|email|website|director|head of|who runs",
                            re.IGNORECASE)
LIST_INTENT = re.compile(r"包括|包含|哪些|哪几|有什么|什么内容|方面|列出|列一下|介绍|概括|"
                         r"what(?:'s| is) in|cover|include|consist|list|overview", re.IGNORECASE)


@dataclass(frozen=True)
class Route:
    """Where a question points in the plan's structure.

    kind: ``measure`` (by number), ``department``, ``section`` or ``part``.
    measures: the measures to answer with, in plan order.
    unit: the department's canonical name, for ``department`` routes.
    title: the section or part title, for those routes.
    """

    kind: str
    measures: tuple[int, ...]
    unit: str = ""
    title: str = ""
    sections: tuple[int, ...] = field(default=())


def measure_numbers(text: str) -> list[int]:
    """Measure numbers written in the text in any of the usual forms, in order."""
    found: list[tuple[int, int]] = []
    for pattern in MEASURE_PATTERNS:
        for m in pattern.finditer(text):
            raw = m.group(1)
            try:
                number = int(raw) if raw.isdigit() else chinese_numeral(raw)
            except ValueError:
                continue
            found.append((m.start(), number))
    numbers: list[int] = []
    for _, number in sorted(found):
        if number not in numbers:
            numbers.append(number)
    return numbers


class Router:
    """Detects structural questions.

    plan: the plan.
    tokenizer: used to tell whether anything but a unit and an intent word is left in a
      department question (then it is a topic question and goes to search instead).
    """

    def __init__(self, plan: Plan, tokenizer: Tokenizer, vocabulary: PlanVocabulary) -> None:
        self.plan = plan
        self.tokenizer = tokenizer
        self.vocabulary = vocabulary
        self.items = {(chinese_numeral(m.group(1)), int(m.group(2))): measure.number
                      for measure in plan.measures
                      if (m := ITEM_LABEL.fullmatch(measure.label))}
        validity = [m.number for m in plan.measures if OWN_VALIDITY.search(m.text)]
        self.validity = validity[0] if len(validity) == 1 else None

    def run(self, query: Query) -> Route | None:
        """The route for this question, or None when it needs search."""
        text = query.text
        numbers = self.item_numbers(text) or [
            n for n in measure_numbers(text) if self.plan.measure(n)]
        if numbers:
            return Route("measure", tuple(numbers))
        # The document's own dates are in the one measure that states them.
        if self.validity is not None and VALIDITY_QUESTION.search(text):
            return Route("measure", (self.validity,))
        return self.department(query) or self.part_or_section(query)

    def item_numbers(self, text: str) -> list[int]:
        """The measures named as items of a heading (三、2), when the plan numbers its items
        so."""
        if not self.items:
            return []
        found = []
        for m in ITEM_OF_PART.finditer(text):
            item = m.group(2)
            try:
                key = (chinese_numeral(m.group(1)),
                       int(item) if item.isdigit() else chinese_numeral(item))
            except ValueError:
                continue
            if key in self.items and self.items[key] not in found:
                found.append(self.items[key])
        return found

    def department(self, query: Query) -> Route | None:
        units = [u for u in find_units(query.text) if any(
            u.name in m.responsible_units for m in self.plan.measures)]
        # A unit named with no topic of the plan beside it is a question about the unit, when
        # it asks what the unit does or says nothing else at all.
        if len(units) != 1 or CONTACT_INTENT.search(query.text):
            return None
        topic, other = self.leftover_words(query, units[0])
        asks_list = bool(MEASURE_LIST.search(query.text))
        if (topic and not asks_list) or (other and not DEPARTMENT_INTENT.search(query.text)):
            return None
        unit = units[0].name
        measures = tuple(m.number for m in self.plan.measures if unit in m.responsible_units)
        return Route("department", measures, unit=unit)

    def leftover_words(self, query: Query, unit) -> tuple[list[str], list[str]]:
        """Words left once the unit's names and the intent words are taken out: those naming
        a topic of the plan, and those the plan never uses. The plan's words for everyday or
        English ones count ("bankruptcy" is 破产)."""
        text = query.keywords.lower()
        for alias in sorted((unit.name, *unit.aliases), key=len, reverse=True):
            text = text.replace(alias.lower(), " ")
        text = DEPARTMENT_INTENT.sub(" ", text)
        text = LIST_INTENT.sub(" ", text)
        words = [t for t in self.tokenizer.tokens(text) if t not in INTENT_FILLER]
        return ([t for t in words if self.vocabulary.is_specific(t)],
                [t for t in words if t not in self.vocabulary])

    def part_or_section(self, query: Query) -> Route | None:
        text = query.text
        if m := PART_PATTERN.search(text):
            raw = m.group(1) or m.group(2)
            number = int(raw) if raw.isdigit() else chinese_numeral(raw)
            if 1 <= number <= len(self.plan.parts):
                return self.part_route(number)
        for part in self.plan.parts:
            if loose(part.title) in loose(text):
                return self.part_route(part.number)
        if not LIST_INTENT.search(text):
            return None
        for section in self.plan.sections:
            if loose(section.title) in loose(text):
                return Route("section", section.measures, title=section.title,
                             sections=(section.number,))
        return None

    def part_route(self, number: int) -> Route:
        part = self.plan.part(number)
        measures = tuple(n for s in part.sections for n in self.plan.section(s).measures)
        return Route("part", measures, title=part.title, sections=part.sections)


# Words that often surround a department question without naming a topic.
INTENT_FILLER = frozenset({
    "方案", "里", "这个", "在", "都", "哪", "几", "条", "些", "事", "事情", "主要", "具体", "有",
    "做", "要求", "工作", "任务", "措施", "一共", "分别", "全部", "所有", "单位", "责任",
    "plan", "action", "this", "under", "according", "what", "which", "does", "do", "the",
    "bureau", "office", "district", "department", "measures", "measure", "putuo",
}) | STOPWORDS


def loose(text: str) -> str:
    """Text without punctuation or quotes, for matching titles typed loosely."""
    return re.sub(r"[\s“”\"'‘’「」、，,。.？?！!：:（）()]", "", text)

