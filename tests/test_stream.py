"""POST /api/v1/ask/stream over real HTTP: event order, content equal to /api/v1/ask, errors."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from tests.conftest import Server

VOLATILE = ("latency_ms", "session_id")


def stream_events(url: str, body: dict) -> list[tuple[str, dict, float]]:
    """POST body to the stream endpoint; returns (event, data, arrival time) per event."""
    events: list[tuple[str, dict, float]] = []
    with httpx.stream("POST", f"{url}/api/v1/ask/stream", json=body, timeout=30) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        name, data = "message", []
        for line in response.iter_lines():
            if line.startswith("event:"):
                name = line.removeprefix("event:").strip()
            elif line.startswith("data:"):
                data.append(line.removeprefix("data:").strip())
            elif not line and data:
                events.append((name, json.loads("\n".join(data)), time.monotonic()))
                name, data = "message", []
    return events


def without(body: dict, keys: tuple[str, ...]) -> dict:
    return {k: v for k, v in body.items() if k not in keys}


@pytest.mark.parametrize("question", ["企业注销找哪个部门？", "Who helps foreign talent with work "
                                      "permits?", "今天天气怎么样？"])
def test_events_are_citations_pieces_then_the_ask_body(server: Server, question: str) -> None:
    events = stream_events(server.url, {"question": question, "session_id": None})
    names = [name for name, _, _ in events]
    assert names[0] == "citations" and names[-1] == "answer"
    assert set(names[1:-1]) == {"delta"} and len(names) >= 4

    final = events[-1][1]
    expected = httpx.post(f"{server.url}/api/v1/ask", json={"question": question},
                          timeout=30).json()
    assert without(final, VOLATILE) == without(expected, VOLATILE)
    assert "".join(data["text"] for name, data, _ in events if name == "delta") == final["answer"]
    assert events[0][1] == {"citations": final["citations"], "related": final["related"]}
    # Delivered as it is sent, not buffered into one write at the end.
    assert events[-1][2] - events[0][2] > 0.1


def test_streamed_answer_is_cited_and_continues_a_session(server: Server) -> None:
    first = stream_events(server.url, {"question": "企业注销找哪个部门？"})[-1][1]
    assert [c["measure"] for c in first["citations"]] == [21]
    assert "区市场监管局" in first["answer"]

    other = stream_events(server.url, {"question": "外籍人才办理工作许可找谁？"})[-1][1]
    # A bare "which department?" is answered from the session's previous question.
    for previous, measures in ((first, [21]), (other, [86])):
        follow_up = stream_events(server.url, {"question": "找哪个部门？",
                                               "session_id": previous["session_id"]})[-1][1]
        assert follow_up["session_id"] == previous["session_id"]
        assert [c["measure"] for c in follow_up["citations"]] == measures


def test_near_miss_streams_related_measures(server: Server) -> None:
    # The plan covers property registration but states no fee: a partial answer.
    events = stream_events(server.url, {"question": "办理不动产登记要交多少钱？"})
    final = events[-1][1]
    assert final["coverage"] == "partial"
    assert events[0][1] == {"citations": [], "related": final["related"]}
    assert final["related"]
    assert final["answer"].startswith("方案未写明")


@pytest.mark.parametrize("body", [
    {"question": ""}, {"question": "   "}, {"question": "企" * 501}, {"question": 21}, {},
    {"question": "企业注销找哪个部门？", "session_id": "s" * 129}, "not json"])
def test_bad_input_is_a_json_error_like_ask(server: Server, body: dict | str) -> None:
    def post(path: str) -> httpx.Response:
        content = body if isinstance(body, str) else json.dumps(body)
        return httpx.post(f"{server.url}{path}", content=content,
                          headers={"content-type": "application/json"}, timeout=30)

    streamed, plain = post("/api/v1/ask/stream"), post("/api/v1/ask")
    assert streamed.status_code == plain.status_code == 422
    assert streamed.headers["content-type"] == "application/json"
    assert streamed.json() == plain.json()
