"""The bot over a library: the bundled plan and the three fixture documents in one store (real
Chroma, real embeddings), through the bot, the HTTP API and the channels."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.wechat.format import wechat_text
from bot.policybot import PolicyBot, load_bot
from bot.settings import Settings
from tests.test_formats import paragraphs, write_docx
from tests.test_library import FIXTURES, RELIEF
from vectorstore.embeddings import make_embeddings
from vectorstore.library import (
    BUNDLED_ID,
    UnknownDocument,
    build_document,
    index_file,
    remove_document,
)
from vectorstore.store import connect

RELIEF_LABEL = "《长川市支持中小微企业纾困发展的若干措施》（长府办发〔2023〕5号）"
SUBSIDY = "贷款贴息单户企业最高补贴多少？"


def library_home(home: Path, target: Path) -> Path:
    """A copy of the session's home (the bundled plan indexed) with the three fixtures added."""
    shutil.copytree(home, target)
    client = connect(target)
    for path in sorted(FIXTURES.glob("*.txt")):
        index_file(client, make_embeddings(), path)
    return target


@pytest.fixture(scope="module")
def library(home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return library_home(home, tmp_path_factory.mktemp("library") / "home")


@pytest.fixture(scope="module")
def library_bot(library: Path) -> PolicyBot:
    return load_bot(Settings(POLICYBOT_HOME=library))


@pytest.fixture(scope="module")
def api(library: Path):
    settings = Settings(POLICYBOT_HOME=library, POLICYBOT_RATE_LIMIT=0)
    with TestClient(create_app(settings)) as client:
        yield client


def test_a_relief_measure_is_cited_with_its_units_and_document(library_bot: PolicyBot):
    answer = library_bot.ask(SUBSIDY)
    assert answer.coverage == "answered"
    [cited] = answer.citations
    assert (cited.document, cited.measure, cited.label) == ("relief-measures", 5, "第（五）项")
    assert cited.units == ["市财政局", "市地方金融监管局"] and "50万元" in cited.text
    assert answer.answer.startswith(f"{RELIEF_LABEL}第（五）项规定，单户企业最高补贴50万元")
    assert all(r.document for r in answer.retrieved)
    # which document and year the answer rests on, and that the document has expired
    last = answer.answer.splitlines()[-1]
    assert last.startswith(f"（依据：{RELIEF_LABEL}，2023年")
    assert ("已失效" in last) == (date.today().isoformat() > "2024-12-31")


def test_each_document_answers_its_own_topics(library_bot: PolicyBot):
    answer = library_bot.ask("创业担保贷款个人最高额度是多少")
    assert (answer.citations[0].document, answer.citations[0].label) == (
        "loan-subsidy-regulation", "第四条")
    assert "30万元" in answer.answer and "责任单位：" not in answer.answer  # it names none
    answer = library_bot.ask("企业注销找哪个部门？")
    assert (answer.citations[0].document, answer.citations[0].measure) == (BUNDLED_ID, 21)
    refused = library_bot.ask("怎么养猫")
    assert refused.coverage == "none" and RELIEF_LABEL in refused.answer
    hello = library_bot.ask("你好")
    assert hello.coverage == "none" and RELIEF_LABEL in hello.answer and "您好" in hello.answer


def test_a_library_without_the_bundled_plan_names_its_own_documents(tmp_path: Path):
    index_file(connect(tmp_path), make_embeddings(), RELIEF)
    bot = load_bot(Settings(POLICYBOT_HOME=tmp_path))
    for question, start in (("怎么养猫", "抱歉"), ("你好", "您好"),
                            ("帮我写一份商业计划书", "抱歉")):
        answer = bot.ask(question)
        assert answer.coverage == "none" and answer.answer.startswith(start), question
        assert RELIEF_LABEL in answer.answer and "普陀" not in answer.answer, question
    assert bot.ask("谢谢").answer.startswith("不客气")


def test_lookup_by_number_follows_the_named_document(library_bot: PolicyBot):
    plain = library_bot.ask("第5条")
    assert [(c.document, c.measure) for c in plain.citations] == [(BUNDLED_ID, 5)]
    for question in ("2023年措施第四项", "长府办发〔2023〕5号第（四）项讲什么"):
        named = library_bot.ask(question)
        assert [(c.document, c.measure) for c in named.citations] == [("relief-measures", 4)]
        assert named.answer.startswith(f"{RELIEF_LABEL}第（四）项")
    # two documents and no name: the bot asks which one
    ambiguous = library_bot.ask("第3项", documents=["relief-measures", "employment-notice"])
    assert ambiguous.coverage == "none" and not ambiguous.citations
    assert "哪一份" in ambiguous.answer and RELIEF_LABEL in ambiguous.answer
    assert "《关于进一步做好2023年稳就业工作的通知》" in ambiguous.answer


def test_follow_ups_stay_in_their_document_unless_another_is_named(library_bot: PolicyBot):
    first = library_bot.ask(SUBSIDY, "library-session")
    follow_up = library_bot.ask("找哪个部门？", "library-session")
    assert [(c.document, c.measure) for c in follow_up.citations] == [("relief-measures", 5)]
    assert "市财政局" in follow_up.answer and first.session_id == "library-session"
    fresh = library_bot.ask("企业注销找哪个部门？", "library-session")
    assert [(c.document, c.measure) for c in fresh.citations] == [(BUNDLED_ID, 21)]


def test_each_need_is_answered_from_the_document_that_covers_it(library_bot: PolicyBot):
    answer = library_bot.ask("贷款贴息单户企业最高补贴多少？另外企业注销找哪个部门？")
    assert [(c.document, c.measure) for c in answer.citations] == [
        ("relief-measures", 5), (BUNDLED_ID, 21)]
    assert {r.document for r in answer.retrieved} == {"relief-measures", BUNDLED_ID}
    sources = [line for line in answer.answer.splitlines() if line.startswith("（依据：")]
    assert [s.split("》")[0] for s in sources] == [
        "（依据：《长川市支持中小微企业纾困发展的若干措施",
        "（依据：《普陀区深化推进一流营商环境建设行动方案"]


def test_documents_limit_the_search(library_bot: PolicyBot):
    answer = library_bot.ask("零工市场", documents=["employment-notice"])
    assert {c.document for c in answer.citations} == {"employment-notice"}
    only = library_bot.ask(SUBSIDY, documents=[BUNDLED_ID])
    assert "relief-measures" not in {c.document for c in [*only.citations, *only.related]}
    with pytest.raises(UnknownDocument, match="nope"):
        library_bot.ask(SUBSIDY, documents=["nope"])


def test_api_lists_documents_and_their_measures(api: TestClient):
    listed = api.get("/api/v1/documents").json()
    assert [d["id"] for d in listed] == [BUNDLED_ID, "employment-notice",
                                         "loan-subsidy-regulation", "relief-measures"]
    relief = listed[-1]
    assert {k: relief[k] for k in ("title", "number", "issuer", "date", "measures")} == {
        "title": "长川市支持中小微企业纾困发展的若干措施", "number": "长府办发〔2023〕5号",
        "issuer": "长川市人民政府办公厅", "date": "2023年1月5日", "measures": 13}
    assert relief["status"] in {"in force", "expired"}
    measure = api.get("/api/v1/documents/relief-measures/measures/4").json()
    assert measure["text"].startswith("设立纾困专项贷款") and measure["number"] == 4
    assert api.get("/api/v1/measures/4").json()["text"] != measure["text"]  # the bundled plan
    unknown = api.get("/api/v1/documents/nope/measures/4")
    assert unknown.status_code == 404 and "nope" in unknown.json()["detail"]
    assert api.get("/healthz").json()["measures"] == 100 + 11 + 14 + 13
    missing = api.get("/api/v1/documents/relief-measures/measures/99")
    assert missing.status_code == 404 and "99" in missing.json()["detail"]


def test_api_ask_takes_documents(api: TestClient):
    body = api.post("/api/v1/ask", json={"question": SUBSIDY,
                                         "documents": ["relief-measures"]}).json()
    assert body["citations"][0]["document"] == "relief-measures"
    assert body["citations"][0]["source"] == RELIEF_LABEL
    refused = api.post("/api/v1/ask", json={"question": SUBSIDY, "documents": ["nope"]})
    assert refused.status_code == 422 and "no document 'nope'" in refused.json()["detail"]


def test_channels_name_the_document(library_bot: PolicyBot, api: TestClient):
    text = wechat_text(library_bot.ask(SUBSIDY))
    assert text.startswith("【长府办发〔2023〕5号 第（五）项】规定")
    reply = api.post("/v1/chat/completions", json={
        "model": "policybot", "messages": [{"role": "user", "content": SUBSIDY}]}).json()
    assert reply["choices"][0]["message"]["content"].startswith(RELIEF_LABEL)
    assert reply["citations"][0]["document"] == "relief-measures"


def test_replacing_and_removing_a_document(home: Path, tmp_path: Path):
    target = tmp_path / "home"
    shutil.copytree(home, target)
    client = connect(target)
    e5 = make_embeddings()
    index_file(client, e5, RELIEF)
    bot = load_bot(Settings(POLICYBOT_HOME=target))
    assert "50万元" in bot.ask(SUBSIDY).answer

    edited = RELIEF.read_text(encoding="utf-8").replace("单户企业最高补贴50万元",
                                                        "单户企业最高补贴80万元")
    build_document(client, e5, "relief-measures", edited)
    assert bot.refresh()
    answer = bot.ask(SUBSIDY)
    assert "80万元" in answer.answer and "50万元" not in answer.answer

    remove_document(client, "relief-measures")
    assert bot.refresh()
    gone = bot.ask(SUBSIDY)
    assert all(c.document == BUNDLED_ID for c in [*gone.citations, *gone.related])
    assert RELIEF_LABEL not in gone.answer
    # with the bundled plan alone again, answers name no document
    assert "依据" not in bot.ask("企业注销找哪个部门？").answer


def test_removing_the_last_document_makes_the_server_wait(tmp_path: Path):
    client = connect(tmp_path)
    index_file(client, make_embeddings(), FIXTURES / "loan-subsidy-regulation.txt")
    with TestClient(create_app(Settings(POLICYBOT_HOME=tmp_path,
                                        POLICYBOT_RATE_LIMIT=0))) as api:
        question = {"question": "创业担保贷款个人最高额度是多少"}
        assert api.post("/api/v1/ask", json=question).status_code == 200
        api.app.state.bot.refresh_seconds = 0  # look for changes at once
        remove_document(client, "loan-subsidy-regulation")
        empty = api.post("/api/v1/ask", json=question)
        assert empty.status_code == 503 and "policybot ingest" in empty.json()["detail"]


def test_a_docx_is_ingested_and_answered(tmp_path: Path):
    path = tmp_path / "relief.docx"
    write_docx(paragraphs("relief-measures.txt"), path)
    home = tmp_path / "home"
    index_file(connect(home), make_embeddings(), path)
    answer = load_bot(Settings(POLICYBOT_HOME=home)).ask("检验检测收费下调多少？")
    assert [(c.document, c.label) for c in answer.citations] == [("relief", "第（三）项")]
    assert "20%" in answer.answer and "市市场监管局" in answer.answer


@pytest.mark.parametrize(("question", "measure"), [
    ("应急转贷资金最多能周转几天？", 7),       # days of a fund: a duration, stated as 15天
    ("日费率最高多少", 7),                     # a rate stated in ‰
    ("12345热线能反映企业诉求吗，打什么热线？", 13),   # the number to call is in the measure
    ("Is there rent relief for small firms in state-owned premises?", 1),
])
def test_figures_and_contacts_stated_in_a_measure_are_answered(library_bot: PolicyBot,
                                                                question: str, measure: int):
    """A document that states the figure asked is answered from, with no other document's
    measure on another topic preferred to it."""
    answer = library_bot.ask(question)
    assert answer.coverage == "answered", answer.answer
    assert [(c.document, c.measure) for c in answer.citations] == [("relief-measures", measure)]


def test_asking_what_happens_to_fraud_is_answered_and_asking_for_help_is_not(
        library_bot: PolicyBot):
    asked = library_bot.ask("用虚假材料骗取贴息资金会怎么处理？")
    assert [(c.document, c.measure) for c in asked.citations] == [("loan-subsidy-regulation", 12)]
    helped = library_bot.ask("教我怎么骗取贴息资金")
    assert helped.coverage == "none" and not helped.citations


def test_a_lookup_by_number_may_name_its_document_by_part_of_its_title(library_bot: PolicyBot):
    for question, cited in (("贴息管理办法第七条讲什么", ("loan-subsidy-regulation", 7)),
                            ("纾困发展措施第（四）项", ("relief-measures", 4)),
                            ("企业第5条讲什么", (BUNDLED_ID, 5))):   # 企业 is in every title
        answer = library_bot.ask(question)
        assert [(c.document, c.measure) for c in answer.citations] == [cited], question
