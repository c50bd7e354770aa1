"""Every question asked on every channel lands in the question log, through real uvicorn:
with its channel, what it cited, and its conversation only as a keyed hash."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from api.db.database import Database
from api.db.questions import LoggedQuestion, QuestionLog
from bot.settings import Settings
from tests.conftest import Server, start_server, stop_server
from tests.test_stream import stream_events
from tests.test_wechat import TOKEN, WeChat, new_user, text_xml

PLAN = "putuo-yingshang-2021"


@pytest.fixture(scope="module")
def logged_home(home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home of its own (so its log holds only this module's questions)."""
    own = tmp_path_factory.mktemp("logged")
    shutil.copytree(home / "chroma", own / "chroma")
    return own


@pytest.fixture(scope="module")
def logged(logged_home: Path) -> Iterator[Server]:
    """A server with WeChat on, over logged_home."""
    server = start_server(logged_home, {"WECHAT_TOKEN": TOKEN})
    yield server
    stop_server(server)


@pytest.fixture
def log(logged_home: Path) -> Iterator[QuestionLog]:
    """The question log in logged_home's database (SQLite, as DATABASE_URL is unset)."""
    database = Database.from_settings(Settings(POLICYBOT_HOME=logged_home))
    yield QuestionLog(database)
    database.close()


def wait_for(log: QuestionLog, found: Callable[[list[LoggedQuestion]], bool]
             ) -> list[LoggedQuestion]:
    """The log's rows once found(rows) holds: questions are written off the request."""
    deadline = time.monotonic() + 15
    while not found(rows := log.rows()):
        assert time.monotonic() < deadline, f"not logged: {rows}"
        time.sleep(0.1)
    return rows


def hashed(log: QuestionLog, session: str) -> str:
    with log.database.transaction("test") as connection:
        return log.session_hash(connection, session)


def test_every_channel_is_logged_with_its_session_hashed(logged: Server, log: QuestionLog,
                                                        logged_home: Path):
    before = len(log.rows())
    web = stream_events(logged.url, {"question": "办理不动产登记要交多少钱？",
                                     "channel": "web"})[-1][1]
    api = httpx.post(f"{logged.url}/api/v1/ask", timeout=30,
                     json={"question": "企业注销找哪个部门？"}).json()
    user = new_user()
    reply = WeChat(f"{logged.url}/wechat").plain(text_xml("企业注销找哪个部门？", user))
    assert "【第21条】" in reply.text
    completion = httpx.post(f"{logged.url}/v1/chat/completions", timeout=30, json={
        "model": "policybot", "messages": [{"role": "user", "content": "第21条"},
                                           {"role": "user", "content": "找哪个部门？"}]}).json()

    rows = wait_for(log, lambda rows: len(rows) == before + 4)[before:]
    assert [(r.channel, r.text) for r in rows] == [
        ("web", "办理不动产登记要交多少钱？"), ("api", "企业注销找哪个部门？"),
        ("wechat", "企业注销找哪个部门？"), ("openai", "找哪个部门？")]
    web_row, api_row, wechat_row, openai_row = rows
    # A partial answer's related measures are what it cites.
    assert web_row.coverage == web["coverage"] == "partial"
    assert web_row.cited == [{"document": PLAN, "measure": c["measure"]}
                             for c in web["related"]]
    assert (api_row.coverage, api_row.cited) == ("answered", [{"document": PLAN,
                                                               "measure": 21}])
    assert api_row.latency_ms == round(api["latency_ms"])
    assert wechat_row.cited == [{"document": PLAN, "measure": 21}]
    # The earlier turn of the OpenAI conversation was context: only the question is logged.
    assert [c["measure"] for c in completion["citations"]] == [21]
    assert openai_row.cited == [{"document": PLAN, "measure": 21}]
    assert web_row.session_hash == hashed(log, web["session_id"]) != web["session_id"]
    assert api_row.session_hash == hashed(log, api["session_id"])
    assert wechat_row.session_hash == hashed(log, f"wx:{user}")
    # The follower's openid is nowhere in the database's files.
    files = list(logged_home.glob("policybot.db*"))
    assert files
    assert not [path for path in files if user.encode() in path.read_bytes()]


def test_feedback_rates_the_logged_question(logged: Server, log: QuestionLog):
    question = "不动产登记有哪些便利措施？"
    answer = httpx.post(f"{logged.url}/api/v1/ask", timeout=30,
                        json={"question": question, "channel": "web"}).json()
    session = hashed(log, answer["session_id"])
    [row] = [r for r in wait_for(log, lambda rows: any(r.session_hash == session for r in rows))
             if r.session_hash == session]
    assert row.rating is None
    stored = httpx.post(f"{logged.url}/api/v1/feedback", timeout=30, json={
        "session_id": answer["session_id"], "question": question, "answer": answer["answer"],
        "rating": "down", "measures": [c["measure"] for c in answer["citations"]]})
    assert stored.status_code == 201
    [rated] = [r for r in log.rows() if r.id == row.id]
    assert (rated.channel, rated.rating) == ("web", "down")
    metrics = httpx.get(f"{logged.url}/metrics").text
    assert "policybot_questions_unlogged_total 0.0" in metrics
    assert 'policybot_database_errors_total{store="feedback"} 0.0' in metrics
