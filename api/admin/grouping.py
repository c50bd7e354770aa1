"""Near-duplicate questions, grouped with a count, for the console's review.

The rule: two askings are the same question when their texts are equal after
:func:`bot.reviewed.question_key` (width, case, traditional characters, spaces and punctuation
do not count). Distinct questions are near-duplicates when the character bigrams of their keys
overlap by a Jaccard index of at least ``NEAR`` (企业注销找哪个部门 and 企业注销要找哪个部门:
7 shared of 10, 0.7). Groups are formed greedily, most asked question first: each question
joins the first group whose leading question it is near, else leads a group of its own, so a
group never drifts by chaining.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from api.db.questions import LoggedQuestion
from bot.reviewed import question_key

NEAR = 0.7


def bigrams(key: str) -> frozenset[str]:
    """The character bigrams of a question key (the key itself when shorter than two)."""
    return frozenset(key[i:i + 2] for i in range(len(key) - 1)) or frozenset([key])


@dataclass
class QuestionGroup:
    """Askings of one question and its near-duplicates.

    question: the text asked most often (the latest of equals). variants: every distinct text,
    most asked first, with its count. count: askings in all. last_asked: the latest asking.
    coverage, cited: how the latest asking was answered. up, down: its ratings.
    rows: the askings.
    """

    question: str
    variants: list[tuple[str, int]]
    count: int
    last_asked: datetime
    coverage: str
    cited: list[dict]
    up: int
    down: int
    rows: list[LoggedQuestion] = field(repr=False)

    def as_item(self) -> dict:
        """The group as an item of ``GET /admin/api/questions``."""
        return {"question": self.question, "count": self.count,
                "last_asked": self.last_asked.isoformat(), "coverage": self.coverage,
                "cited": self.cited, "variants": [{"question": q, "count": n}
                                                  for q, n in self.variants],
                "up": self.up, "down": self.down}


def group_questions(rows: Iterable[LoggedQuestion]) -> list[QuestionGroup]:
    """Askings grouped into near-duplicates (see the module docstring), most asked first."""
    exact: dict[str, list[LoggedQuestion]] = defaultdict(list)
    for row in rows:
        exact[question_key(row.text)].append(row)
    order = sorted(exact, key=lambda k: (-len(exact[k]), -latest(exact[k]).timestamp()))
    leaders: list[tuple[frozenset[str], list[str]]] = []
    # Leaders by bigram, so each key is compared only with leaders it shares a bigram with.
    by_bigram: dict[str, list[int]] = defaultdict(list)
    for key in order:
        grams = bigrams(key)
        shared = Counter(i for g in grams for i in by_bigram[g])
        near = [i for i, n in sorted(shared.items())
                if n / (len(grams) + len(leaders[i][0]) - n) >= NEAR]
        if near:
            leaders[near[0]][1].append(key)
            continue
        for g in grams:
            by_bigram[g].append(len(leaders))
        leaders.append((grams, [key]))
    groups = [group([r for k in keys for r in exact[k]]) for _, keys in leaders]
    return sorted(groups, key=lambda g: (-g.count, -g.last_asked.timestamp()))


def latest(rows: list[LoggedQuestion]) -> datetime:
    return max(r.asked_at for r in rows)


def group(rows: list[LoggedQuestion]) -> QuestionGroup:
    """One group from its askings."""
    texts = Counter(r.text.strip() for r in rows)
    newest = {t: max(r.asked_at for r in rows if r.text.strip() == t) for t in texts}
    variants = sorted(texts.items(), key=lambda tn: (-tn[1], -newest[tn[0]].timestamp()))
    last = max(rows, key=lambda r: r.asked_at)
    return QuestionGroup(
        question=variants[0][0], variants=variants, count=len(rows), last_asked=last.asked_at,
        coverage=last.coverage, cited=last.cited,
        up=sum(r.rating == "up" for r in rows), down=sum(r.rating == "down" for r in rows),
        rows=rows)
