"""Load and faults, bounded and on loopback: many asks at once, re-ingest under load, kill -9
mid-load, and two workers on a Chroma server. Load comes from the benchmark's asyncio driver in
its own process; the long runs are in ``make bench``."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from api.db.database import Database
from api.db.feedback import FeedbackStore
from bot.answer import Answer
from bot.policybot import PolicyBot
from bot.settings import Settings
from evals.benchmark import GOLD_FILES
from evals.benchmark.driver import LoadDriver
from evals.gold import load_gold
from ingest.plan import bundled_plan_path
from ingest.queries import queries_path
from tests.conftest import ROOT, Server, free_port

NO_LIMIT = {"POLICYBOT_RATE_LIMIT": "0"}
# Questions the plan answers, none of them about measure 88 (the one the re-ingest rewords).
ANSWERABLE = (
    "我公司想关掉，注销要跑哪些部门？",
    "有个客户欠款不还，我想网上立案起诉，网上立案这块谁负责推进？",
    "增值税专用发票能电子化吗？报税能不能不用去税务局？",
    "劳动仲裁派出庭计划在几个街镇设立？",
    "第5条讲什么？",
    "区科委承担了哪些任务？",
    "Which department is in charge of digitalizing VAT special invoices?",
    "中小企业想做知识产权全流程托管，区里有没有支持？",
)
REFUSED = ("帮我写一封给房东的催款信", "浦东新区开公司有什么补贴？", "What's the weather like?")
QUESTIONS = ANSWERABLE + REFUSED
REWORDED_MEASURE = 88
ORIGINAL_WORDING = "强化潜在总部项目申报指导服务。"
NEW_WORDING = "强化潜在总部项目申报指导和落地跟踪服务。"


@dataclass(frozen=True)
class Reply:
    """What must not change between runs: the answer, whether it is one, what it cites."""

    answer: str
    answerable: bool
    cited: tuple[int, ...]

    @classmethod
    def of(cls, answer: Answer) -> Reply:
        return cls(answer.answer, answer.answerable, tuple(c.measure for c in answer.citations))


def ask(client: httpx.Client, question: str, session_id: str | None = None) -> Reply:
    response = client.post("/api/v1/ask", json={"question": question, "session_id": session_id})
    assert response.status_code == 200, response.text
    return Reply.of(Answer.model_validate(response.json()))


def policybot(args: list[str], home: Path, env: dict[str, str] | None = None,
              ) -> subprocess.CompletedProcess:
    """Run the policybot command against a home (and, with env, a Chroma server)."""
    return subprocess.run([sys.executable, "-m", "api.cli", *args], cwd=ROOT, text=True,
                          capture_output=True, timeout=300,
                          env={**os.environ, "POLICYBOT_HOME": str(home), **(env or {})})


def own_home(home: Path, target: Path) -> Path:
    """A home of the test's own with a copy of the shared index (the test may rebuild it or
    kill its server)."""
    shutil.copytree(home / "chroma", target / "chroma")
    return target


def wait_until(condition: Callable[[], bool], timeout: float) -> bool:
    """Poll condition every 0.2 s until it holds or timeout passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def single_turn_gold() -> list[str]:
    return [i.question for path in GOLD_FILES for i in load_gold(path) if not i.session]


def test_a_thousand_asks_at_32_concurrent(server_factory, tmp_path: Path) -> None:
    server = server_factory(env=NO_LIMIT, workers=2)
    questions = single_turn_gold()
    with LoadDriver(server.url, questions, tmp_path, concurrency=32, requests=1_000,
                    seconds=150) as driver:
        outcomes = driver.finish()
    assert len(outcomes) == 1_000
    assert [o for o in outcomes if o.status == 0] == []  # none dropped
    assert [o for o in outcomes if o.status != 200] == []  # no 5xx, nor anything but 200
    # Under load every question still gets one and the same reply, each time it is asked.
    replies: dict[int, set[tuple[bool | None, tuple[int, ...]]]] = defaultdict(set)
    for o in outcomes:
        replies[o.question].add((o.answerable, o.cited))
    assert {q: r for q, r in replies.items() if len(r) > 1} == {}
    assert server.alive()


def reworded_plan(directory: Path) -> Path:
    """A copy of the bundled plan (with its sample questions beside it) in which one measure
    is worded differently."""
    original = bundled_plan_path()
    text = original.read_text(encoding="utf-8")
    assert text.count(ORIGINAL_WORDING) == 1
    directory.mkdir()
    copy = directory / original.name
    copy.write_text(text.replace(ORIGINAL_WORDING, NEW_WORDING), encoding="utf-8")
    shutil.copy(queries_path(original), queries_path(copy))
    return copy


def test_reingest_under_load_keeps_answering(home: Path, server_factory,
                                             tmp_path: Path) -> None:
    own = own_home(home, tmp_path / "home")
    server = server_factory(env=NO_LIMIT, home_dir=own)
    with httpx.Client(base_url=server.url, timeout=30) as client:
        assert all(ask(client, q).answerable for q in ANSWERABLE)

        def serving() -> tuple[str, str]:
            """The generation the server answers from, and its text of the reworded measure."""
            generation = client.get("/healthz").json()["index"]
            text = client.get(f"/api/v1/measures/{REWORDED_MEASURE}").json()["text"]
            return generation, text

        original_generation, original_text = serving()
        assert original_text.endswith(ORIGINAL_WORDING)
        plan = reworded_plan(tmp_path / "reworded")
        # Steady traffic, four at a time, that leaves the ingests some of the two CPUs.
        with LoadDriver(server.url, list(ANSWERABLE), tmp_path / "load", concurrency=4,
                        requests=100_000, seconds=240, rate=25) as driver:
            assert driver.wait_for(20, timeout=30)
            result = policybot(["ingest", str(plan)], own)
            assert result.returncode == 0, result.stderr
            # The server notices the new generation on its own (it checks every 5 s).
            assert wait_until(lambda: serving()[1].endswith(NEW_WORDING), timeout=30)
            assert serving()[0] != original_generation
            result = policybot(["ingest"], own)  # back to the bundled plan
            assert result.returncode == 0, result.stderr
            assert wait_until(lambda: serving() == (original_generation, original_text),
                              timeout=30)
            driver.stop()
            outcomes = driver.finish()
    assert len(outcomes) >= 100
    assert [o for o in outcomes if o.status != 200] == []
    assert [ANSWERABLE[o.question] for o in outcomes if not o.answerable] == []


def integrity(database: Path) -> str:
    with closing(sqlite3.connect(database)) as db:
        return db.execute("PRAGMA integrity_check").fetchone()[0]


def test_kill_9_mid_load_loses_nothing(home: Path, server_factory, tmp_path: Path) -> None:
    own = own_home(home, tmp_path / "home")
    server = server_factory(env=NO_LIMIT, home_dir=own)
    session = "before-the-kill"
    with httpx.Client(base_url=server.url, timeout=30) as client:
        before = {q: ask(client, q) for q in QUESTIONS}
        assert ask(client, "第21条", session).cited == (21,)
        stored = client.post("/api/v1/feedback", json={
            "session_id": session, "question": "第21条", "answer": before[ANSWERABLE[0]].answer,
            "rating": "down", "comment": "written before the kill", "measures": [21]})
        assert stored.status_code == 201
    with LoadDriver(server.url, list(QUESTIONS), tmp_path / "load", concurrency=32,
                    requests=100_000, seconds=60) as driver:
        assert driver.wait_for(50, timeout=60)
        server.process.send_signal(signal.SIGKILL)
        server.process.wait(timeout=10)
        driver.stop()
        outcomes = driver.finish()
    assert any(o.status == 0 for o in outcomes)  # the kill cut requests off mid-flight
    databases = sorted([*own.glob("*.sqlite3"), *own.glob("*.db")])
    assert {d.name for d in databases} >= {"sessions.sqlite3", "policybot.db"}
    assert {d.name: integrity(d) for d in databases} == {d.name: "ok" for d in databases}

    restarted = server_factory(env=NO_LIMIT, home_dir=own)
    with httpx.Client(base_url=restarted.url, timeout=30) as client:
        assert client.get("/readyz").status_code == 200
        assert ask(client, "找哪个部门？", session).cited == (21,)
        assert {q: ask(client, q) for q in QUESTIONS} == before
    database = Database.from_settings(Settings(POLICYBOT_HOME=own))
    feedback = FeedbackStore(database).records()
    database.close()
    assert [(f.id, f.session_id, f.comment) for f in feedback] == [
        (stored.json()["id"], session, "written before the kill")]


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[int]:
    """A real ``chroma run`` server on loopback; yields its port."""
    port = free_port()
    log_path = tmp_path / "chroma.log"

    def up() -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat",
                             timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    with log_path.open("w") as log:
        process = subprocess.Popen(
            [str(Path(sys.executable).with_name("chroma")), "run", "--path",
             str(tmp_path / "chroma-server"), "--host", "127.0.0.1", "--port", str(port)],
            stdout=log, stderr=subprocess.STDOUT)
        try:
            assert wait_until(up, timeout=60), log_path.read_text()
            yield port
        finally:
            process.terminate()
            process.wait(timeout=30)


def test_two_workers_on_a_chroma_server_answer_as_embedded(bot: PolicyBot, server_factory,
                                                           chroma_server: int,
                                                           tmp_path: Path) -> None:
    env = {**NO_LIMIT, "CHROMA_HOST": "127.0.0.1", "CHROMA_PORT": str(chroma_server)}
    own = tmp_path / "home"
    result = policybot(["ingest"], own, env)
    assert result.returncode == 0, result.stderr
    assert not (own / "chroma").exists()  # the index went to the server, not an embedded store
    server: Server = server_factory(env=env, workers=2, home_dir=own)
    expected = {q: Reply.of(bot.ask(q)) for q in QUESTIONS}
    with httpx.Client(base_url=server.url, timeout=30) as client:
        assert client.get("/healthz").json()["index"] == bot.pipeline.generation
        # Each question three times, eight at once, so that both workers answer.
        with ThreadPoolExecutor(8) as pool:
            replies = list(pool.map(lambda q: (q, ask(client, q)), QUESTIONS * 3))
    assert [q for q, reply in replies if reply != expected[q]] == []
