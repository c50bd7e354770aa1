"""The operator console's API and CLI through a real server (real index, embeddings and SQLite
database), and its grouping, clustering and report rendering."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from api.admin.grouping import group_questions
from api.admin.report import OTHER, gap_topics, gold_lines, report_csv, report_markdown
from api.db.annotations import Annotation
from api.db.questions import LoggedQuestion
from bot.query import Tokenizer
from evals.gold import GoldItem
from tests.conftest import ROOT, Server

TOKEN = "console-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
# Refused by the bundled plan: nothing in it is about pets.
REFUSED = "店里养的猫抓伤了顾客怎么办"
PARKING = ("公司门口停车难找谁", "公司门口停车位不够怎么办")
CONTRACT = [("GET", "/admin/api/questions"), ("POST", "/admin/api/attach"),
            ("POST", "/admin/api/out-of-scope"), ("GET", "/admin/api/report.csv"),
            ("GET", "/admin/api/report.md"), ("GET", "/admin/api/overview"),
            ("GET", "/admin/api/documents"), ("GET", "/admin/api/gold.jsonl")]


def asked(text: str, coverage: str = "none", minutes: int = 0, rating: str | None = None,
          cited: list[dict] | None = None) -> LoggedQuestion:
    """A logged question, asked minutes ago."""
    return LoggedQuestion(id=0, asked_at=datetime(2026, 5, 1, 12, tzinfo=UTC)
                          - timedelta(minutes=minutes), channel="web", text=text,
                          coverage=coverage, cited=cited or [], latency_ms=10,
                          session_hash="h", rating=rating)


def test_near_duplicates_are_grouped_with_a_count() -> None:
    groups = group_questions([
        asked("企业注销找哪个部门？", minutes=5), asked("企业注销找哪个部门", minutes=1),
        asked("企業註銷找哪個部門", minutes=3), asked("企业注销要找哪个部门", minutes=9),
        asked("企业设立找哪个部门", minutes=2), asked("怎么养猫", minutes=0, rating="down"),
    ])
    [first, *rest] = groups
    assert (first.question, first.count) == ("企业注销找哪个部门", 4)
    # equally often asked: the newest first
    assert [q for q, _ in first.variants] == ["企业注销找哪个部门", "企業註銷找哪個部門",
                                             "企业注销找哪个部门？", "企业注销要找哪个部门"]
    assert first.last_asked == datetime(2026, 5, 1, 11, 59, tzinfo=UTC)
    assert sorted((g.question, g.count, g.down) for g in rest) == [
        ("企业设立找哪个部门", 1, 0), ("怎么养猫", 1, 1)]


def test_a_group_does_not_drift_by_chaining() -> None:
    # b is near a and c is near b, but c is not near a: c leads its own group.
    a, b, c = "abcdefghijklmnop", "abcdefghijklmnxy", "cdefghijklmnxyzw"
    groups = group_questions([asked(a), asked(a), asked(b), asked(c)])
    assert sorted(sorted(q for q, _ in g.variants) for g in groups) == [[a, b], [c]]


@pytest.fixture(scope="module")
def tokenizer() -> Tokenizer:
    return Tokenizer()


def test_gap_topics_are_keyword_clusters(tokenizer: Tokenizer) -> None:
    rows = [asked(PARKING[0]), asked(PARKING[0]), asked(PARKING[1], "partial"),
            asked("店门口停车被贴罚单怎么办"), asked("怎么养猫"), asked("猫咪疫苗去哪打"),
            asked("今天天气怎么样")]
    topics = gap_topics(group_questions(rows), tokenizer)
    by_name = {t.name: t for t in topics}
    assert by_name["停车"].count == 4 and (by_name["停车"].refused,
                                           by_name["停车"].partial) == (3, 1)
    assert by_name["停车"].examples()[0] == PARKING[0]
    assert topics[0].name == "停车" and topics[-1].name == OTHER
    assert {q for t in topics for g in t.groups for q, _ in g.variants} == {
        r.text for r in rows}


def test_reports_render_as_csv_and_markdown(tokenizer: Tokenizer) -> None:
    rows = [asked(PARKING[0]), asked(PARKING[1]), asked("a | b 停车")]
    topics = gap_topics(group_questions(rows), tokenizer)
    table = list(csv.DictReader(io.StringIO(report_csv(topics))))
    assert (table[0]["topic"], table[0]["question"], table[0]["count"]) == (
        "停车", PARKING[0], "1")
    assert len(table) == 3
    text = report_markdown(topics, "May 2026")
    assert "| 停车 | 3 | 3 | 0 |" in text and "a \\| b 停车" in text
    assert "No unanswered questions" in report_markdown([], "May 2026")


def test_gold_export_is_in_the_gold_set_shape() -> None:
    made = datetime(2026, 5, 1, tzinfo=UTC)
    lines = gold_lines([
        Annotation(1, REFUSED, REFUSED, "sample", "putuo-yingshang-2021", 40, made),
        Annotation(2, "怎么养猫", "怎么养猫", "out_of_scope", None, None, made),
        Annotation(3, "你好", "你好", "dismissed", None, None, made)]).splitlines()
    items = [GoldItem.model_validate(json.loads(line)) for line in lines]
    assert [(i.question, i.expected_measures, i.coverage) for i in items] == [
        (REFUSED, [40], "answered"), ("怎么养猫", [], "none")]


@pytest.fixture(scope="module")
def console_home(home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the session's index with a database of its own."""
    target = tmp_path_factory.mktemp("console") / "home"
    shutil.copytree(home, target)
    return target


@pytest.fixture(scope="module")
def console(server_factory: Callable[..., Server], console_home: Path) -> Server:
    return server_factory(env={"POLICYBOT_ADMIN_TOKEN": TOKEN,
                               "POLICYBOT_REVIEW_POLL_SECONDS": "2"}, home_dir=console_home)


def ask(server: Server, question: str) -> dict:
    return httpx.post(f"{server.url}/api/v1/ask", json={"question": question},
                      timeout=60).json()


def logged(server: Server, *questions: str) -> None:
    """Wait until the log holds each question (it is written off the request)."""
    deadline = time.monotonic() + 15
    while True:
        items = httpx.get(f"{server.url}/admin/api/questions", headers=AUTH,
                          timeout=30).json()["items"]
        if set(questions) <= {v["question"] for i in items for v in i["variants"]}:
            return
        assert time.monotonic() < deadline, f"not logged: {questions}"
        time.sleep(0.2)


def test_without_the_token_setting_the_console_is_absent(server: Server) -> None:
    for method, path in [*CONTRACT, ("GET", "/admin")]:
        assert httpx.request(method, server.url + path, headers=AUTH,
                             timeout=30).status_code == 404, path


def test_a_wrong_or_missing_token_gets_401_and_no_data(console: Server) -> None:
    ask(console, REFUSED)
    for method, path in CONTRACT:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
            response = httpx.request(method, console.url + path, headers=headers,
                                     json={"question": REFUSED}, timeout=30)
            assert response.status_code == 401, (path, headers)
            assert REFUSED not in response.text
    # The page itself holds no data and needs no token.
    page = httpx.get(f"{console.url}/admin", timeout=30)
    assert page.status_code == 200 and "管理令牌" in page.text and REFUSED not in page.text


def test_questions_are_listed_grouped_and_filtered(console: Server) -> None:
    asked_now = (PARKING[0], PARKING[0] + "？", "企业注销找哪个部门？")
    for question in asked_now:
        ask(console, question)
    logged(console, *asked_now)
    body = httpx.get(f"{console.url}/admin/api/questions", params={"coverage": "none"},
                     headers=AUTH, timeout=30).json()
    [parking] = [i for i in body["items"] if i["question"].startswith(PARKING[0])]
    assert parking["count"] == 2 and parking["coverage"] == "none" and parking["cited"] == []
    assert datetime.fromisoformat(parking["last_asked"]) > datetime.now(UTC) - timedelta(
        minutes=10)
    assert all(i["coverage"] == "none" for i in body["items"])
    answered = httpx.get(f"{console.url}/admin/api/questions",
                         params={"coverage": "answered", "order": "frequent"},
                         headers=AUTH, timeout=30).json()["items"]
    assert {"document": "putuo-yingshang-2021", "measure": 21} in answered[0]["cited"]
    later = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    assert httpx.get(f"{console.url}/admin/api/questions", params={"since": later},
                     headers=AUTH, timeout=30).json() == {"items": []}


def test_an_attached_question_is_answered_from_its_measure(console: Server) -> None:
    assert ask(console, REFUSED)["coverage"] == "none"
    response = httpx.post(f"{console.url}/admin/api/attach", headers=AUTH, timeout=30,
                          json={"question": REFUSED, "document": "putuo-yingshang-2021",
                                "measure": 40})
    assert response.status_code == 200 and response.json()["kind"] == "sample"
    deadline = time.monotonic() + 30
    while (answer := ask(console, REFUSED))["coverage"] != "answered":
        assert time.monotonic() < deadline, "the attachment did not take effect in 30 s"
        time.sleep(0.5)
    assert [c["measure"] for c in answer["citations"]] == [40]
    pending = httpx.get(f"{console.url}/admin/api/questions",
                        params={"review": "true", "pending": "true"}, headers=AUTH,
                        timeout=30).json()["items"]
    assert REFUSED not in {i["question"] for i in pending}
    # An unknown measure or document is a 404, and attaches nothing.
    for body in ({"measure": 999}, {"measure": 1, "document": "nope"}):
        assert httpx.post(f"{console.url}/admin/api/attach", headers=AUTH, timeout=30,
                          json={"question": "x", **body}).status_code == 404


def test_an_out_of_scope_question_is_refused(console: Server) -> None:
    question = "企业注销需要哪些部门盖章"
    assert ask(console, question)["coverage"] != "none"
    assert httpx.post(f"{console.url}/admin/api/out-of-scope", headers=AUTH, timeout=30,
                      json={"question": question}).status_code == 200
    deadline = time.monotonic() + 30
    while ask(console, question)["coverage"] != "none":
        assert time.monotonic() < deadline, "the example did not take effect in 30 s"
        time.sleep(0.5)


def test_reports_are_served_as_csv_and_markdown(console: Server) -> None:
    ask(console, PARKING[1])
    logged(console, PARKING[1])
    csv_response = httpx.get(f"{console.url}/admin/api/report.csv", headers=AUTH, timeout=30)
    assert csv_response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(csv_response.text)))
    assert {r["topic"] for r in rows if r["question"] in PARKING} == {"停车"}
    # What was attached to a measure is answered now: no longer a gap.
    assert REFUSED not in csv_response.text
    markdown = httpx.get(f"{console.url}/admin/api/report.md", headers=AUTH, timeout=30)
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert markdown.text.startswith("# Policy-gap report") and "| 停车 |" in markdown.text


def policybot(home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "api.cli", *args], cwd=ROOT, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "POLICYBOT_HOME": str(home)},
                          capture_output=True, text=True, check=True)


def test_cli_review_and_report(console: Server, console_home: Path) -> None:
    question = "店门口能不能放共享单车"
    ask(console, question)
    logged(console, question)
    listed = json.loads(policybot(console_home, "review", "list", "--coverage", "none",
                                  "--json").stdout)
    assert question in {i["question"] for i in listed["items"]}
    assert REFUSED not in {i["question"] for i in listed["items"]}  # attached already
    out = policybot(console_home, "review", "attach", question, "--measure", "12").stdout
    assert "measure 12" in out
    deadline = time.monotonic() + 30
    while [c["measure"] for c in ask(console, question)["citations"]] != [12]:
        assert time.monotonic() < deadline, "the CLI attachment did not take effect in 30 s"
        time.sleep(0.5)
    report = policybot(console_home, "report", "--format", "csv").stdout
    assert report.startswith("topic,question,count") and question not in report
    assert policybot(console_home, "report").stdout.startswith("# Policy-gap report")
