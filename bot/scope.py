"""Does the plan have a need's topic at all? A calibrated out-of-scope detector.

A single dense-score threshold cannot tell (an unanswerable question can score 0.89 and an
answerable one 0.75), so the decision combines several signals in a logistic model whose
weights are fitted on the dev and calibration sets (``python -m evals.calibrate``), never on the
test set. It is fitted twice: on the bundled plan indexed with its sample questions, for
documents that have them, and on the plan indexed without, for documents that have none (their
questions are compared with the measures' wording alone, so every score runs lower):

- how much of the question is plan vocabulary, and how strongly keyword search matches;
- how strongly and how distinctly dense search matches, and whether both searches agree;
- whether it names another district or city.

Each is fitted a second time on the keyword signals alone (``KEYWORD_FEATURES``), for a need
whose keyword ranking is decisive: it is answered without a query embedding when that model is
sure the plan has its topic (its threshold sits above every out-of-scope training question);
otherwise it is searched both ways and the full model decides (see ``bot.search``).

Whether the measures state the detail a need asks for (a fee, a deadline…) is not this
module's question: ``bot.details`` decides that, and a topic the plan has with a detail it does
not state is a partial answer, not a refusal.

Greetings are answered as greetings. Subjects the plan never deals with (the weather, shares,
personal income tax…) are refused when the question names no topic of the plan besides; a
single word never refuses a question that is otherwise about the plan.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from bot.query import Query, Tokenizer
from bot.retrievers import Hit

MODEL_PATH = Path(__file__).with_name("scope_model.json")

# Subjects no measure of the plan is about. They decide only when the question names no topic
# of the plan besides: "个税怎么算" is refused, "注销时个税清缴找谁" is searched.
OFF_TOPIC = re.compile(
    r"天气|下雨|气温|weather|笑话|joke|作文|写诗|一首诗|诗歌|poem|essay|股票|基金|比特币|炒股|"
    r"stock tip|crypto|bitcoin|彩票|lottery|个税|个人所得税|年终奖|personal income tax|房贷利率|"
    r"公积金|社保.{0,4}(?:比例|基数)|最低工资|minimum wage|退休|养老金|医保|子女入学|上学|"
    r"入学|小学|幼儿园|辞职信|情书|菜谱|减肥|旅游|电影|游戏|噪音|扰民|邻居",
    re.IGNORECASE)
# Requests refused whatever topic of the plan they name: help with breaking the law, writing a
# document for the owner, recommending a private provider. ("帮我写一下企业注销找哪些部门"
# asks a question; "帮我写一份商业计划书" asks for a document.)
NOT_OURS = re.compile(
    r"假发票|虚开|洗钱|逃税|偷税|漏税|骗税|骗补|骗取|冒用|盗用|伪造|造假|绕过监管|黑进|黑客|"
    r"fake invoice|launder|evade tax|tax evasion|\bhack|forge|impersonat|"
    r"(?:写|起草|拟|撰写|润色|改改|改一下)(?:一下|一份|一封|一篇|个|份|封|篇|段)?"
    r"[^,，。?？]{0,12}"
    r"(?:计划书|申请书|信|稿|通知|简历|报告|文案|合同|邮件|文章|诗|作文|总结|演讲|批复|公文)|"
    r"\b(?:write|draft) (?:me )?(?:a|an|the) |"
    r"推荐.{0,6}(?:会计|代账|律师|中介|机构|公司|银行)|"
    r"recommend (?:me )?(?:a|an|some)? ?(?:good |reliable |cheap )?(?:\w+ )?(?:accountant|"
    r"accounting|lawyer|law firm|agency|firm|bank|bookkeep)|"
    r"翻译(?:成|为)(?:英文|中文|英语|汉语)|帮我翻译|把.{0,20}翻译|"
    r"translate (?:this|it|the following)",
    re.IGNORECASE)

# A wrong done to the asker, not one asked for: "商品图被同行盗用", "公章被人伪造了", "our
# logo was forged". The owner is the victim and asks what a document may well answer. (Only
# the passive tells it: "帮我伪造我们的公章" asks for the wrong, whoever's seal it is; and
# "不被查出来虚开" asks how not to be caught.)
SUFFERED = re.compile(r"(?<![不别免])被[^，,。.？?！!；;]{0,6}$|"
                      r"\b(?:was|were|been|being|got|get) $",
                      re.IGNORECASE)

# Asking what happens to those who break the rules is asking what a document provides (追回,
# 取消资格…), not for help breaking them: "骗取补贴会怎样" is answered, "教我骗取补贴" is not.
CONSEQUENCES = re.compile(
    r"会(?:怎么样|怎样|如何)|会怎么(?:处理|处罚|罚|办)|(?:怎么|如何)(?:处理|处罚|处置|追责)|"
    r"(?:什么|哪些|啥)(?:后果|处罚|处理|责任)|后果|追回|追究|"
    r"what happens|consequences?|penalt(?:y|ies) for", re.IGNORECASE)

SMALL_TALK_REASON = "small talk"
# Greetings and thanks, refused only when that is all the message says.
SMALL_TALK = re.compile(
    r"^(?:你好|您好|谢谢|谢谢你|多谢|辛苦了|再见|早上好|下午好|晚上好|在吗|哈喽|hi|hello|hey|"
    r"thanks|thank you|bye|good morning)[\s,，!！。.~]*(?:你|您|了|啊|呀)?[\s,，!！。.~]*$",
    re.IGNORECASE)

OTHER_PLACES = re.compile(
    r"浦东|徐汇|闵行|静安|长宁|黄浦|杨浦|虹口|宝山|嘉定|松江|青浦|奉贤|金山|崇明|北京|深圳|广州|杭州|"
    r"苏州|南京|天津|重庆|成都|武汉|全国(?!性)|国家层面|pudong|xuhui|minhang|jing'an|beijing|shenzhen|"
    r"hangzhou|guangzhou|nationwide", re.IGNORECASE)
HOME = re.compile(r"普陀|putuo", re.IGNORECASE)
FEATURES = ("bm25", "coverage", "matched", "dense", "dense_gap", "agree", "other_place",
            "english")
# The signals known without dense search.
KEYWORD_FEATURES = ("bm25", "coverage", "matched", "other_place", "english")


@dataclass(frozen=True)
class ScopeEvidence:
    """The signals the detector weighs (see the module docstring)."""

    bm25: float
    coverage: float
    matched: float
    dense: float
    dense_gap: float
    agree: float
    other_place: float
    english: float

    def vector(self, names: tuple[str, ...] = FEATURES) -> list[float]:
        """The values of the signals named, in order."""
        return [getattr(self, name) for name in names]


@dataclass(frozen=True)
class ScopeDecision:
    """in_scope: answer or refuse. probability: the model's P(in scope). reason: why."""

    in_scope: bool
    probability: float
    reason: str


@dataclass
class ScopeModel:
    """Logistic regression on standardised features.

    weights: one per feature it weighs (all of FEATURES, or KEYWORD_FEATURES). bias: intercept.
    threshold: P(in scope) below which to refuse (a keyword model's: below which to search
      both ways).
    means, scales: per-feature standardisation fitted with the weights.
    several: the threshold when several documents are loaded, None for the same one. Each
      document decides on its own and a question is answered when any of them takes it, so
      with more documents more out-of-scope questions would pass at one document's threshold.
    """

    weights: dict[str, float]
    bias: float
    threshold: float
    means: dict[str, float]
    scales: dict[str, float]
    several: float | None = None

    def probability(self, evidence: ScopeEvidence) -> float:
        z = self.bias + sum(w * (getattr(evidence, n) - self.means[n]) / self.scales[n]
                            for n, w in self.weights.items())
        return 1.0 / (1.0 + math.exp(-z))


@dataclass(frozen=True)
class ScopeModels:
    """The scope model as fitted for documents with sample questions and without, on every
    signal and on the keyword signals alone.

    samples: fitted on the bundled plan indexed with its sample questions.
    plain: fitted on the bundled plan indexed without them.
    samples_keyword, plain_keyword: the same on KEYWORD_FEATURES, for decisive keyword
      rankings.
    """

    samples: ScopeModel
    plain: ScopeModel
    samples_keyword: ScopeModel
    plain_keyword: ScopeModel

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> ScopeModels:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(**{name: ScopeModel(**model) for name, model in data.items()})

    def save(self, path: Path = MODEL_PATH) -> None:
        path.write_text(json.dumps(asdict(self), indent=2, ensure_ascii=False) + "\n",
                        encoding="utf-8")

    def model(self, samples: bool, keyword: bool = False, several: bool = False
              ) -> ScopeModel:
        """The model for a document indexed with sample questions (samples) or without, on
        every signal or on the keyword signals alone (keyword), in a library of several
        documents or of that one alone (several)."""
        if keyword:
            return self.samples_keyword if samples else self.plain_keyword
        model = self.samples if samples else self.plain
        if several and model.several is not None:
            return replace(model, threshold=model.several)
        return model


class ScopeDetector:
    """Decides whether the plan covers a question.

    tokenizer: the domain tokenizer; vocabulary: the keyword index's vocabulary.
    model: fitted weights. keyword_model: the same on the keyword signals alone, for a need
      searched without dense search.
    names_topic: whether a text names a topic of the plan.
    """

    def __init__(self, tokenizer: Tokenizer, vocabulary: set[str], model: ScopeModel,
                 keyword_model: ScopeModel, names_topic: Callable[[str], bool]) -> None:
        self.tokenizer = tokenizer
        self.vocabulary = vocabulary
        self.model = model
        self.keyword_model = keyword_model
        self.names_topic = names_topic

    def evidence(self, query: Query, keyword_hits: list[Hit],
                 dense_hits: list[Hit]) -> ScopeEvidence:
        """The detector's inputs for one question and its search results."""
        tokens = self.tokenizer.tokens(query.keywords)
        matched = [t for t in tokens if t in self.vocabulary]
        dense_top = dense_hits[0].score if dense_hits else 0.0
        dense_tail = dense_hits[-1].score if dense_hits else 0.0
        return ScopeEvidence(
            bm25=math.log1p(keyword_hits[0].score) if keyword_hits else 0.0,
            coverage=len(matched) / len(tokens) if tokens else 0.0,
            matched=math.log1p(len(set(matched))),
            dense=dense_top,
            dense_gap=dense_top - dense_tail,
            agree=agreement(keyword_hits, dense_hits),
            other_place=float(bool(OTHER_PLACES.search(query.text))
                              and not HOME.search(query.text)),
            english=float(query.lang == "en"),
        )

    def is_small_talk(self, query: Query) -> bool:
        """True for a greeting or thanks and nothing else."""
        return bool(SMALL_TALK.match(query.text.strip()))

    def is_not_ours(self, query: Query) -> bool:
        """True for a message asking what no document answers (see NOT_OURS), unless it was
        done to the asker (SUFFERED) or it asks what the consequences are; checked on the whole
        message, since the rest of it only says more about that request."""
        asked = [m for m in NOT_OURS.finditer(query.text)
                 if not SUFFERED.search(query.text[:m.start()])]
        return bool(asked) and not CONSEQUENCES.search(query.text)

    def run(self, query: Query, keyword_hits: list[Hit],
            dense_hits: list[Hit]) -> ScopeDecision:
        """Answer or refuse, with the probability and the reason (dense_hits empty: the need
        was searched by keyword alone, and the keyword model decides)."""
        if self.is_small_talk(query):
            return ScopeDecision(False, 0.0, SMALL_TALK_REASON)
        # The off-topic phrase's own words ("社保缴费比例" holds 缴费) name no plan topic.
        if (OFF_TOPIC.search(query.text)
                and not self.names_topic(OFF_TOPIC.sub(" ", query.keywords))):
            return ScopeDecision(False, 0.0, "subject outside the plan")
        model = self.model if dense_hits else self.keyword_model
        probability = model.probability(self.evidence(query, keyword_hits, dense_hits))
        return ScopeDecision(probability >= model.threshold, probability, "scope model")


def agreement(keyword_hits: list[Hit], dense_hits: list[Hit]) -> float:
    """1 when both searches rank the same measure first, 0.5 when each one's first is in the
    other's top 3, else 0."""
    if not keyword_hits or not dense_hits:
        return 0.0
    if keyword_hits[0].measure == dense_hits[0].measure:
        return 1.0
    near = (keyword_hits[0].measure in {h.measure for h in dense_hits[:3]}
            and dense_hits[0].measure in {h.measure for h in keyword_hits[:3]})
    return 0.5 if near else 0.0
