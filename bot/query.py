"""Turn what an owner typed into a :class:`Query` the retrievers and router can use.

Normalisation is forgiving on purpose: full-width characters, traditional characters, known
misspellings and homophones of the plan's terms, spoken forms, and English all end up in the
plan's own vocabulary.
"""

from __future__ import annotations

import logging
import os
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

import jieba
import zhconv

# Characters are read one by one, a question's and the plan's terms' alike, so pypinyin's phrase
# dictionary (~45 MB in every worker) is left unloaded; pypinyin reads this when imported.
os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")
from pypinyin import lazy_pinyin

from bot.lexicon import BRITISH, COLLOQUIAL, DOMAIN_TERMS, ENGLISH, POLICY_ENGLISH, TYPOS
from ingest.plan import Plan

CJK_RE = re.compile(r"[\u3400-\u9fff]")
CHINESE_WORD_RE = re.compile(r"[\u3400-\u9fff]+")
LATIN_RE = re.compile(r"[A-Za-z]")
# Words people slip into a set phrase without changing it ("关老公司", "开个新店").
FILLER = "[了个点人一家的想要些都也就老新旧这那掉]?"
PUNCTUATION_RE = re.compile(r"[\s\W_]+", re.UNICODE)

# Words that carry the question's intent, not its topic; keyword search ignores them.
STOPWORDS = frozenset("""
的 了 吗 呢 啊 吧 呀 哦 嘛 么 是 我 我们 你 你们 他 她 它 在 有 和 与 及 或 等 这 那 这个 那个
什么 怎么 怎么办 怎样 如何 哪些 哪个 哪里 哪儿 哪 谁 可以 能 能不能 会 会不会 要 想 请问 请
一下 问 问题 一个 有没有 没有 是不是 多少 几 多久 公司 企业 咱们 我司 本公司 咨询 了解 知道
告诉 找 部门 负责 管 办 去 跑 需要 应该 还是 就 都 也 还 又 让 给 对 把 被 从 向 到 上 下 里 中
呢 么 嗯 好 现在 目前 普陀 普陀区 上海 上海市 区里 区 政府 方案 行动 行动方案 规定 政策里
条 项 内容 不能 不能不 不可以 能否 是否 不是 不要 不用 a an
the of to in on for and or is are do does what which who how can i we my our you your it its
this that with about any there be please tell me us be by at from as will would
""".split())


@dataclass(frozen=True)
class Query:
    """A question after normalisation.

    original: exactly what was asked.
    text: normalised (half-width, simplified Chinese, misspellings fixed, lower-case Latin).
    lang: ``zh`` or ``en``: the language to answer in.
    keywords: ``text`` plus the plan's terms for the everyday or English words in it.
    """

    original: str
    text: str
    lang: str
    keywords: str


def language(text: str) -> str:
    """``en`` for a question written in English (a stray Chinese term allowed), else ``zh``."""
    cjk = len(CJK_RE.findall(text))
    latin = len(LATIN_RE.findall(text))
    return "en" if latin >= 3 and latin > 4 * cjk else "zh"


class QueryAnalyzer:
    """Normalises questions and expands them into the plan's vocabulary.

    terms: words of the plan that a homophone may be corrected to (with the domain terms);
    only Chinese words of three or more characters are used, since two-character homophones
    are too often real, different words.
    wording: the document's text; the general policy terms for English words
    (POLICY_ENGLISH) are added only when it uses them.
    """

    def __init__(self, terms: set[str], wording: str = "") -> None:
        self._typo_re = alternation(TYPOS)
        self._british_re = re.compile(rf"\b(?:{'|'.join(BRITISH)})")
        # Spoken phrases come with fillers inside them: 被人抄 is 被抄, 不想干了 is 不干了.
        # Each with what a text must contain for it to match (the phrase's first character,
        # the English phrase): a substring test skips most of them cheaply.
        self._colloquial = [(key[0], re.compile(FILLER.join(map(re.escape, key))), terms)
                            for key, terms in COLLOQUIAL.items()]
        self._english = [(phrase, re.compile(rf"(?<![a-z]){re.escape(phrase)}"), terms)
                         for phrase, terms in ENGLISH.items()]
        self._english += [(phrase, re.compile(rf"(?<![a-z]){re.escape(phrase)}"), used)
                          for phrase, terms in POLICY_ENGLISH.items()
                          if (used := " ".join(t for t in terms.split() if t in wording))]
        self._terms = terms | set(DOMAIN_TERMS)
        self._by_sound: dict[tuple[str, ...], str] = {}
        for word in sorted(self._terms, key=len):
            if len(word) >= 3 and CHINESE_WORD_RE.fullmatch(word):
                self._by_sound.setdefault(tuple(lazy_pinyin(word)), word)
        self._lengths = sorted({len(k) for k in self._by_sound}, reverse=True)

    def run(self, question: str) -> Query:
        """Analyse one question."""
        text = unicodedata.normalize("NFKC", question).strip()
        text = zhconv.convert(text, "zh-cn")
        text = self._typo_re.sub(lambda m: TYPOS[m.group(0)], text)
        text = self.correct_homophones(text)
        lang = language(text)
        if lang == "en":
            text = self._british_re.sub(lambda m: BRITISH[m.group(0)], text.lower())
        return Query(question, text, lang, self.expand(text))

    def expand(self, text: str) -> str:
        """Normalised text plus the plan's terms for the everyday or English words in it."""
        extra = [terms for first, phrase, terms in self._colloquial
                 if first in text and phrase.search(text)]
        if LATIN_RE.search(text):
            lowered = text.lower()
            extra += [terms for words, phrase, terms in self._english
                      if words in lowered and phrase.search(lowered)]
        return " ".join([text, *extra])

    def part(self, text: str, lang: str) -> Query:
        """A query for part of an analysed message (already normalised), in its language."""
        return Query(text, text, lang, self.expand(text))

    def correct_homophones(self, text: str) -> str:
        """Replace runs of Chinese characters that sound like a plan term but are not it."""
        if not self._by_sound:
            return text
        chars = list(text)
        sounds = [sound(c) if CJK_RE.match(c) else None for c in chars]
        i = 0
        while i < len(chars):
            if i and COUNTED.match(text, i - 1):
                i += 1  # 几个街镇 is not 几各街镇: a measure word after a number stays
                continue
            for n in self._lengths:
                window = sounds[i:i + n]
                if len(window) < n or None in window:
                    continue
                term = self._by_sound.get(tuple(window))
                written = "".join(chars[i:i + n])
                if term and term != written and written not in self._terms:
                    chars[i:i + n] = list(term)
                    i += n - 1
                    break
            i += 1
        return "".join(chars)


@lru_cache(maxsize=16384)
def sound(char: str) -> str:
    """The pinyin of one Chinese character (read once: pypinyin costs more than the lookup)."""
    return lazy_pinyin(char)[0]


# A number, then its measure word ("几个", "两家", "三项").
COUNTED = re.compile(r"[\d几两一二三四五六七八九十百千万少这那哪每][个家项条位名次件]")


def alternation(table: dict[str, str]) -> re.Pattern[str]:
    """One regex matching any key of the table, longest keys first."""
    return re.compile("|".join(re.escape(k) for k in sorted(table, key=len, reverse=True)))


class Tokenizer:
    """jieba segmentation with the plan's jargon as a user dictionary, minus stop words.

    Own ``jieba.Tokenizer`` instance, so the global jieba state is left alone.
    """

    def __init__(self, extra_words: tuple[str, ...] = ()) -> None:
        # jieba reports loading its dictionary on every start; the CLI's output is the answer.
        jieba.setLogLevel(logging.WARNING)
        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()
        for word in (*DOMAIN_TERMS, *extra_words):
            self._jieba.add_word(word, freq=20000)
        # Keyword search, the scope check and the follow-up check all read one question's
        # tokens: it is segmented once.
        self._segmented = lru_cache(maxsize=1024)(self._segment)

    def tokens(self, text: str) -> list[str]:
        """Search tokens: jieba words and their sub-words, lower-cased, without stop words."""
        return list(self._segmented(text))

    def _segment(self, text: str) -> tuple[str, ...]:
        out = []
        for token in self._jieba.cut_for_search(text.lower()):
            token = token.strip()
            if not token or PUNCTUATION_RE.fullmatch(token) or token in STOPWORDS:
                continue
            out.append(token)
        return tuple(out)

    def words(self, text: str) -> list[str]:
        """Plain jieba words (no sub-words), for building vocabularies."""
        return [w for w in self._jieba.cut(text) if w.strip()]


# Words of the plan that say what is done or asked, not what about: a clause of them alone
# ("营业额要达到多少", "要准备什么材料") names no topic of its own.
NOT_TOPICS = frozenset("""
达到 申请 申报 准备 提交 办理 提供 实现 推进 加强 完善 开展 落实 进一步 建立 支持 服务 工作 办公
条件 材料 标准 流程 步骤 时间 时限 费用 收费 地址 电话 要求 情况 问题 事项 具体 相关 有关 一次 全面
""".split())


class PlanVocabulary:
    """How many measures use each search token, to tell topic words from generic ones.

    plan: the plan. tokenizer: the domain tokenizer.
    """

    # A word used by this many measures or more names no particular topic.
    GENERIC = 6
    # A word of this many measures or fewer still tells what a clause is about.
    TOPICAL = 15

    def __init__(self, plan: Plan, tokenizer: Tokenizer) -> None:
        self.document_frequency = Counter(
            t for m in plan.measures
            for t in set(tokenizer.tokens(f"{plan.section(m.section).title} {m.text}")))

    def __contains__(self, token: str) -> bool:
        return token in self.document_frequency

    def names_topic(self, token: str) -> bool:
        """True for a word of the plan that is not spread over most of it (numbers name no
        topic)."""
        return (len(token) > 1 and not token.isdigit() and token not in NOT_TOPICS
                and 0 < self.document_frequency.get(token, 0) <= self.TOPICAL)

    def is_specific(self, token: str) -> bool:
        """True for a word of the plan that points at a few measures only."""
        return len(token) > 1 and 0 < self.document_frequency.get(token, 0) < self.GENERIC
