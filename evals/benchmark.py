"""Benchmark policybot end to end; print the figures and write them to docs/benchmarks.md.

    .venv/bin/python -m evals.benchmark [--seconds 15] [--long-requests 10000]

On this machine it measures: cold ingest (``policybot ingest`` into an empty home); in-process
``ask()`` latency over the dev and test gold questions; BM25-only against hybrid retrieval
(recall and latency, in the same process); HTTP throughput and latency of ``policybot serve``
with 1 and 2 workers at 1, 16 and 64 connections, with the servers' peak RSS; and a long run of
10,000 asks at 32 in flight (5xx and dropped requests). It only measures and prints: it never
asserts.

Load always comes from another process: Debian's ``wrk`` when it is installed, else this
module's own asyncio driver, which the load tests use too::

    .venv/bin/python -m evals.benchmark drive URL QUESTIONS.json OUTCOMES.jsonl \\
        --concurrency 32 --requests 1000 --seconds 120 [--rate 20]

It asks the questions in turn (at most --rate a second) until it has sent --requests,
--seconds have passed or it gets SIGTERM, and writes one JSON line (an :class:`Outcome`) per
request as each one ends.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from evals.server import Server, serve

if TYPE_CHECKING:  # imported at run time only where needed: the driver must start fast
    from bot.policybot import PolicyBot
    from evals.gold import GoldItem

ROOT = Path(__file__).resolve().parent.parent
GOLD_FILES = (ROOT / "evals" / "gold" / "dev.jsonl", ROOT / "evals" / "gold" / "test.jsonl")
OUTPUT = ROOT / "docs" / "benchmarks.md"
WORKER_COUNTS = (1, 2)
CONCURRENCIES = (1, 16, 64)
REQUEST_TIMEOUT_SECONDS = 30.0
# Questions that are in no gold set: they load jieba, the model and the caches before timing.
WARM_UP = ("你好", "What can you do?", "区税务局负责哪些措施？", "第1条", "营商环境是什么")
BM25_ONLY = "BM25 only"
HYBRID = "hybrid (BM25 + dense, RRF)"
REPEATED = "gold, repeated"
UNIQUE = "unique"

# Targets set by the issues.
TARGET_INGEST_S = 10.0
TARGET_ASK_P50_MS = 15.0
TARGET_ASK_P95_MS = 40.0
TARGET_RPS_AT_16 = 150.0
TARGET_HTTP_P95_MS = 100.0
TARGET_RSS_MB = 400.0

# wrk's Lua script: POST the questions in turn, and print the figures this module parses
# (wrk's own --latency table has no p95). Its (at most two) threads start half the list apart,
# so that with unique questions no body is sent twice.
WRK_SCRIPT = """\
local bodies = {%s}
local offset = 0
function setup(thread)
  thread:set("counter", offset)
  offset = offset + %d
end
counter = 0
function request()
  counter = counter + 1
  return wrk.format("POST", "/api/v1/ask", {["Content-Type"] = "application/json"},
                    bodies[counter %% #bodies + 1])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%%d duration_us=%%d connect=%%d read=%%d write=%%d status=%%d timeout=%%d "
    .. "p50_us=%%.0f p95_us=%%.0f p99_us=%%.0f\\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""
WRK_FIGURES = re.compile(r"^BENCH (.+)$", re.MULTILINE)


@dataclass(frozen=True)
class Outcome:
    """One ask sent by the driver.

    question: index into the driver's question list.
    status: HTTP status; 0 when no response came (the request was dropped).
    answerable, cited: from a 200 body (None and () otherwise).
    latency_ms: from sending to the full response (or the failure).
    at_s: when it ended, in seconds since the driver started.
    error: why it failed (exception name), if it did.
    """

    question: int
    status: int
    answerable: bool | None
    cited: tuple[int, ...]
    latency_ms: float
    at_s: float
    error: str | None

    @classmethod
    def from_json(cls, line: str) -> Outcome:
        data = json.loads(line)
        return cls(**{**data, "cited": tuple(data["cited"])})


@dataclass(frozen=True)
class LoadSummary:
    """What a driver run amounts to.

    sent: requests sent. responses: of them, those that got any HTTP response. dropped: those
    that got none, and those asked for but never sent. errors_4xx, errors_5xx: responses with
    a 4xx, a 5xx status. seconds: from the driver's start to the last response. rps: responses
    a second. p50_ms, p95_ms, p99_ms, max_ms: latency of the responses. failures: why requests
    failed (error name, count), most frequent first.
    """

    sent: int
    responses: int
    dropped: int
    errors_4xx: int
    errors_5xx: int
    seconds: float
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    failures: tuple[tuple[str, int], ...]

    @classmethod
    def of(cls, outcomes: list[Outcome], requested: int | None = None) -> LoadSummary:
        """outcomes: the driver's. requested: how many requests it was to send (None when it
        ran for a time)."""
        answered = [o for o in outcomes if o.status]
        latencies = [o.latency_ms for o in answered] or [0.0]
        seconds = max((o.at_s for o in outcomes), default=0.0)
        return cls(
            sent=len(outcomes), responses=len(answered),
            dropped=max(requested or 0, len(outcomes)) - len(answered),
            errors_4xx=sum(400 <= o.status < 500 for o in answered),
            errors_5xx=sum(o.status >= 500 for o in answered),
            seconds=seconds, rps=len(answered) / seconds if seconds else 0.0,
            p50_ms=percentile(latencies, 50), p95_ms=percentile(latencies, 95),
            p99_ms=percentile(latencies, 99), max_ms=max(latencies),
            failures=tuple(Counter(o.error for o in outcomes if o.error).most_common()))


def percentile(values: list[float], q: int) -> float:
    """The q-th percentile (1..99) of values, interpolated between the nearest ranks."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


# --- the load driver (its own process) -------------------------------------------------------


async def drive(url: str, questions: list[str], output: Path, concurrency: int, requests: int,
                seconds: float, rate: float = 0.0) -> None:
    """Ask the questions in turn, `concurrency` at a time, writing an Outcome line per request.

    With a rate, request n is sent no earlier than n / rate seconds after the start (steady
    traffic that leaves the machine some CPU); 0 sends as fast as the server answers.
    Stops after `requests` requests, after `seconds`, or on SIGTERM (in-flight requests end
    first, so every request sent has its line).
    """
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    started = time.perf_counter()
    deadline = started + seconds
    numbers = iter(range(requests))  # shared by the tasks: each number is sent once
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    with output.open("w", encoding="utf-8") as sink:
        async with httpx.AsyncClient(base_url=url, timeout=REQUEST_TIMEOUT_SECONDS,
                                     limits=limits) as client:

            async def worker() -> None:
                for number in numbers:
                    if rate:
                        await asyncio.sleep(max(0.0, started + number / rate
                                                - time.perf_counter()))
                    if stop.is_set() or time.perf_counter() > deadline:
                        return
                    index = number % len(questions)
                    outcome = await ask_once(client, index, questions[index], started)
                    # One line per request as it ends, so that a watcher can see progress.
                    sink.write(json.dumps(asdict(outcome), ensure_ascii=False) + "\n")
                    sink.flush()

            await asyncio.gather(*(worker() for _ in range(concurrency)))


async def ask_once(client: httpx.AsyncClient, index: int, question: str,
                   run_started: float) -> Outcome:
    """POST one question to /api/v1/ask.

    index: the question's index. run_started: perf_counter() when the driver started.
    """
    started = time.perf_counter()
    try:
        response = await client.post("/api/v1/ask", json={"question": question})
    except httpx.HTTPError as exc:
        return Outcome(index, 0, None, (), elapsed_ms(started), seconds_since(run_started),
                       type(exc).__name__)
    answerable, cited, error = None, (), None
    if response.status_code == 200:
        try:
            body = response.json()
            answerable = body["answerable"]
            cited = tuple(c["measure"] for c in body["citations"])
        except (ValueError, KeyError, TypeError) as exc:
            error = f"bad body: {type(exc).__name__}"
    return Outcome(index, response.status_code, answerable, cited, elapsed_ms(started),
                   seconds_since(run_started), error)


def elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)


def seconds_since(started: float) -> float:
    return round(time.perf_counter() - started, 4)


class LoadDriver:
    """The ``drive`` command in its own process, so the load does not share the caller's GIL.

    url: server base URL. questions: asked in turn. workdir: where its files go.
    concurrency: requests in flight. requests: how many to send at most. seconds: how long
    to run at most. rate: requests a second at most (0: no limit).
    """

    def __init__(self, url: str, questions: list[str], workdir: Path, concurrency: int,
                 requests: int, seconds: float, rate: float = 0.0) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        run = uuid.uuid4().hex[:8]
        questions_file = workdir / f"questions-{run}.json"
        questions_file.write_text(json.dumps(questions, ensure_ascii=False), encoding="utf-8")
        self.output = workdir / f"outcomes-{run}.jsonl"
        self.seconds = seconds
        self.process = subprocess.Popen(
            [sys.executable, "-m", "evals.benchmark", "drive", url, str(questions_file),
             str(self.output), "--concurrency", str(concurrency), "--requests", str(requests),
             "--seconds", str(seconds), "--rate", str(rate)], cwd=ROOT)

    def __enter__(self) -> LoadDriver:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def ended(self) -> int:
        """Requests ended so far."""
        if not self.output.exists():
            return 0
        return self.output.read_bytes().count(b"\n")

    def wait_for(self, count: int, timeout: float) -> bool:
        """Wait until `count` requests have ended (False if `timeout` passes first)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            if self.ended() >= count:
                return True
            time.sleep(0.05)
        return self.ended() >= count

    def stop(self) -> None:
        """Ask the driver to stop sending (in-flight requests still end)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def finish(self, timeout: float | None = None) -> list[Outcome]:
        """Wait for the driver to end (killing it after timeout) and read its outcomes."""
        try:
            self.process.wait(timeout=timeout or self.seconds + REQUEST_TIMEOUT_SECONDS + 30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.returncode not in (0, -signal.SIGKILL):
            raise RuntimeError(f"the load driver failed with exit code {self.process.returncode}")
        text = self.output.read_text(encoding="utf-8") if self.output.exists() else ""
        return [Outcome.from_json(line) for line in text.splitlines()]


# --- servers, RSS and wrk --------------------------------------------------------------------


def process_tree(root: int) -> list[int]:
    """root and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # the process ended meanwhile
            continue
        # The command name is in parentheses and may hold spaces; the ppid follows the state.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def rss_mb(pids: list[int]) -> float:
    """Summed resident set size of the processes, in MB."""
    total_kb = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
        total_kb += int(found.group(1)) if found else 0
    return total_kb / 1024


class PeakRss:
    """Samples the summed RSS of a process tree (a server's master and workers) every 0.2 s
    while the block runs; ``peak_mb`` is the highest sum seen."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while True:
            self.peak_mb = max(self.peak_mb, rss_mb(process_tree(self.pid)))
            if self._stop.wait(0.2):
                return


def wrk_script(questions: list[str]) -> str:
    """The Lua script for wrk, with one JSON body per question."""
    bodies = ", ".join(f"[==[{json.dumps({'question': q}, ensure_ascii=False)}]==]"
                       for q in questions)
    return WRK_SCRIPT % (bodies, len(questions) // 2)


def unique_questions(questions: list[str], count: int) -> list[str]:
    """count questions, the given ones in turn, each made unique by a tag of letters (a
    number would read as a measure number), so no query vector comes from the server's
    cache."""
    return [f"{q} {letters(n)}" for n, q in zip(range(count), itertools.cycle(questions))]


def letters(n: int) -> str:
    """n written in the letters a..z (0 is a, 26 is ba)."""
    text = ""
    while True:
        n, digit = divmod(n, 26)
        text = chr(ord("a") + digit) + text
        if not n:
            return text


@dataclass(frozen=True)
class HttpRun:
    """One load run against a server.

    questions: which questions (the gold ones again and again, or each one unique).
    generator: wrk or the asyncio driver. requests: responses received. error_responses:
    responses with a 4xx or 5xx status. socket_errors: connect, read, write errors and
    timeouts.
    peak_rss_mb: the server's peak RSS (master and workers) during the run.
    """

    workers: int
    concurrency: int
    questions: str
    generator: str
    seconds: float
    requests: int
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    error_responses: int
    socket_errors: int
    peak_rss_mb: float


def run_wrk(url: str, script: Path, concurrency: int, seconds: float) -> dict[str, float]:
    """Run wrk for `seconds` at `concurrency` connections; the figures its script printed."""
    threads = min(2, concurrency)
    result = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{concurrency}", f"-d{seconds:.0f}s", "--latency",
         "--timeout", f"{REQUEST_TIMEOUT_SECONDS:.0f}s", "-s", str(script), f"{url}/"],
        capture_output=True, text=True, timeout=seconds + REQUEST_TIMEOUT_SECONDS + 30)
    found = WRK_FIGURES.search(result.stdout)
    if not found:
        raise RuntimeError(f"wrk printed no figures:\n{result.stdout}\n{result.stderr}")
    return {key: float(value) for key, value in
            (pair.split("=") for pair in found.group(1).split())}


def http_run(server: Server, questions: list[str], label: str, workers: int, concurrency: int,
             seconds: float, workdir: Path) -> HttpRun:
    """Load the server for `seconds` at `concurrency` with wrk (or the driver without wrk).

    label: what the questions are, for the report.
    """
    with PeakRss(server.pid) as rss:
        if shutil.which("wrk"):
            script = workdir / "ask.lua"
            script.write_text(wrk_script(questions), encoding="utf-8")
            figures = run_wrk(server.url, script, concurrency, seconds)
            errors = sum(figures[k] for k in ("connect", "read", "write", "timeout"))
            duration = figures["duration_us"] / 1e6
            return HttpRun(workers, concurrency, label, "wrk", duration,
                           int(figures["requests"]),
                           figures["requests"] / duration, figures["p50_us"] / 1000,
                           figures["p95_us"] / 1000, figures["p99_us"] / 1000,
                           int(figures["status"]), int(errors), rss.peak_mb)
        with LoadDriver(server.url, questions, workdir, concurrency, 10**6, seconds) as driver:
            summary = LoadSummary.of(driver.finish())
    return HttpRun(workers, concurrency, label, "asyncio driver", summary.seconds,
                   summary.responses, summary.rps, summary.p50_ms, summary.p95_ms, summary.p99_ms,
                   summary.errors_4xx + summary.errors_5xx, summary.dropped, rss.peak_mb)


# --- in-process figures ----------------------------------------------------------------------


@dataclass(frozen=True)
class Machine:
    """Where the figures were measured, and how busy the machine was when the run began
    (load average over 1, 5 and 15 minutes: other work on it slows every figure)."""

    cpus: int
    cpu_model: str
    ram_gb: float
    python: str
    wrk: str | None
    commit: str | None
    date: str
    load: tuple[float, float, float]

    @classmethod
    def here(cls) -> Machine:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
        meminfo = Path("/proc/meminfo").read_text()
        ram_kb = int(re.search(r"^MemTotal:\s+(\d+) kB", meminfo, re.MULTILINE).group(1))
        wrk = None
        if shutil.which("wrk"):
            wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split(
                "[")[0].strip()
        commit = None
        if shutil.which("git"):
            commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                                    capture_output=True, text=True).stdout.strip() or None
        return cls(cpus=os.cpu_count() or 0, cpu_model=model.group(1) if model else "unknown",
                   ram_gb=ram_kb / 1024 / 1024, python=platform.python_version(), wrk=wrk,
                   commit=commit, date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                   load=os.getloadavg())


def cold_ingest(home: Path) -> float:
    """Wall time of ``policybot ingest`` (the bundled plan) into an empty home, in seconds."""
    env = {**os.environ, "POLICYBOT_HOME": str(home)}
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "api.cli", "ingest"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=900)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"ingest failed:\n{result.stderr}")
    return seconds


@dataclass(frozen=True)
class AskFigures:
    """``PolicyBot.ask()`` in process over the gold questions (conversations in order).

    name: which pass (the first, or again with the query vectors cached). n: questions.
    p50_ms, p95_ms, p99_ms: the bot's own latency. recall_at_1, recall_at_5,
    refusal_accuracy: as ``policybot eval`` reports them.
    """

    name: str
    n: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    recall_at_1: float
    recall_at_5: float
    refusal_accuracy: float


@dataclass(frozen=True)
class RetrievalFigures:
    """One retrieval path over the single-turn answerable gold questions.

    name: BM25 only, or hybrid (BM25 + dense, fused). n: questions. recall_at_1,
    recall_at_5: an expected measure in the top 1 / top 5. p50_ms, p95_ms: latency of
    analysis plus retrieval.
    """

    name: str
    n: int
    recall_at_1: float
    recall_at_5: float
    p50_ms: float
    p95_ms: float


def in_process(home: Path) -> tuple[list[AskFigures], list[RetrievalFigures]]:
    """The bot's ask latency and quality over the gold sets (twice: the bot keeps recent query
    vectors, so the second pass shows a repeated question), and BM25 against hybrid."""
    from bot.policybot import load_bot
    from bot.settings import Settings
    from evals.gold import load_gold
    from evals.report import metrics, run_gold

    bot = load_bot(Settings(POLICYBOT_HOME=home))
    for question in WARM_UP:
        bot.ask(question)
    items = [item for path in GOLD_FILES for item in load_gold(path)]
    asks = []
    for name in ("first ask", "asked again (query vector cached)"):
        results = run_gold(bot, items)
        latencies = [r.latency_ms for r in results]
        scores = metrics(results)
        asks.append(AskFigures(name=name, n=len(results), p50_ms=percentile(latencies, 50),
                               p95_ms=percentile(latencies, 95),
                               p99_ms=percentile(latencies, 99),
                               recall_at_1=scores["recall@1"], recall_at_5=scores["recall@5"],
                               refusal_accuracy=scores["refusal_accuracy"]))
    return asks, compare_retrieval(bot, items)


def compare_retrieval(bot: PolicyBot, items: list[GoldItem]) -> list[RetrievalFigures]:
    """BM25 alone against BM25 + dense fused, with the bot's own components, question by
    question in the same process (routing, scope and answers left out of both)."""
    from bot.pipeline import build_pipeline
    from bot.search import TOP_K
    from vectorstore.store import MeasureIndex

    # A pipeline of its own, whose index has not cached the questions' vectors yet.
    pipeline = build_pipeline(MeasureIndex(bot.client, bot.embeddings), bot.pipeline.document,
                              bot.tokenizer, bot.scope_models)
    single = [i for i in items if i.answerable and i.expected_measures and not i.session]
    rankings: dict[str, list[list[int]]] = {BM25_ONLY: [], HYBRID: []}
    timings: dict[str, list[float]] = {name: [] for name in rankings}
    for item in single:
        started = time.perf_counter()
        query = pipeline.analyzer.run(item.question)
        keyword = pipeline.keyword.run(query, TOP_K)
        timings[BM25_ONLY].append(elapsed_ms(started))
        rankings[BM25_ONLY].append([h.measure for h in keyword])

        started = time.perf_counter()
        query = pipeline.analyzer.run(item.question)
        keyword = pipeline.keyword.run(query, TOP_K)
        dense = pipeline.dense.run(query, TOP_K)
        fused = pipeline.fusion.run([keyword, dense], TOP_K)
        timings[HYBRID].append(elapsed_ms(started))
        rankings[HYBRID].append([h.measure for h in fused])

    def recall(ranked: list[list[int]], k: int) -> float:
        hits = [bool(set(r[:k]) & set(i.expected_measures)) for r, i in zip(ranked, single,
                                                                           strict=True)]
        return sum(hits) / len(hits)

    return [RetrievalFigures(name, len(single), recall(rankings[name], 1),
                             recall(rankings[name], 5), percentile(timings[name], 50),
                             percentile(timings[name], 95)) for name in rankings]


# --- the report ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    """Every figure of one benchmark run."""

    machine: Machine
    ingest_s: float
    asks: list[AskFigures]
    retrieval: list[RetrievalFigures]
    http: list[HttpRun]
    http_seconds: float
    http_questions: int
    long_run: LoadSummary
    long_requests: int
    long_workers: int
    long_concurrency: int
    long_peak_rss_mb: float


def verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


def workers_text(workers: int) -> str:
    return f"{workers} worker{'s' if workers > 1 else ''}"


def targets(report: Report) -> list[str]:
    """The targets table: each target, what was measured, and whether it was met."""
    first, again = report.asks
    lines = [
        "| target | measured | |",
        "| --- | --- | --- |",
        f"| cold ingest ≤ {TARGET_INGEST_S:.0f} s | {report.ingest_s:.1f} s | "
        f"{verdict(report.ingest_s <= TARGET_INGEST_S)} |",
        f"| in-process ask p50 ≤ {TARGET_ASK_P50_MS:.0f} ms (first ask) | {first.p50_ms:.1f} ms "
        f"(asked again: {again.p50_ms:.1f} ms) | {verdict(first.p50_ms <= TARGET_ASK_P50_MS)} |",
        f"| in-process ask p95 ≤ {TARGET_ASK_P95_MS:.0f} ms (first ask) | {first.p95_ms:.1f} ms "
        f"(asked again: {again.p95_ms:.1f} ms) | {verdict(first.p95_ms <= TARGET_ASK_P95_MS)} |",
    ]
    for run in (r for r in report.http if r.concurrency == 16):
        errors = run.error_responses + run.socket_errors
        where = f"{workers_text(run.workers)}, {run.questions} questions"
        lines += [
            f"| HTTP ≥ {TARGET_RPS_AT_16:.0f} req/s at 16 concurrent, 0 errors ({where}) | "
            f"{run.rps:.0f} req/s, {errors} errors | "
            f"{verdict(run.rps >= TARGET_RPS_AT_16 and errors == 0)} |",
            f"| HTTP p95 ≤ {TARGET_HTTP_P95_MS:.0f} ms at 16 concurrent ({where}) | "
            f"{run.p95_ms:.1f} ms | {verdict(run.p95_ms <= TARGET_HTTP_P95_MS)} |",
        ]
    for workers in WORKER_COUNTS:
        peak = max(r.peak_rss_mb for r in report.http if r.workers == workers)
        lines.append(f"| server RSS ≤ {TARGET_RSS_MB:.0f} MB ({workers_text(workers)}, master "
                     f"+ workers) | {peak:.1f} MB | {verdict(peak <= TARGET_RSS_MB)} |")
    long_run = report.long_run
    lines.append(
        f"| {report.long_requests:,} asks at {report.long_concurrency} concurrent: 0 5xx, "
        f"0 dropped | {long_run.errors_5xx} 5xx, {long_run.dropped} dropped | "
        f"{verdict(long_run.errors_5xx == 0 and long_run.dropped == 0)} |")
    return lines


def markdown(report: Report) -> str:
    """The report as docs/benchmarks.md."""
    m, long_run = report.machine, report.long_run
    bm25, hybrid = report.retrieval
    return "\n".join([
        "# Benchmarks",
        "",
        "Measured by `make bench` (`.venv/bin/python -m evals.benchmark`); every figure below is "
        "from that one run. Load comes from a separate process on the same machine (so the "
        "load generator and the server share its CPUs), over loopback, with "
        "`POLICYBOT_RATE_LIMIT=0`. The bot keeps recent query vectors, so a question asked "
        "again skips the embedding: figures are given for repeated questions and for questions "
        "it has not seen.",
        "",
        "## Machine",
        "",
        "| | |",
        "| --- | --- |",
        f"| date | {m.date} |",
        f"| commit | {m.commit or 'unknown'} (working tree as it was) |",
        f"| CPUs (nproc) | {m.cpus} |",
        f"| CPU model | {m.cpu_model} |",
        f"| RAM | {m.ram_gb:.1f} GB |",
        f"| Python | {m.python} |",
        f"| load generator | {m.wrk or 'asyncio driver (wrk not installed)'} |",
        f"| load average (1, 5, 15 min) before the run | {load_text(m.load)} |",
        "",
        "## Targets",
        "",
        *targets(report),
        "",
        "## Cold ingest",
        "",
        "`policybot ingest` of the bundled plan (100 measures and their sample questions) into "
        "an empty `POLICYBOT_HOME`, as a subprocess, wall time including start-up: "
        f"**{report.ingest_s:.1f} s**.",
        "",
        "## In-process `ask()`",
        "",
        f"`PolicyBot.ask()` over the {report.asks[0].n} dev and test gold questions "
        f"(conversations in order), after {len(WARM_UP)} warm-up questions that are in neither "
        "set, then all of them again; latency is the bot's own `latency_ms`.",
        "",
        "| pass | n | p50 | p95 | p99 | recall@1 | recall@5 | refusal accuracy |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
        *(f"| {a.name} | {a.n} | {a.p50_ms:.1f} ms | {a.p95_ms:.1f} ms | {a.p99_ms:.1f} ms | "
          f"{a.recall_at_1:.3f} | {a.recall_at_5:.3f} | {a.refusal_accuracy:.3f} |"
          for a in report.asks),
        "",
        "## BM25 only against hybrid retrieval",
        "",
        f"The {bm25.n} single-turn answerable gold questions, through the bot's own components "
        "in the same process (a pipeline whose query-vector cache is empty), question by "
        "question: query analysis and BM25, against query analysis, BM25, dense search and "
        "reciprocal rank fusion. Routing, the scope check and answer composition are left out "
        "of both, so recall here is lower than the whole bot's above.",
        "",
        "| retrieval | n | recall@1 | recall@5 | p50 | p95 |",
        "| --- | --- | --- | --- | --- | --- |",
        *(f"| {r.name} | {r.n} | {r.recall_at_1:.3f} | {r.recall_at_5:.3f} | {r.p50_ms:.2f} ms | "
          f"{r.p95_ms:.2f} ms |" for r in report.retrieval),
        "",
        f"Hybrid / BM25: recall@1 {ratio(hybrid.recall_at_1, bm25.recall_at_1)}, recall@5 "
        f"{ratio(hybrid.recall_at_5, bm25.recall_at_5)}, p50 latency "
        f"{ratio(hybrid.p50_ms, bm25.p50_ms)}, p95 latency {ratio(hybrid.p95_ms, bm25.p95_ms)}.",
        "",
        "## HTTP",
        "",
        f"`policybot serve` on loopback, `POST /api/v1/ask` with JSON bodies, "
        f"{report.http_seconds:.0f} s per run after a 3 s warm-up. *gold, repeated*: the "
        f"{report.http_questions} single-turn gold questions (answerable and not) in turn, so "
        "after the first round every query vector comes from the cache; *unique*: the same "
        "questions each with a tag of letters appended, so none does. Latency percentiles are "
        + ("wrk's (from its Lua `done` hook)" if m.wrk else "the asyncio driver's")
        + "; peak RSS is the sum over the uvicorn master and its workers, sampled from /proc "
        "every 0.2 s during the run.",
        "",
        "| workers | concurrency | questions | generator | requests | req/s | p50 | p95 | p99 | "
        "4xx/5xx | socket errors | peak RSS |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        *(f"| {r.workers} | {r.concurrency} | {r.questions} | {r.generator} | {r.requests:,} | "
          f"{r.rps:.1f} | {r.p50_ms:.1f} ms | {r.p95_ms:.1f} ms | {r.p99_ms:.1f} ms | "
          f"{r.error_responses} | {r.socket_errors} | {r.peak_rss_mb:.0f} MB |"
          for r in report.http),
        "",
        "## Long run",
        "",
        f"{report.long_requests:,} asks (the gold questions, repeated) at "
        f"{report.long_concurrency} in flight against `policybot serve --workers "
        f"{report.long_workers}`, from the asyncio driver in its own process (it counts every "
        "request it sends, so a dropped one shows).",
        "",
        "| sent | responses | 5xx | 4xx | dropped | time | req/s | p50 | p95 | p99 | max | "
        "peak RSS |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        f"| {long_run.sent:,} | {long_run.responses:,} | {long_run.errors_5xx} | "
        f"{long_run.errors_4xx} | {long_run.dropped} | {long_run.seconds:.0f} s | "
        f"{long_run.rps:.1f} | {long_run.p50_ms:.1f} ms | {long_run.p95_ms:.1f} ms | "
        f"{long_run.p99_ms:.1f} ms | {long_run.max_ms:.0f} ms | "
        f"{report.long_peak_rss_mb:.0f} MB |",
        "",
        "Failed requests by error: " + (", ".join(f"{name} × {count}" for name, count
                                                  in long_run.failures) or "none") + ".",
        "",
    ])


def load_text(load: tuple[float, float, float]) -> str:
    return ", ".join(f"{value:.2f}" for value in load)


def ratio(numerator: float, denominator: float) -> str:
    return f"{numerator / denominator:.2f}×" if denominator else "n/a"


def http_matrix(home: Path, questions: list[str], seconds: float,
                workdir: Path) -> list[HttpRun]:
    """Every worker count at every concurrency with the gold questions repeated, and at 16
    with unique questions."""
    # More unique questions than a run can send, so none repeats.
    unique = unique_questions(questions, int(seconds * 1000))
    runs = []
    for workers in WORKER_COUNTS:
        with (workdir / f"server-{workers}.log").open("w+b") as log, \
                serve(home, workers, log) as server:
            # Warm every worker up (model, jieba, caches) before counting.
            http_run(server, questions, REPEATED, workers, 16, 3, workdir)
            plan = [(questions, REPEATED, c) for c in CONCURRENCIES] + [(unique, UNIQUE, 16)]
            for batch, label, concurrency in plan:
                run = http_run(server, batch, label, workers, concurrency, seconds, workdir)
                print(f"  {run}", flush=True)
                runs.append(run)
    return runs


def benchmark(seconds: float, long_requests: int, long_concurrency: int, long_workers: int,
              output: Path) -> Report:
    """Run every measurement, in order, on one fresh home; write and return the report."""
    from evals.gold import load_gold

    machine = Machine.here()
    questions = [i.question for path in GOLD_FILES for i in load_gold(path) if not i.session]
    with tempfile.TemporaryDirectory(prefix="policybot-bench-") as scratch:
        workdir = Path(scratch)
        home = workdir / "home"
        print(f"Cold ingest into {home} ...", flush=True)
        ingest_s = cold_ingest(home)
        print(f"  {ingest_s:.1f} s\nIn-process asks and retrieval ...", flush=True)
        asks, retrieval = in_process(home)
        print("  " + "\n  ".join(map(str, [*asks, *retrieval])), flush=True)
        print("HTTP ...", flush=True)
        runs = http_matrix(home, questions, seconds, workdir)
        print(f"Long run: {long_requests} asks at {long_concurrency} concurrent ...", flush=True)
        with (workdir / "server-long.log").open("w+b") as log, \
                serve(home, long_workers, log) as server, PeakRss(server.pid) as rss:
            # Bounded generously: at 10 req/s it would still end.
            limit = long_requests / 10 + 60
            with LoadDriver(server.url, questions, workdir, long_concurrency, long_requests,
                            limit) as driver:
                long_run = LoadSummary.of(driver.finish(), long_requests)
        print(f"  {long_run}", flush=True)
    report = Report(machine, ingest_s, asks, retrieval, runs, seconds, len(questions), long_run,
                    long_requests, long_workers, long_concurrency, rss.peak_mb)
    text = markdown(report)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    print(f"\n{text}\nWritten to {output}")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=15.0, help="length of each HTTP run")
    parser.add_argument("--long-requests", type=int, default=10_000)
    parser.add_argument("--long-concurrency", type=int, default=32)
    parser.add_argument("--long-workers", type=int, default=2)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    commands = parser.add_subparsers(dest="command")
    driver = commands.add_parser("drive", help="send load (see the module docstring)")
    driver.add_argument("url")
    driver.add_argument("questions", type=Path, help="JSON list of questions")
    driver.add_argument("output", type=Path, help="JSONL file for the outcomes")
    driver.add_argument("--concurrency", type=int, default=32)
    driver.add_argument("--requests", type=int, default=1000)
    driver.add_argument("--seconds", type=float, default=120.0)
    driver.add_argument("--rate", type=float, default=0.0,
                        help="requests a second at most (0: as fast as answered)")
    args = parser.parse_args(argv)
    if args.command == "drive":
        questions = json.loads(args.questions.read_text(encoding="utf-8"))
        asyncio.run(drive(args.url, questions, args.output, args.concurrency, args.requests,
                          args.seconds, args.rate))
        return 0
    benchmark(args.seconds, args.long_requests, args.long_concurrency, args.long_workers,
              args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
