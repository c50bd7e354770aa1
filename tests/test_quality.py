"""Answer quality on the gold sets, run exactly as `policybot eval` runs them.

The test split is never used for tuning or calibration; these are the release targets.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from evals.gold import load_gold
from evals.report import metrics, run_gold

GOLD = Path(__file__).resolve().parent.parent / "evals" / "gold"
KINDS = ("who", "what", "number", "department", "lookup", "english", "colloquial", "oos")
TEST_TARGETS = {"recall@1": 0.95, "recall@5": 0.99, "cited_hit": 0.95,
                "citation_precision": 0.80, "unit_recall": 0.95, "refusal_accuracy": 0.95}


@pytest.mark.parametrize("split", ["dev", "test"])
def test_gold_split_composition(split):
    items = load_gold(GOLD / f"{split}.jsonl")
    kinds = Counter(item.type for item in items)
    assert all(kinds[kind] >= 15 for kind in KINDS), kinds
    sessions = Counter(item.session for item in items if item.session)
    assert len(sessions) >= 5 and all(turns == 2 for turns in sessions.values())
    assert len({item.id for item in items}) == len(items)


def test_splits_do_not_share_questions():
    dev = {item.question for item in load_gold(GOLD / "dev.jsonl")}
    test = {item.question for item in load_gold(GOLD / "test.jsonl")}
    assert not dev & test


def test_test_split_meets_targets(bot):
    results = metrics(run_gold(bot, load_gold(GOLD / "test.jsonl")))
    for name, target in TEST_TARGETS.items():
        assert results[name] >= target, (name, results[name])
    assert results["false_refusal_rate"] <= 0.02


def test_dev_split_recall(bot):
    results = metrics(run_gold(bot, load_gold(GOLD / "dev.jsonl")))
    assert results["recall@5"] >= 0.90
    assert results["false_refusal_rate"] <= 0.02
