"""Shared fixtures: a real index built once per run, the real bot, real uvicorn servers, a
real redis-server."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import redis

from bot.policybot import PolicyBot, load_bot
from bot.settings import Settings
from ingest.plan import Plan, bundled_plan_path, load_plan
from vectorstore.embeddings import make_embeddings
from vectorstore.library import index_file
from vectorstore.store import connect

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def plan() -> Plan:
    return load_plan()


@pytest.fixture(scope="session")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A POLICYBOT_HOME with the bundled plan indexed by the default model."""
    path = tmp_path_factory.mktemp("home")
    index_file(connect(path), make_embeddings(), bundled_plan_path())
    return path


@pytest.fixture(scope="session")
def settings(home: Path) -> Settings:
    return Settings(POLICYBOT_HOME=home)


@pytest.fixture(scope="session")
def bot(settings: Settings) -> PolicyBot:
    return load_bot(settings)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A ``policybot serve`` process on loopback.

    url: base URL. process: the Popen. log: its combined output file.
    """

    def __init__(self, url: str, process: subprocess.Popen, log: Path) -> None:
        self.url = url
        self.process = process
        self.log = log

    def alive(self) -> bool:
        return self.process.poll() is None


def start_server(home: Path, env: dict[str, str] | None = None, workers: int = 1,
                 log_dir: Path | None = None, ingest: bool = True) -> Server:
    """Start ``policybot serve`` and wait until /healthz answers 200 (with ingest=False, the
    server starts on whatever the store holds: wait until /readyz answers at all)."""
    port = free_port()
    log = (log_dir or home) / f"server-{port}.log"
    # Tests send many requests from one address: no rate limit unless a test sets one.
    full_env = {**os.environ, "POLICYBOT_HOME": str(home), "POLICYBOT_RATE_LIMIT": "0",
                **(env or {})}
    process = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(workers), *([] if ingest else ["--no-ingest"])],
        cwd=ROOT, env=full_env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text()[-2000:]}")
        try:
            if ingest and httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return Server(url, process, log)
            if not ingest:
                httpx.get(f"{url}/readyz", timeout=2)
                return Server(url, process, log)
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"server did not become healthy: {log.read_text()[-2000:]}")


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()


@pytest.fixture(scope="session")
def server_factory(tmp_path_factory: pytest.TempPathFactory,
                   home: Path) -> Iterator[Callable[..., Server]]:
    """Start extra servers (own env, workers); all are stopped at the end of the run."""
    started: list[Server] = []

    def factory(env: dict[str, str] | None = None, workers: int = 1,
                home_dir: Path | None = None) -> Server:
        server = start_server(home_dir or home, env, workers,
                              log_dir=tmp_path_factory.mktemp("logs"))
        started.append(server)
        return server

    yield factory
    for server in started:
        stop_server(server)


@pytest.fixture(scope="session")
def server(server_factory: Callable[..., Server]) -> Server:
    """The default server over the shared index."""
    return server_factory()


def feedback_rows(home: Path, session_id: str) -> list[dict]:
    """The feedback rows stored under home for a session, as dicts."""
    with sqlite3.connect(home / "feedback.sqlite3") as db:
        db.row_factory = sqlite3.Row
        found = db.execute("SELECT * FROM feedback WHERE session_id = ?", (session_id,))
        return [dict(r) for r in found.fetchall()]


class RedisServer:
    """A ``redis-server`` on loopback, in its own directory, saving nothing to disk; it can be
    stopped and started again on the same port (as an outage and a recovery).

    directory: its working directory, where its log goes. port: the port it listens on.
    """

    def __init__(self, directory: Path, port: int) -> None:
        self.directory = directory
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        """Start it and wait until it answers PING."""
        self.process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
             "--appendonly", "no", "--dir", str(self.directory), "--logfile", "redis.log"],
            cwd=self.directory, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        client = redis.Redis(port=self.port, socket_timeout=1)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        """Stop it (SIGTERM), and wait until it has exited."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def client(self) -> redis.Redis:
        """A plain client, to look at or clear what the stores keep."""
        return redis.Redis.from_url(self.url, decode_responses=True)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One redis-server for the run (``make test`` installs it from Debian)."""
    server = RedisServer(tmp_path_factory.mktemp("redis"), free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_db(redis_server: RedisServer) -> Iterator[RedisServer]:
    """The run's redis-server, emptied for one test, and started again if the test stopped it.
    """
    redis_server.client().flushdb()
    yield redis_server
    if redis_server.process.poll() is not None:
        redis_server.start()
