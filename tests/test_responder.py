"""One message answered from the library, need by need (real index, real embeddings)."""

from __future__ import annotations

from bot.policybot import PolicyBot
from bot.responder import across, respond
from vectorstore.library import BUNDLED_ID


def test_a_detail_after_a_connector_with_no_topic_is_asked_of_the_need_before(bot: PolicyBot):
    pipeline = bot.pipeline
    query = pipeline.analyzer.run("抵押登记现在可以不见面办了吗？另外要带啥材料？")
    needs, outcomes, _ = respond(pipeline, query, None)
    assert len(needs) == 1 and len(outcomes) == 1
    assert outcomes[0].coverage == "partial" and 35 in outcomes[0].measures


def test_a_detail_need_pointing_back_rests_on_the_measure_of_the_need_before(bot: PolicyBot):
    pipeline = bot.pipeline
    query = pipeline.analyzer.run("知识产权纠纷区里能调解吗？还有，他们那调解要收费吗")
    needs, outcomes, _ = respond(pipeline, query, None)
    assert len(needs) == 2
    first, second = outcomes
    assert first.coverage == "answered" and second.coverage == "partial"
    assert set(first.measures) & set(second.measures)


def test_across_answers_from_the_document_and_says_which(bot: PolicyBot):
    library = bot.current()
    pipeline, _, _, outcomes, _ = across(library, [BUNDLED_ID], "企业注销找哪个部门？", None)
    assert pipeline.document == BUNDLED_ID
    assert [o.document for o in outcomes] == [BUNDLED_ID]
    assert outcomes[0].coverage == "answered" and 21 in outcomes[0].measures
