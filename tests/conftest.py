"""Shared fixtures: a real index built once per run, the real bot, real uvicorn servers, a
real redis-server, a real PostgreSQL cluster, and the app database on either engine."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
import redis
from playwright.sync_api import Browser, expect, sync_playwright

from api.db.database import Database
from api.db.feedback import FeedbackStore
from bot.policybot import PolicyBot, load_bot
from bot.settings import Settings
from ingest.plan import Plan, bundled_plan_path, load_plan
from vectorstore.embeddings import make_embeddings
from vectorstore.library import index_file
from vectorstore.store import connect

ROOT = Path(__file__).resolve().parent.parent
# Screenshots of the browser tests, for a human to look at.
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
# Headless, and nothing that would reach the network on its own.
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 20_000


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
    """The feedback stored in home's app database for a session, as dicts."""
    database = Database.from_settings(Settings(POLICYBOT_HOME=home))
    try:
        return [r.model_dump() for r in FeedbackStore(database).records()
                if r.session_id == session_id]
    finally:
        database.close()


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


class PostgresServer:
    """A PostgreSQL cluster of its own on a loopback port, made by the Debian binaries
    (``make test`` installs them) in a temporary directory, with trust authentication for its
    superuser ``policybot``. PostgreSQL refuses to run as root, so as root it runs as the
    ``postgres`` user the Debian package creates. It can be stopped and started again on the
    same port (an outage and a recovery).

    port: the port it listens on.
    """

    USER = "policybot"

    def __init__(self, port: int) -> None:
        self.port = port
        self.bin = max(Path("/usr/lib/postgresql").glob("*/bin/initdb")).parent
        self.run_as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        # Not under pytest's temporary root: that is private to root, out of postgres's reach.
        self.directory = Path(tempfile.mkdtemp(prefix="policybot-pg-"))
        if self.run_as:
            shutil.chown(self.directory, "postgres", "postgres")
        self.data = self.directory / "data"
        self._pg("initdb", "-D", str(self.data), "-U", self.USER, "--auth=trust", "-E", "UTF8",
                 "--no-instructions")

    def url(self, database: str) -> str:
        """The SQLAlchemy URL of one of its databases."""
        return f"postgresql+psycopg://{self.USER}@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        """Start it and wait until it accepts connections."""
        # No fsync: a test cluster needs no durability, and fsyncs cost the shared machine.
        options = (f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c full_page_writes=off")
        self._pg("pg_ctl", "-D", str(self.data), "-l", str(self.directory / "postgres.log"),
                 "-o", options, "-w", "-t", "60", "start")

    def stop(self) -> None:
        """Stop it at once (fast shutdown: open connections are cut)."""
        self._pg("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def running(self) -> bool:
        return subprocess.run([*self.run_as, str(self.bin / "pg_ctl"), "-D", str(self.data),
                               "status"], capture_output=True).returncode == 0

    def create_database(self) -> str:
        """A new, empty database; returns its URL."""
        name = f"test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(host="127.0.0.1", port=self.port, user=self.USER,
                             dbname="postgres", autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def remove(self) -> None:
        """Stop it if it runs, and delete its directory."""
        if self.running():
            self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)

    def _pg(self, program: str, *args: str) -> None:
        subprocess.run([*self.run_as, str(self.bin / program), *args], check=True,
                       capture_output=True, cwd=self.directory)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL cluster for the run; each test that needs it gets its own database."""
    server = PostgresServer(free_port())
    try:
        server.start()
        yield server
    finally:
        server.remove()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh database of the run's cluster, which is started again if the test stopped it."""
    yield postgres_server.create_database()
    if not postgres_server.running():
        postgres_server.start()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty app database on each engine: a SQLite file, and a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'policybot.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def database(database_url: str, tmp_path: Path) -> Iterator[Database]:
    """The app database on each engine, migrated; its home is the test's tmp_path."""
    db = Database(database_url, tmp_path)
    db.migrate()
    yield db
    db.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's headless Chromium, kept off the network (Playwright downloads no browser)."""
    ARTIFACTS.mkdir(exist_ok=True)
    expect.set_options(timeout=TIMEOUT_MS)  # a busy two-core machine may be slow
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
