"""Reviewed questions applied to the bot (real index, real embeddings): a question attached to a
measure is answered from it, an out-of-scope example is refused, nothing else changes, and they
stay applied when the library changes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.policybot import PolicyBot, load_bot
from bot.reviewed import Reviewed, SampleQuestion, question_key
from bot.settings import Settings
from ingest.queries import SampleQueries
from tests.test_library import FIXTURES
from vectorstore.embeddings import make_embeddings
from vectorstore.library import BUNDLED_ID, index_file
from vectorstore.store import connect

# Refused by the bundled plan as it stands: nothing in it is about pets.
REFUSED = "店里养的猫抓伤了顾客怎么办"
# The plan answers it from measure 21 (企业注销).
ANSWERED = "企业注销找哪个部门？"
MEASURE = 40


@pytest.fixture
def own_bot(home: Path, tmp_path: Path) -> PolicyBot:
    """A bot of its own over a copy of the session's index (reviewing changes it)."""
    shutil.copytree(home, tmp_path / "home")
    return load_bot(Settings(POLICYBOT_HOME=tmp_path / "home"))


def test_question_key_ignores_width_case_script_and_punctuation() -> None:
    assert question_key("企業註銷找哪個部門？") == question_key("企业注销 找哪个部门") == \
        "企业注销找哪个部门"
    assert question_key("ＨＯＷ do I close,  my company?") == "howdoiclosemycompany"
    assert question_key("企业注销找哪个部门") != question_key("企业设立找哪个部门")


def test_attached_questions_join_their_measures_sample_questions() -> None:
    reviewed = Reviewed((SampleQuestion("猫抓伤顾客", "a", 3), SampleQuestion("cat", "a", 3),
                         SampleQuestion("猫", "b", 3)))
    merged = reviewed.of("a").queries({3: SampleQueries(("关公司",), ()),
                                       4: SampleQueries(("x",), ())})
    assert merged == {3: SampleQueries(("关公司", "猫抓伤顾客"), ("cat",)),
                      4: SampleQueries(("x",), ())}
    assert reviewed.of("a").measure("猫抓伤顾客！") == 3 and reviewed.of("a").measure("猫") is None


def test_an_attached_question_is_answered_from_its_measure(own_bot: PolicyBot) -> None:
    before = own_bot.ask(REFUSED)
    assert before.coverage == "none" and before.citations == []
    calls: list[list[str]] = []
    embed = own_bot.embeddings.embed_documents

    def counted(texts: list[str]) -> list[list[float]]:
        calls.append(list(texts))
        return embed(texts)

    own_bot.embeddings.embed_documents = counted
    attached = SampleQuestion(REFUSED, BUNDLED_ID, MEASURE)
    own_bot.review(Reviewed((attached,)))
    for asked in (REFUSED, "店里养的猫抓伤了顾客，怎么办?", "店裡養的貓抓傷了顧客怎麼辦"):
        answer = own_bot.ask(asked)
        assert answer.coverage == "answered", asked
        assert [(c.document, c.measure) for c in answer.citations] == [(BUNDLED_ID, MEASURE)]
        assert answer.retrieved[0].measure == MEASURE
    # Answers to other questions are what they were.
    assert [c.measure for c in own_bot.ask(ANSWERED).citations] == [21]
    # A question attached before is not embedded again.
    own_bot.review(Reviewed((attached, SampleQuestion("门口摆摊", BUNDLED_ID, 12))))
    assert calls == [[REFUSED], ["门口摆摊"]]
    # Taking the attachment away takes its effect away.
    own_bot.review(Reviewed())
    assert own_bot.ask(REFUSED).coverage == "none"


def test_an_out_of_scope_example_is_refused(own_bot: PolicyBot) -> None:
    assert own_bot.ask(ANSWERED).coverage == "answered"
    own_bot.review(Reviewed(out_of_scope=(ANSWERED,)))
    refused = own_bot.ask("企业注销找哪个部门")
    assert (refused.coverage, refused.citations) == ("none", [])
    assert own_bot.ask("企业注销需要哪些材料？").coverage != "none"


def test_reviewed_questions_stay_applied_when_the_library_changes(own_bot: PolicyBot,
                                                                 tmp_path: Path) -> None:
    own_bot.review(Reviewed((SampleQuestion(REFUSED, BUNDLED_ID, MEASURE),)))
    generation = own_bot.library.generation
    index_file(connect(tmp_path / "home"), make_embeddings(),
               FIXTURES / "relief-measures.txt")
    assert own_bot.refresh() and own_bot.library.generation != generation
    answer = own_bot.ask(REFUSED)
    assert [(c.document, c.measure) for c in answer.citations] == [(BUNDLED_ID, MEASURE)]
