"""The HTTP API through a real uvicorn process: answers, contracts and errors."""

from __future__ import annotations

import httpx
import pytest


@pytest.fixture(scope="module")
def client(server):
    with httpx.Client(base_url=server.url, timeout=30) as c:
        yield c


def test_ask_contract(client):
    response = client.post("/api/v1/ask", json={"question": "企业注销找哪个部门？",
                                                "session_id": None})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"answer", "answerable", "coverage", "citations", "related",
                         "retrieved", "session_id", "latency_ms"}
    assert body["answerable"] is True and body["coverage"] == "answered"
    assert body["citations"][0] == {
        "document": "putuo-yingshang-2021", "label": "第21条",
        "source": "《普陀区深化推进一流营商环境建设行动方案》（普委办发〔2021〕12号）",
        "measure": 21, "section": "简化企业开办和注销流程",
        "units": ["区市场监管局", "区税务局", "区人社局"],
        "text": "深化“高效办成一件事”在企业注销领域的应用，进一步简化企业注销登记程序和材料，"
                "加强部门间业务协同，提供企业“套餐式”注销服务。"}
    # Keyword search is decisive here: the ranking is its own, at most 10 measures.
    assert 1 < len(body["retrieved"]) <= 10
    assert set(body["retrieved"][0]) == {"document", "measure", "score"}
    assert body["session_id"]


def test_session_is_kept(client):
    first = client.post("/api/v1/ask", json={"question": "第21条", "session_id": "web-1"}).json()
    assert first["session_id"] == "web-1"
    second = client.post("/api/v1/ask", json={"question": "找哪个部门？",
                                               "session_id": "web-1"}).json()
    assert [c["measure"] for c in second["citations"]] == [21]


def test_refused_question_has_retrieved(client):
    body = client.post("/api/v1/ask", json={"question": "给我讲个笑话"}).json()
    assert body["answerable"] is False and body["citations"] == []
    assert body["coverage"] == "none"
    assert len(body["retrieved"]) == 10


# The plan covers property registration (its measures 30-36) but states no fee.
@pytest.mark.parametrize(("question", "lead"), [
    ("办理不动产登记要交多少钱？", "方案未写明"),
    ("How much does property registration cost?", "The plan does not state")])
def test_near_miss_is_partial_and_points_to_related_measures(client, question, lead):
    body = client.post("/api/v1/ask", json={"question": question}).json()
    assert body["coverage"] == "partial" and body["answerable"] is False
    assert body["citations"] == [] and body["related"]
    assert body["answer"].startswith(lead)
    for related in body["related"]:
        assert set(related) == {"document", "label", "source", "measure", "section", "units",
                                "text"}
        assert 30 <= related["measure"] <= 36
        assert all(unit in body["answer"] for unit in related["units"])


def test_measure_record(client):
    body = client.get("/api/v1/measures/54").json()
    assert body["number"] == 54 and body["responsible_units"] == ["区法院"]
    assert body["section_title"] == "加强法治营商环境建设"
    assert client.get("/api/v1/measures/0").status_code == 404
    assert client.get("/api/v1/measures/101").status_code == 404
    assert client.get("/api/v1/measures/abc").status_code == 422


def test_health_and_docs(client):
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json()["measures"] == 100
    assert client.get("/docs").status_code == 200
    openapi = client.get("/openapi.json").json()
    assert "/api/v1/ask" in openapi["paths"]
    answer = openapi["components"]["schemas"]["Answer"]["properties"]
    assert answer["coverage"]["enum"] == ["answered", "partial", "none"]
    assert "partial" in answer["coverage"]["description"]
    assert answer["related"]["items"] == {"$ref": "#/components/schemas/Citation"}


@pytest.mark.parametrize(("body", "headers"), [
    ('{"question": ""}', {"content-type": "application/json"}),
    ('{"question": "   "}', {"content-type": "application/json"}),
    ('{"question": "' + "问" * 501 + '"}', {"content-type": "application/json"}),
    ("not json", {"content-type": "application/json"}),
    ('{"question": 42}', {"content-type": "application/json"}),
    ('{"question": ["a"]}', {"content-type": "application/json"}),
    ('{"session_id": "x"}', {"content-type": "application/json"}),
    ('{"question": "hi", "session_id": 7}', {"content-type": "application/json"}),
    ("[]", {"content-type": "application/json"}),
])
def test_bad_input_is_a_clear_4xx(client, body, headers):
    response = client.post("/api/v1/ask", content=body.encode(), headers=headers)
    assert 400 <= response.status_code < 500
    assert "detail" in response.json()


def test_server_survives_bad_input(client, server):
    client.post("/api/v1/ask", content=b"\xff\xfe", headers={"content-type": "application/json"})
    assert server.alive()
    assert client.get("/healthz").status_code == 200
