"""POST /api/v1/feedback into the app database (SQLite in $POLICYBOT_HOME here), and
`policybot feedback export`."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx
import pytest

from api.cli import main
from evals.gold import GoldItem
from tests.conftest import Server, feedback_rows


def post(server: Server, body: dict) -> httpx.Response:
    return httpx.post(f"{server.url}/api/v1/feedback", json=body, timeout=30)


def ask(server: Server, question: str) -> dict:
    return httpx.post(f"{server.url}/api/v1/ask", json={"question": question}, timeout=30).json()


def verdict(answer: dict, question: str, rating: str, comment: str | None = None) -> dict:
    """The body the widget sends for an answer of /api/v1/ask."""
    return {"session_id": answer["session_id"], "question": question, "answer": answer["answer"],
            "rating": rating, "comment": comment,
            "measures": [c["measure"] for c in answer["citations"]]}


def test_feedback_is_stored_with_the_cited_measures(server: Server, home: Path) -> None:
    answer = ask(server, "企业注销找哪个部门？")
    response = post(server, verdict(answer, "企业注销找哪个部门？", "down", "没说办理地点"))
    assert response.status_code == 201
    [row] = feedback_rows(home, answer["session_id"])
    assert row["id"] == response.json()["id"]
    assert (row["question"], row["rating"], row["comment"]) == ("企业注销找哪个部门？", "down",
                                                                 "没说办理地点")
    assert row["answer"] == answer["answer"]
    assert row["measures"] == [21]


def test_rating_an_answer_again_updates_its_row(server: Server, home: Path) -> None:
    answer = ask(server, "不动产登记有哪些便利措施？")
    first = post(server, verdict(answer, "不动产登记有哪些便利措施？", "up")).json()["id"]
    again = post(server, verdict(answer, "不动产登记有哪些便利措施？", "down", "太笼统"))
    assert again.json()["id"] == first
    # A later rating without a comment keeps the comment given before.
    post(server, verdict(answer, "不动产登记有哪些便利措施？", "down"))
    [row] = feedback_rows(home, answer["session_id"])
    assert (row["rating"], row["comment"]) == ("down", "太笼统")


GOOD = {"session_id": "s", "question": "q", "answer": "a", "rating": "up"}


@pytest.mark.parametrize("change", [
    {"rating": "meh"}, {"rating": None}, {"question": ""}, {"question": "问" * 2_001},
    {"answer": "答" * 20_001}, {"comment": "评" * 1_001}, {"session_id": "s" * 129},
    {"measures": ["21"]}, {"measures": [0]}, {"measures": [True]}, {"measures": 21},
    {"question": 5}])
def test_bad_feedback_is_rejected(server: Server, home: Path, change: dict) -> None:
    session_id = uuid.uuid4().hex
    response = post(server, {**GOOD, "session_id": session_id, **change})
    assert response.status_code == 422
    assert response.json()["detail"]
    assert feedback_rows(home, session_id) == []


def test_non_json_feedback_is_rejected(server: Server) -> None:
    response = httpx.post(f"{server.url}/api/v1/feedback", content="rating=down",
                          headers={"content-type": "application/json"}, timeout=30)
    assert response.status_code == 422


def export(monkeypatch: pytest.MonkeyPatch, home: Path, *args: str) -> int:
    monkeypatch.setenv("POLICYBOT_HOME", str(home))
    return main(["feedback", "export", *args])


def test_export_writes_gold_candidates(server: Server, home: Path, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    # Unique questions, so these rows are told apart from other tests' feedback.
    tag = uuid.uuid4().hex[:8]
    cited, refused = f"企业注销找哪个部门？{tag}", f"今天天气怎么样 {tag}"
    post(server, verdict(ask(server, cited), cited, "down", "缺少办理地点"))
    post(server, verdict(ask(server, refused), refused, "up"))

    assert export(monkeypatch, home, "--rating", "down") == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert all(line["type"] == "feedback" for line in lines)
    [line] = [line for line in lines if tag in line["question"]]
    assert line["id"].startswith("feedback-")
    assert line["comment"] == "缺少办理地点"
    assert (line["expected_measures"], line["expected_units"], line["answerable"]) == (
        [21], [], True)
    # Once the maintainer has dropped the comment, the line is a valid gold item.
    reviewed = GoldItem.model_validate({k: v for k, v in line.items() if k != "comment"})
    assert reviewed.expected_measures == [21]

    output = tmp_path / "feedback.jsonl"
    assert export(monkeypatch, home, "--output", str(output)) == 0
    assert str(output) in capsys.readouterr().out
    mine = {item["question"]: item for line in output.read_text(encoding="utf-8").splitlines()
            if tag in (item := json.loads(line))["question"]}
    assert set(mine) == {cited, refused}
    assert (mine[refused]["answerable"], mine[refused]["expected_measures"]) == (False, [])
    assert mine[refused]["comment"] is None
