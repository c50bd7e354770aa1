"""Keyword first: a question whose keyword match is decisive is answered without embedding it,
with the citations of the full search; any other question is embedded, once."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from bot.policybot import PolicyBot
from bot.search import decisive
from bot.sessions import Sessions
from vectorstore.embeddings import make_embeddings
from vectorstore.store import connect

DECISIVE = ("企业注销找哪个部门？", "地籍测绘投诉怎么办", "免罚清单是什么", "批次贷怎么申请")
# An English question is always embedded: its keywords are bridged from a lexicon.
NOT_DECISIVE = ("开办企业要多久", "不动产登记能网上办吗", "公司在哪里办理税务登记",
                "How do I close my company?")


class CountedBot:
    """A real bot over the test index whose query embeddings are counted.

    keyword_first: the bot's setting. embedded: every text the model embedded for a query.
    """

    def __init__(self, home: Path, tmp: Path, keyword_first: bool) -> None:
        embeddings = make_embeddings()
        model = embeddings.embed_query_vector
        self.embedded: list[str] = []

        def counted(text: str) -> np.ndarray:
            self.embedded.append(text)
            return model(text)

        # Set on the instance before the bot opens the index, which binds its cache to it.
        embeddings.embed_query_vector = counted
        self.bot = PolicyBot(connect(home), embeddings, Sessions(tmp / "sessions.sqlite3"),
                             keyword_first=keyword_first)


@pytest.fixture(scope="module")
def bots(home: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[bool, CountedBot]:
    tmp = tmp_path_factory.mktemp("keyword-first")
    return {on: CountedBot(home, tmp / str(on), on) for on in (True, False)}


def cited(answer) -> list[int]:
    return [c.measure for c in answer.citations]


@pytest.mark.parametrize("question", DECISIVE)
def test_decisive_question_is_answered_without_embedding(bots, question):
    pipeline = bots[True].bot.pipeline
    query = pipeline.analyzer.run(question)
    assert decisive(query, pipeline.keyword.run(query))
    before = len(bots[True].embedded)
    fast = bots[True].bot.ask(question)
    assert len(bots[True].embedded) == before
    full = bots[False].bot.ask(question)
    assert fast.answerable and full.answerable
    assert cited(fast) == cited(full)
    assert fast.coverage == full.coverage


@pytest.mark.parametrize("question", NOT_DECISIVE)
def test_other_question_is_embedded_once(bots, question):
    pipeline = bots[True].bot.pipeline
    query = pipeline.analyzer.run(question)
    assert not decisive(query, pipeline.keyword.run(query))
    before = len(bots[True].embedded)
    answer = bots[True].bot.ask(question)
    assert bots[True].embedded[before:] == [query.text]
    assert cited(answer) == cited(bots[False].bot.ask(question))


def test_setting_off_embeds_a_decisive_question(bots):
    question = "地籍测绘有投诉怎么处理"
    pipeline = bots[False].bot.pipeline
    query = pipeline.analyzer.run(question)
    assert decisive(query, pipeline.keyword.run(query))
    before = len(bots[False].embedded)
    bots[False].bot.ask(question)
    assert bots[False].embedded[before:] == [query.text]


def test_no_text_is_embedded_twice_for_a_message_of_several_needs(bots):
    counted = bots[True]
    before = len(counted.embedded)
    answer = counted.bot.ask("开办企业要多久？另外不动产登记能网上办吗？还有公司注销找谁？")
    texts = counted.embedded[before:]
    assert answer.coverage != "none"
    assert texts and max(Counter(texts).values()) == 1


@pytest.mark.parametrize("question", ("楼上装修电钻太吵了怎么投诉", "我老婆户口怎么迁过来"))
def test_keyword_evidence_never_refuses(bots, question):
    pipeline = bots[True].bot.pipeline
    query = pipeline.analyzer.run(question)
    keyword = pipeline.keyword.run(query)
    assert decisive(query, keyword)
    assert not pipeline.scope.run(query, keyword, []).in_scope
    before = len(bots[True].embedded)
    answer = bots[True].bot.ask(question)
    # Searched both ways: the full model decides, as it does with the setting off.
    assert bots[True].embedded[before:] == [query.text]
    full = bots[False].bot.ask(question)
    assert (answer.coverage, cited(answer)) == (full.coverage, cited(full))
