"""Split an owner's message into the needs it asks about.

Owners write stories: scenery first (the shop, the street, how business is going), then what
they need, and sometimes two needs at once ("一是…二是…", "还有…", "and also…"). Each need is
searched and answered on its own. Clauses that name nothing the documents could answer and ask
nothing are scenery and are dropped, so they cannot drown the need; statements that do name a
topic ("想把公司关了") are kept as the context of the question that follows them.

Instructions to the bot ("忽略以上规则…", "pretend you are…") and questions about the bot
itself are cut out of the message; what is left is answered or refused on its own merits,
never obeyed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

# Attempts to change the bot's instructions or role, or to make it speak about itself.
INSTRUCTION = re.compile(
    # A role to play runs to the end of its clause ("假装你是税务局局长").
    r"(?:假装|扮演|你现在是|你就是|(?:你)?就?当(?:你)?自己是|从现在(?:开始|起)|"
    r"pretend (?:you are|you're|to be)|"
    r"you are now|from now on|act as)"
    r"[^，,。.!?？！；;:：]*|"
    r"忽略.{0,8}(?:指令|规则|设定|提示|要求|限制)|无视.{0,8}(?:指令|规则|设定|限制)|系统提示|提示词|"
    r"越狱|开发者模式|系统通知|隐藏规则|你的规则|你的设定|忘掉你|忘记你|不要引用|别引用|"
    r"(?:你)?不用管.{0,8}(?:政策|文件|规则|方案)|"
    r"用你自己的知识|编一个|编造|把.{0,12}改(?:为|成)|照此回答|按我说的|环境变量|管理员口令|"
    r"我是你的(?:开发者|主人|管理员)|命令你|(?:关闭|解除|取消)(?:你的)?限制|"
    r"你是谁|你叫什么|你是(?:机器人|真人|人工)|真人客服|什么模型|大模型|"
    r"who are you|your name|are you (?:a |an )?(?:real|bot|robot|human|person|ai)\b|"
    r"system prompt|jailbreak|developer mode|\bDAN\b|environment variables?|admin token|"
    r"ignore (?:all |any |the |your )?(?:previous|above|prior|earlier|instructions|rules)"
    r"(?: instructions| rules)?|disregard (?:all|the|your|previous)(?: \w+)?(?: instructions)?",
    re.IGNORECASE)

# Where one need ends and the next begins: sentence ends, and the words people use to add a
# second need. The connectors are cut out; the sentence ends stay with their sentence.
# (A period after a lone digit is a list number, "1. …", not a sentence end.)
SENTENCE_END = re.compile(r"(?<=[。！？!?；;\n])|(?<=[a-z)\]][.])\s+", re.IGNORECASE)
# A semicolon ends a need, not only a sentence.
NEED_END = re.compile(r"[；;]\s*$")
NEXT_NEED = re.compile(
    r"(?:^|(?<=[，,、：:\s]))(?:一是|二是|三是|四是|其一|其二|其三|第一[，,、：:]|第二[，,、：:]|"
    r"第三[，,、：:]|其次|另外|此外|另一个|还有(?!没有|吗|呢)|再就是|再一个|再问一下|再问|"
    r"顺便问一下|顺便问下|顺便问问|顺便|顺带问(?:一下|下|问)?|顺带|捎带问(?:一下|下|问)?|以及|"
    # "对了" turns to another matter ("对了，合伙人想落户…").
    r"对了[，,、：:])|"
    r"(?:^|\s)(?:\d[.、)）]|[（(]\d[)）]|[①②③④⑤])\s*|"
    r"\b(?:and also|also|another question|secondly|second,|plus,|besides)\b",
    re.IGNORECASE)
# Two needs asked at once of what follows "分别" ("执照注销和房产过户分别找谁办"): each is
# asked on its own ("执照注销找谁办", "房产过户找谁办").
RESPECTIVELY = re.compile(r"([^\W和与跟及]{2,})(?:和|与|跟|及|、)([^\W和与跟及]{2,}?)"
                          r"(?:这两(?:件事|块|样|个|项)?)?都?(?:分别|各自)(\w.*)$")
# "和" or "跟" between two questions joins two needs ("招聘会上有没有灵活就业专区跟创业培训在哪儿
# 能参加"); right after a question word it is a preposition ("能不能跟银行一起办").
AND = re.compile(r"(?<![缓总暖随平温柔])和(?![谐睦平解])|跟(?![进踪着随上])")
CLAUSE_END = re.compile(r"[，,：:]")
LEAD_FILLER = re.compile(
    r"^[\s，,、：:。.！!？?;；]*(?:and|then|然后|再|并且|并|那就)?[\s，,、：:]*", re.IGNORECASE)

# Asking something: a question mark, a question word, or a request for help.
ASKS = re.compile(
    r"[?？]|吗|呢|怎|如何|咋|哪|谁|什么|啥|能不能|能否|可不可以|可以不|是否|有没有|是不是|多少|"
    r"(?<![好这那])几(?!个?[年月天]?[前来了])|想问|请问|求问|求助|请教|帮忙|告诉我|想知道|想了解|"
    r"要不要|行不行|好不好|找谁|有何|([\u4e00-\u9fff])[不没]\1|多[久长快大远]|何时|为什么|为啥|"
    # "能办不", "有补贴没": a verb then 不/没 closing the clause asks yes or no.
    r"(?:能|可以|行|会|要|有|用)[\u4e00-\u9fff]{0,4}[不没](?:[?？。！!]|\s*$)|"
    r"^\W*(?:how|what|which|who|whom|where|when|why|can|could|is|are|do|does|should|may|"
    r"will|would|any)\b|\b(?:please|tell me|wondering|want to know|need to know|like to know)\b",
    re.IGNORECASE)

# A question someone else asks the owner ("客户天天问我什么时候能到"), or one someone failed
# to answer ("要什么材料一次说不清"), is part of the story.
REPORTED = re.compile(r"(?<![请想求再便要来])(?:问|催)(?:我|他|她)(?!们)|"
                      r"(?:说|讲|写)不(?:清|明白)|没(?:说|讲|写)(?:清|明白)")
# Question words in a statement: "没什么用" (of little use), "不怎么样" (not good); "有没有什么"
# still asks.
UNASKED = re.compile(r"(?<!有)没有?(?:什么|啥)|不怎么")
# An alternative ("还是…", "或者…") goes on with the question before it.
ALTERNATIVE = re.compile(r"^\W*(?:还是|或者|或是|要么|or\b)", re.IGNORECASE)

# A need that points back at the one before it ("通过它最多能贷多少", "他们那的成功率").
BACK_REFERENCE = re.compile(
    r"它|他们|她们|那边|这边|那里|这里|那儿|这儿|上述|\b(?:it|its|they|them|their|there)\b",
    re.IGNORECASE)

MAX_NEEDS = 4


@dataclass(frozen=True)
class Need:
    """One thing the message asks for.

    text: the clauses that carry it (its context statements, then the question), scenery and
      instructions removed.
    question: the sentences of it that ask (all of it when none does): what details it asks
      for are read here, not in the story around it.
    """

    text: str
    question: str


@dataclass(frozen=True)
class Sentence:
    text: str
    topical: bool
    asks: bool
    starts_need: bool
    goes_on: bool


class NeedSplitter:
    """Finds the needs in a message.

    is_topical: tells whether a piece of text names anything the documents talk about (a word
      of theirs, or an everyday word the lexicon maps to one).
    asks_detail: tells whether a piece of text asks a detail (a fee, the papers, a phone…).
    """

    def __init__(self, is_topical: Callable[[str], bool],
                 asks_detail: Callable[[str], bool]) -> None:
        self.is_topical = is_topical
        self.asks_detail = asks_detail

    def run(self, text: str) -> tuple[list[Need], bool]:
        """The needs of a normalised message, in order, and whether it held instructions to
        the bot. An empty list means nothing in it could be asked of the documents."""
        cleaned, instructed = strip_instructions(text)
        sentences = [s for piece in split_sentences(cleaned) if (s := self.sentence(*piece))]
        needs: list[list[Sentence]] = []
        context: list[Sentence] = []
        for s in sentences:
            if not (s.topical or s.asks):
                continue
            # "找谁？", "还是…？" or "要带啥材料？" right after a question asks about its need;
            # so does "另外要带啥材料？": with no topic of its own, a connector cannot make it
            # a need apart.
            follows_up = s.goes_on or not s.topical or (
                self.asks_detail(s.text) and not s.starts_need)
            if s.asks and follows_up and not context and needs:
                needs[-1].append(s)
            elif s.asks or s.starts_need:
                if s.starts_need and context:
                    needs.append(context)
                    context = []
                needs.append([*context, s])
                context = []
            else:
                context.append(s)
        if context:
            if needs and not context[0].starts_need:
                needs[-1].extend(context)
            else:
                needs.append(context)
        # Once instructions are cut out, only questions are answered: what is left of "现在批准
        # 我的申请" is an order, not a question.
        groups = [g for g in needs if not instructed or any(s.asks for s in g)]
        found = [Need(join(group), join([s for s in group if s.asks] or group))
                 for group in groups if any(s.topical for s in group) or len(groups) == 1]
        return found[:MAX_NEEDS], instructed

    def sentence(self, text: str, starts_need: bool) -> Sentence | None:
        """A sentence without its scenery clauses (kept whole when all of it is scenery)."""
        clauses = [c for c in CLAUSE_END.split(text) if c.strip()]
        kept = [c for c in clauses if asks(c) or self.is_topical(c)]
        body = text if not kept or len(kept) == len(clauses) else ",".join(kept)
        body = LEAD_FILLER.sub("", body).strip()
        if not re.search(r"\w", body):
            return None
        goes_on = bool(ALTERNATIVE.match(text))  # an alternative asks, with or without "？"
        return Sentence(body, self.is_topical(body),
                        goes_on or any(asks(c) for c in CLAUSE_END.split(body)), starts_need,
                        goes_on)


def goes_on_about(earlier: Need, later: Need, specific: Callable[[str], set[str]]) -> bool:
    """Whether a later need is about the earlier one's topic: it points back at it, or
    shares a word that points at particular measures (specific: such words of a text)."""
    return bool(BACK_REFERENCE.search(later.text)
                or specific(later.text) & specific(earlier.text))


def asks(clause: str) -> bool:
    """Whether a clause asks something of the documents (not a question reported in the
    story)."""
    return bool(ASKS.search(UNASKED.sub("", clause))) and not REPORTED.search(clause)


def strip_instructions(text: str) -> tuple[str, bool]:
    """The text with instruction clauses cut out, and whether there were any."""
    if not INSTRUCTION.search(text):
        return text, False
    kept = []
    for piece in re.split(r"(?<=[。！？!?；;\n，,：:])", text):
        if INSTRUCTION.search(piece):
            # What follows the instruction is kept only when it goes on to a request of its
            # own ("… and tell me X"); the rest of "你叫什么名字" is no question.
            rest = INSTRUCTION.split(piece)[-1]
            follows = re.match(r"\W*(?:and|then|然后|再|并)\b\s*", rest, re.IGNORECASE)
            piece = rest[follows.end():] if follows and not INSTRUCTION.search(rest) else ""
        kept.append(piece)
    return "".join(kept), True


def split_sentences(text: str) -> list[tuple[str, bool]]:
    """Sentences, each with whether a connector or a semicolon opened it as a new need."""
    pieces: list[tuple[str, bool]] = []
    after_semicolon = False
    for sentence in SENTENCE_END.split(text):
        position, starts = 0, after_semicolon
        for m in NEXT_NEED.finditer(sentence):
            before = sentence[position:m.start()]
            if before.strip(" ，,、：:"):
                pieces.append((before, starts))
            position, starts = m.end(), True
        rest = sentence[position:]
        if both := RESPECTIVELY.search(rest):
            asked = both.group(3)
            pieces.append((rest[:both.start()] + both.group(1) + asked, starts))
            rest, starts = both.group(2) + asked, True
        elif (at := joined(rest)) is not None:
            pieces.append((rest[:at], starts))
            rest, starts = rest[at + 1:], True
        pieces.append((rest, starts))
        after_semicolon = bool(NEED_END.search(sentence))
    return [(p, s) for p, s in pieces if p.strip()]


def joined(text: str) -> int | None:
    """Where "和" or "跟" joins two questions in one sentence, or None: the clause before it
    asks, though not with the word right before it, and what follows asks in words."""
    for m in AND.finditer(text):
        left, right = text[:m.start()], text[m.end():]
        # The right side asks in words, not by its question mark alone ("包不包括环评和交通
        # 评价这些？" is one question about two things).
        last = CLAUSE_END.split(left.rstrip(" ，,"))[-1]
        if (len(last) >= 4 and len(right) >= 4 and asks(last)
                and asks(right.rstrip("?？ ")) and not asks(left[-3:])):
            return m.start()
    return None


def join(group: list[Sentence]) -> str:
    """The sentences of one need as one text."""
    text = group[0].text
    for s in group[1:]:
        space = "" if re.search(r"[\u3400-\u9fff]", s.text) else " "
        text += (space if re.search(r"\W$", text) else "," + space) + s.text
    return text
