"""Two ``policybot serve`` replicas sharing one redis-server and one PostgreSQL database, as
behind a load balancer. Each has its own POLICYBOT_HOME (a copy of the index), so nothing
reaches the other through local files: conversations, WeChat retries and the rate limit hold
across them through Redis, feedback and the question log through PostgreSQL, a replica's death
costs no conversation, and an outage of Redis or of the database costs no answer."""

from __future__ import annotations

import json
import shutil
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path

import httpx
import pytest

from api.db.database import Database
from api.db.feedback import FeedbackStore
from api.db.questions import QuestionLog
from tests.conftest import PostgresServer, RedisServer, Server, start_server, stop_server
from tests.test_wechat import TOKEN, WeChat, new_user, text_xml

LIMIT = 30  # requests a minute per client address


def start_replica(home: Path, redis_server: RedisServer, database_url: str,
                  directory: Path) -> Server:
    """A server over its own copy of the index, with shared state in redis_server and
    database_url.

    home: the run's indexed home. directory: where the replica's home and log go.
    """
    shutil.copytree(home / "chroma", directory / "chroma")
    return start_server(directory, {"REDIS_URL": redis_server.url, "DATABASE_URL": database_url,
                                    "WECHAT_TOKEN": TOKEN, "POLICYBOT_RATE_LIMIT": str(LIMIT)})


@pytest.fixture(scope="module")
def shared_database(postgres_server: PostgresServer) -> Iterator[Database]:
    """The replicas' PostgreSQL database (they migrate it as they start)."""
    database = Database(postgres_server.create_database())
    yield database
    database.close()


@pytest.fixture(scope="module")
def replicas(home: Path, redis_server: RedisServer, shared_database: Database,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Server]]:
    """Replicas A and B, stopped when the module is done."""
    redis_server.client().flushdb()
    url = shared_database.engine.url.render_as_string(hide_password=False)
    servers: list[Server] = []
    try:
        for _ in range(2):
            servers.append(start_replica(home, redis_server, url,
                                         tmp_path_factory.mktemp("replica")))
        yield servers
    finally:
        for server in servers:
            stop_server(server)


def client(n: int) -> dict[str, str]:
    """Headers that make a request come from client address number n (uvicorn trusts
    X-Forwarded-For from loopback, as from a proxy)."""
    return {"X-Forwarded-For": f"198.51.100.{n}"}


def ask(server: Server, question: str, session_id: str, headers: dict[str, str]) -> dict:
    response = httpx.post(f"{server.url}/api/v1/ask", headers=headers, timeout=30,
                          json={"question": question, "session_id": session_id})
    assert response.status_code == 200, response.text
    return response.json()


def cited(body: dict) -> list[int]:
    return [c["measure"] for c in body["citations"]]


def log_lines(server: Server) -> list[dict]:
    return [json.loads(line) for line in server.log.read_text().splitlines()
            if line.startswith("{")]


def test_follow_up_on_b_continues_the_turn_asked_on_a(replicas: list[Server]):
    a, b = replicas
    session = uuid.uuid4().hex
    assert cited(ask(a, "第21条", session, client(1))) == [21]
    assert cited(ask(b, "找哪个部门？", session, client(1))) == [21]
    # Without the first turn, the same words do not lead to measure 21.
    assert cited(ask(b, "找哪个部门？", uuid.uuid4().hex, client(1))) != [21]


def test_wechat_retry_on_b_gets_the_reply_a_computed(replicas: list[Server],
                                                     redis_server: RedisServer):
    a, b = (WeChat(f"{server.url}/wechat") for server in replicas)
    user, msg_id = new_user(), uuid.uuid4().int % 10**15
    first = a.plain(text_xml("企业注销找哪个部门？", user, msg_id))
    assert first.status_code == 200 and "【第21条】" in first.text
    time.sleep(1.1)  # a reply computed again would carry a later CreateTime
    second = b.plain(text_xml("企业注销找哪个部门？", user, msg_id))
    assert (second.status_code, second.text) == (200, first.text)
    key = f"msg:{user}:{msg_id}"
    assert redis_server.client().get(f"policybot:wechat:reply:{key}") == first.text
    # The bot was asked once: one replica logged computing the reply.
    computed = [(server.url, line) for server in replicas for line in log_lines(server)
                if key in line["message"]]
    assert [url for url, _ in computed] == [replicas[0].url]


def test_client_over_its_limit_on_both_replicas_gets_429(replicas: list[Server]):
    started = time.monotonic()
    statuses = [(n % 2, httpx.get(f"{replicas[n % 2].url}/api/v1/measures/21",
                                  headers=client(2), timeout=10).status_code)
                for n in range(2 * LIMIT)]
    refill = (time.monotonic() - started) * LIMIT / 60
    allowed = [status for _, status in statuses].count(200)
    # Limits kept by each replica would allow all 2 × LIMIT.
    assert LIMIT <= allowed <= LIMIT + refill + 1
    assert {replica for replica, status in statuses if status == 429} == {0, 1}
    assert all(status in (200, 429) for _, status in statuses)


def test_killed_replica_leaves_b_answering_its_conversations(
        replicas: list[Server], home: Path, redis_server: RedisServer,
        shared_database: Database, tmp_path: Path):
    victim = start_replica(home, redis_server,
                           shared_database.engine.url.render_as_string(hide_password=False),
                           tmp_path)
    session = uuid.uuid4().hex
    try:
        assert cited(ask(victim, "第21条", session, client(3))) == [21]
    finally:
        victim.process.kill()
        victim.process.wait()
    b = replicas[1]
    assert cited(ask(b, "找哪个部门？", session, client(3))) == [21]
    assert httpx.get(f"{b.url}/readyz").json()["dependencies"] == {
        "index": "ok", "database": "ok", "redis": "ok"}


def metric(server: Server, name: str) -> float:
    """The value of one series (name with its labels) of the server's /metrics."""
    text = httpx.get(f"{server.url}/metrics").text
    return float(next(line.split()[-1] for line in text.splitlines()
                      if line.startswith(name + " ")))


def wait_until_ok(replicas: list[Server], dependency: str) -> None:
    """Wait until every replica's /readyz reports the dependency ok again, after an outage."""
    deadline = time.monotonic() + 15
    while any(httpx.get(f"{s.url}/readyz").json()["dependencies"][dependency] != "ok"
              for s in replicas):
        assert time.monotonic() < deadline, f"a replica did not see {dependency} come back"
        time.sleep(0.2)


def test_redis_outage_under_load_gives_no_5xx_and_recovers(replicas: list[Server],
                                                           redis_server: RedisServer):
    questions = ["企业注销找哪个部门？", "第21条", "找哪个部门？", "How do I register a company?"]

    def one(n: int) -> int:
        """One request of the load: each from its own client, in one of a few sessions."""
        response = httpx.post(f"{replicas[n % 2].url}/api/v1/ask", headers=client(10 + n),
                              json={"question": questions[n % 4], "session_id": f"load-{n % 6}"},
                              timeout=30)
        return response.status_code

    try:
        with ThreadPoolExecutor(4) as pool:
            load = [pool.submit(one, n) for n in range(24)]
            wait(load[:12])
            redis_server.stop()  # with requests in flight
            # and more after it: answers are fast enough for the first ones to be done by now
            load += [pool.submit(one, n) for n in range(24, 48)]
            statuses = [request.result() for request in load]
        # Every request answered: no 5xx, and no 429 either (the limit fails open).
        assert statuses == [200] * 48
        for server in replicas:
            readiness = httpx.get(f"{server.url}/readyz")
            assert readiness.status_code == 200  # still answering: keep it in the pool
            assert readiness.json()["status"] == "degraded"
            assert readiness.json()["dependencies"] == {"index": "ok", "database": "ok",
                                                        "redis": "down"}
        assert metric(replicas[0], 'policybot_redis_errors_total{store="sessions"}') > 0
    finally:
        if redis_server.process.poll() is not None:
            redis_server.start()
    wait_until_ok(replicas, "redis")
    a, b = replicas
    session = uuid.uuid4().hex
    assert cited(ask(a, "第21条", session, client(4))) == [21]
    assert cited(ask(b, "找哪个部门？", session, client(4))) == [21]
    for server in replicas:  # one outage, logged once, and its end
        messages = [line["message"] for line in log_lines(server)
                    if line.get("logger") == "policybot.redis"]
        assert len(messages) == 2 and "unavailable" in messages[0] and "back" in messages[1]


def feedback_on(server: Server, answer: dict, question: str, rating: str) -> httpx.Response:
    return httpx.post(f"{server.url}/api/v1/feedback", timeout=30, json={
        "session_id": answer["session_id"], "question": question, "answer": answer["answer"],
        "rating": rating, "measures": cited(answer)})


def logged(database: Database, session: str, count: int) -> list:
    """The question log's rows of a conversation, once the replicas' recorders (which write
    off the request) have written count of them."""
    log = QuestionLog(database)
    with database.transaction("test") as connection:
        hashed = log.session_hash(connection, session)
    deadline = time.monotonic() + 15
    while len(rows := [r for r in log.rows() if r.session_hash == hashed]) < count:
        assert time.monotonic() < deadline, "the question was not logged"
        time.sleep(0.1)
    return rows


def test_feedback_on_either_replica_lands_in_one_table(replicas: list[Server],
                                                       shared_database: Database):
    a, b = replicas
    session = uuid.uuid4().hex
    first = ask(a, "第21条", session, client(30))
    second = ask(b, "找哪个部门？", session, client(30))
    logged(shared_database, session, 2)  # as a reader rates an answer: seconds later
    # Each answer is rated on the other replica.
    assert feedback_on(b, first, "第21条", "up").status_code == 201
    assert feedback_on(a, second, "找哪个部门？", "down").status_code == 201
    stored = [r for r in FeedbackStore(shared_database).records() if r.session_id == session]
    assert [(r.question, r.rating) for r in stored] == [("第21条", "up"), ("找哪个部门？", "down")]
    # Both replicas hash the conversation alike (the key is the database's), so a rating given
    # on one replica finds the question logged by the other.
    assert [(r.text, r.rating) for r in logged(shared_database, session, 2)] == [
        ("第21条", "up"), ("找哪个部门？", "down")]


def test_database_outage_costs_no_answer_and_recovers(replicas: list[Server],
                                                      postgres_server: PostgresServer,
                                                      shared_database: Database):
    lost_session = uuid.uuid4().hex
    try:
        postgres_server.stop()
        for n, server in enumerate(replicas):
            answer = ask(server, "企业注销找哪个部门？", lost_session, client(40 + n))
            assert cited(answer) == [21]
            refused = feedback_on(server, answer, "企业注销找哪个部门？", "down")
            assert refused.status_code == 503
            assert "database is unavailable" in refused.json()["detail"]
            readiness = httpx.get(f"{server.url}/readyz")
            assert readiness.status_code == 200  # still answering: keep it in the pool
            assert readiness.json()["status"] == "degraded"
            assert readiness.json()["dependencies"] == {"index": "ok", "database": "down",
                                                        "redis": "ok"}
            assert metric(server, 'policybot_database_errors_total{store="feedback"}') >= 1
            deadline = time.monotonic() + 15
            while metric(server, "policybot_questions_unlogged_total") < 1:
                assert time.monotonic() < deadline, "the lost question was not counted"
                time.sleep(0.1)
    finally:
        if not postgres_server.running():
            postgres_server.start()
    wait_until_ok(replicas, "database")
    session = uuid.uuid4().hex
    for server in replicas:
        answer = ask(server, "第21条", session, client(50))
        assert feedback_on(server, answer, "第21条", "up").status_code == 201
    assert [r.text for r in logged(shared_database, session, 2)] == ["第21条", "第21条"]
    # Nothing of the outage was half-written: the refused feedback is not there.
    assert not [r for r in FeedbackStore(shared_database).records()
                if r.session_id == lost_session]
    for server in replicas:  # one outage, logged once, and its end
        messages = [line["message"] for line in log_lines(server)
                    if line.get("logger") == "policybot.database"]
        assert len(messages) == 2 and "unavailable" in messages[0] and "back" in messages[1]
