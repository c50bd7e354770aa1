"""The policy-gap report: what owners asked that no document answers, by topic, as CSV and
Markdown; and the gold-set export of reviewed questions.

Topics are keyword clusters, not nearest measures: a question is refused because no measure is
about it, so its nearest measure says little about what it asks, while the owners' own words do
(养老金, 停车, 外卖). The clustering is greedy: the word used by the most askings (ties: the
longer word, then the first in code-point order) names a topic holding every question group
that uses it; then again over the rest. Words are the bot's search tokens (jieba with the
plan's jargon, without stop words) of two characters or more, not numbers. A question asked
once whose words no other question uses ends under "其他 (other)".
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from api.admin.grouping import QuestionGroup
from api.db.annotations import Annotation
from bot.query import Tokenizer
from bot.reviewed import CJK

OTHER = "其他 (other)"
EXAMPLES = 3


@dataclass(frozen=True)
class Topic:
    """Questions of one topic.

    name: the word that names it. count: askings in all. groups: its question groups, most
    asked first. refused, partial: askings answered with coverage none and partial.
    """

    name: str
    count: int
    groups: list[QuestionGroup]
    refused: int
    partial: int

    @property
    def last_asked(self) -> datetime:
        return max(g.last_asked for g in self.groups)

    def examples(self) -> list[str]:
        """The most asked questions of the topic."""
        return [g.question for g in self.groups[:EXAMPLES]]


def topic_words(tokenizer: Tokenizer, question: str) -> set[str]:
    """The words of a question that may name a topic."""
    return {t for t in tokenizer.tokens(question) if len(t) > 1 and not t.isdigit()}


def gap_topics(groups: list[QuestionGroup], tokenizer: Tokenizer) -> list[Topic]:
    """Question groups clustered by topic (see the module docstring), largest first, the
    other questions last."""
    words = {id(g): topic_words(tokenizer, " ".join(q for q, _ in g.variants)) for g in groups}
    left = list(groups)
    topics = []
    while left:
        weight: Counter[str] = Counter()
        for g in left:
            for w in words[id(g)]:
                weight[w] += g.count
        shared = sorted(w for w in weight if weight[w] > 1)
        if not shared:
            break
        name = max(shared, key=lambda w: (weight[w], len(w)))
        members = [g for g in left if name in words[id(g)]]
        topics.append(topic(name, members))
        left = [g for g in left if name not in words[id(g)]]
    topics.sort(key=lambda t: -t.count)
    if left:
        topics.append(topic(OTHER, left))
    return topics


def topic(name: str, groups: list[QuestionGroup]) -> Topic:
    """A topic of these groups."""
    rows = [r for g in groups for r in g.rows]
    return Topic(name, len(rows), sorted(groups, key=lambda g: -g.count),
                 sum(r.coverage == "none" for r in rows),
                 sum(r.coverage == "partial" for r in rows))


def report_csv(topics: list[Topic]) -> str:
    """One row per question group: its topic, the question, how often and how it was
    answered."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["topic", "question", "count", "refused", "partial", "last_asked",
                     "variants"])
    for t in topics:
        for g in t.groups:
            writer.writerow([t.name, g.question, g.count,
                             sum(r.coverage == "none" for r in g.rows),
                             sum(r.coverage == "partial" for r in g.rows),
                             g.last_asked.isoformat(timespec="seconds"),
                             " | ".join(q for q, _ in g.variants[1:])])
    return out.getvalue()


def report_markdown(topics: list[Topic], period: str) -> str:
    """The report for people: a table of topics with counts and examples, then each topic's
    questions. period: what the report covers, in words."""
    total = sum(t.count for t in topics)
    lines = ["# Policy-gap report", "",
             f"What owners asked that no loaded document answers ({period}): {total} "
             f"askings in {len(topics)} topics. *Refused*: no document has the topic; "
             "*partial*: a document has the topic but not the detail asked.", ""]
    if not topics:
        return "\n".join([*lines, "No unanswered questions in this period.", ""])
    lines += ["| topic | askings | refused | partial | examples |",
              "| --- | ---: | ---: | ---: | --- |"]
    lines += [f"| {cell(t.name)} | {t.count} | {t.refused} | {t.partial} | "
              f"{'; '.join(cell(e) for e in t.examples())} |" for t in topics]
    for t in topics:
        lines += ["", f"## {t.name} ({t.count})", ""]
        lines += [f"- {g.question} ×{g.count}" for g in t.groups]
    return "\n".join([*lines, ""])


def cell(text: str) -> str:
    """Text safe in a Markdown table cell."""
    return " ".join(text.replace("|", "\\|").split())


def gold_lines(annotations: list[Annotation]) -> str:
    """Reviewed questions as gold-set lines (the JSONL of ``evals/gold``): attached ones are
    answerable by their measure, out-of-scope ones are not. The id names the document a
    measure number belongs to."""
    lines = []
    for n, a in enumerate(sorted(annotations, key=lambda a: a.created_at), start=1):
        if a.kind == "dismissed":
            continue
        lang = "zh" if CJK.search(a.question) else "en"
        if a.kind == "sample":
            item = {"id": f"reviewed-{a.document}-{n:04d}", "question": a.question,
                    "expected_measures": [a.measure], "answerable": True, "lang": lang,
                    "type": "reviewed"}
        else:
            item = {"id": f"reviewed-oos-{n:04d}", "question": a.question,
                    "expected_measures": [], "answerable": False, "lang": lang, "type": "oos"}
        lines.append(json.dumps(item, ensure_ascii=False) + "\n")
    return "".join(lines)
