"""Question normalisation and the domain tokenizer."""

from __future__ import annotations

import pytest

from bot.query import QueryAnalyzer, Tokenizer, language


@pytest.fixture(scope="module")
def tokenizer():
    return Tokenizer()


@pytest.fixture(scope="module")
def analyzer(tokenizer, plan):
    vocabulary = {w for m in plan.measures for w in tokenizer.words(m.text) if len(w) >= 3}
    return QueryAnalyzer(vocabulary)


def test_full_width_and_traditional(analyzer):
    query = analyzer.run("企業註銷找哪個部門？第２１條")
    assert query.text == "企业注销找哪个部门?第21条"
    assert query.lang == "zh"


def test_typos_and_spoken_forms(analyzer):
    assert analyzer.run("注消公司咋办").text == "注销公司怎么办"
    assert analyzer.run("一网同办好用吗").text == "一网通办好用吗"


def test_homophones_of_plan_terms_are_corrected(analyzer):
    # 知识产全 / 不动产登计 sound like plan terms but are not words
    assert "知识产权" in analyzer.run("知识产全纠纷").text
    assert "不动产登记" in analyzer.run("不动产登计要多久").text
    # real words are left alone, and so is a measure word after a number (not 几各街镇)
    assert analyzer.run("企业开办").text == "企业开办"
    assert analyzer.run("有几个街镇开了").text == "有几个街镇开了"


def test_everyday_words_add_plan_terms(analyzer):
    query = analyzer.run("我想贷款")
    assert query.text == "我想贷款"
    assert "融资" in query.keywords


def test_english_keywords(analyzer):
    query = analyzer.run("How do I deregister my company?")
    assert query.lang == "en"
    assert "注销" in query.keywords


def test_general_policy_terms_in_english_only_when_the_document_uses_them(tokenizer):
    notice = QueryAnalyzer(set(), "发放夜间消费券，按实际年租金的30%给予补贴")
    query = notice.run("Are there vouchers or rent subsidies for night-time shops?")
    assert {"消费券", "夜间", "租金", "补贴"} <= set(query.keywords.split())
    # a document that never says 消费券 is not asked for it
    plan = QueryAnalyzer(set(), "推行企业开办一网通办")
    assert "消费券" not in plan.run("Are there vouchers?").keywords


def test_language():
    assert language("What does the tax bureau do?") == "en"
    assert language("税务局 tax") == "zh"
    assert language("Is 一网通办 available in English?") == "en"


def test_tokens_keep_jargon_and_drop_stopwords(tokenizer):
    tokens = tokenizer.tokens("企业怎么申请电子印章和“一网通办”")
    assert "电子印章" in tokens and "一网通办" in tokens
    assert "怎么" not in tokens and "和" not in tokens


def test_two_grants_for_one_thing_is_whether_they_are_both_enjoyed(analyzer):
    assert "重复享受" in analyzer.run("租金补贴还能跟别的补贴叠加吗").keywords


def test_british_spellings_are_read_the_american_way(analyzer):
    query = analyzer.run("Where is the administrative service centre? I need a licence.")
    assert "service center" in query.text and "license" in query.text
    assert "行政服务中心" in query.keywords
