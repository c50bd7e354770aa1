"""Answer quality on the gold sets, run exactly as `policybot eval` runs them.

The test splits are never used for tuning or calibration; these are the release targets.
``test.jsonl`` holds clean one-line questions, ``owner-test.jsonl`` questions written the way
owners talk (stories, two needs, lists, slang, English stories, near misses…). A document
without sample questions is held to its own targets: the bundled plan indexed without them on
the test split, the three fixture documents (none has any) on ``library-dev.jsonl``, the two
documents of ``evals/gold/docs/`` loaded beside the bundled plan on ``library-dev2.jsonl``, and
the three of ``evals/gold/docs-dev3/`` (a .docx 办法, an .html 通知 page, a .md 清单) beside it
on ``library-dev3.jsonl``, whose questions near the documents' subjects but outside them must
be refused.
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

from bot.policybot import PolicyBot, load_bot
from bot.settings import Settings
from evals.gold import load_gold
from evals.report import metrics, run_gold
from ingest.formats import read_document
from ingest.plan import bundled_plan_path
from tests.test_library import FIXTURES
from vectorstore.embeddings import make_embeddings
from vectorstore.library import BUNDLED_ID, build_document, index_file
from vectorstore.store import connect

GOLD = Path(__file__).resolve().parent.parent / "evals" / "gold"
KINDS = ("who", "what", "number", "department", "lookup", "english", "colloquial", "oos")
TEST_TARGETS = {"recall@1": 0.95, "recall@5": 0.99, "cited_hit": 0.95,
                "citation_precision": 0.90, "unit_recall": 0.95, "refusal_accuracy": 0.95}
# The targets for the owner-language split.
OWNER_NEAR_MISS_TARGET = 0.95
OWNER_SET_RECALL_TARGET = 0.85
# The targets for a document indexed without sample questions.
PLAIN_CITED_HIT = 0.93
PLAIN_FALSE_REFUSALS = 0.03
# The library dev sets, at the level reached (floors against regressions).
LIBRARY_DEV_CITED_HIT = 0.85
LIBRARY_DEV_FALSE_REFUSALS = 0.06
LIBRARY_DEV2_CITED_HIT = 0.85
LIBRARY_DEV2_FALSE_REFUSALS = 0.08
LIBRARY_DEV3_CITED_HIT = 0.90
LIBRARY_DEV3_FALSE_REFUSALS = 0.03
LIBRARY_DEV3_REFUSALS = 0.50
OWNER_KINDS = ("story", "two_needs", "list", "slang", "english_story", "code_mixed",
               "traditional", "near_miss", "oos", "instruction")


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


@pytest.mark.parametrize("split", ["owner-dev", "owner-test"])
def test_owner_split_composition(split):
    items = load_gold(GOLD / f"{split}.jsonl")
    kinds = Counter(item.type for item in items)
    assert all(kinds[kind] >= 4 for kind in OWNER_KINDS), kinds
    assert kinds["near_miss"] >= 15 and kinds["list"] >= 10 and kinds["two_needs"] >= 10
    partial = [item for item in items if item.coverage == "partial"]
    assert partial and all(item.related and not item.answerable for item in partial)
    assert len({item.id for item in items}) == len(items)


def test_owner_splits_do_not_share_questions():
    dev = {item.question for name in ("owner-dev", "owner-dev2", "owner-dev3", "owner-dev4",
                                      "owner-dev5")
           for item in load_gold(GOLD / f"{name}.jsonl")}
    for held_out in ("owner-test", "owner-holdout4"):
        assert not dev & {item.question for item in load_gold(GOLD / f"{held_out}.jsonl")}


def test_owner_test_split_meets_targets(bot):
    results = run_gold(bot, load_gold(GOLD / "owner-test.jsonl"))
    overall = metrics(results)
    assert overall["false_refusal_rate"] <= 0.03, overall
    assert overall["cited_hit"] >= 0.95, overall
    assert overall["unit_recall"] >= 0.90, overall
    near_misses = metrics([r for r in results if r.coverage_expected == "partial"])
    assert near_misses["refusal_accuracy"] >= OWNER_NEAR_MISS_TARGET, near_misses
    several = metrics([r for r in results if r.type in ("two_needs", "list")])
    assert several["set_recall"] >= OWNER_SET_RECALL_TARGET, several


@pytest.fixture(scope="module")
def plain_bot(tmp_path_factory: pytest.TempPathFactory) -> PolicyBot:
    """The bot over the bundled plan indexed without its sample questions."""
    home = tmp_path_factory.mktemp("plain")
    build_document(connect(home), make_embeddings(), BUNDLED_ID,
                   read_document(bundled_plan_path()))
    return load_bot(Settings(POLICYBOT_HOME=home))


def test_test_split_without_sample_questions_meets_targets(plain_bot: PolicyBot):
    assert not plain_bot.library.index.documents[BUNDLED_ID].queries
    results = metrics(run_gold(plain_bot, load_gold(GOLD / "test.jsonl")))
    assert results["cited_hit"] >= PLAIN_CITED_HIT, results
    assert results["false_refusal_rate"] <= PLAIN_FALSE_REFUSALS, results
    assert results["refusal_accuracy"] >= TEST_TARGETS["refusal_accuracy"], results


def test_documents_without_sample_questions_answer_their_dev_questions(
        tmp_path_factory: pytest.TempPathFactory):
    home = tmp_path_factory.mktemp("fixtures")
    for path in sorted(FIXTURES.glob("*.txt")):
        index_file(connect(home), make_embeddings(), path)
    results = metrics(run_gold(load_bot(Settings(POLICYBOT_HOME=home)),
                               load_gold(GOLD / "library-dev.jsonl")))
    assert results["cited_hit"] >= LIBRARY_DEV_CITED_HIT, results
    assert results["false_refusal_rate"] <= LIBRARY_DEV_FALSE_REFUSALS, results
    assert results["refusal_accuracy"] >= 0.9, results


def test_documents_beside_the_bundled_plan_answer_their_dev_questions(
        home: Path, tmp_path_factory: pytest.TempPathFactory):
    target = tmp_path_factory.mktemp("beside") / "home"
    shutil.copytree(home, target)
    for path in sorted((GOLD / "docs").glob("*.txt")):
        index_file(connect(target), make_embeddings(), path)
    results = run_gold(load_bot(Settings(POLICYBOT_HOME=target)),
                       load_gold(GOLD / "library-dev2.jsonl"))
    overall = metrics(results)
    assert overall["cited_hit"] >= LIBRARY_DEV2_CITED_HIT, overall
    assert overall["false_refusal_rate"] <= LIBRARY_DEV2_FALSE_REFUSALS, overall
    assert overall["unit_recall"] >= 0.9, overall
    near_misses = metrics([r for r in results if r.coverage_expected == "partial"])
    assert near_misses["partial_accuracy"] >= 0.75, near_misses


def test_documents_in_other_formats_refuse_questions_beside_their_subject(
        home: Path, tmp_path_factory: pytest.TempPathFactory):
    target = tmp_path_factory.mktemp("formats") / "home"
    shutil.copytree(home, target)
    for path in sorted((GOLD / "docs-dev3").iterdir()):
        index_file(connect(target), make_embeddings(), path)
    overall = metrics(run_gold(load_bot(Settings(POLICYBOT_HOME=target)),
                               load_gold(GOLD / "library-dev3.jsonl")))
    assert overall["cited_hit"] >= LIBRARY_DEV3_CITED_HIT, overall
    assert overall["unit_recall"] >= 0.9, overall
    assert overall["false_refusal_rate"] <= LIBRARY_DEV3_FALSE_REFUSALS, overall
    assert overall["refusal_accuracy"] >= LIBRARY_DEV3_REFUSALS, overall
