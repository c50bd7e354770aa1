"""HTTP load runs against ``policybot serve``: wrk (or the asyncio driver without it)."""

from __future__ import annotations

import itertools
import json
import re
import shutil
import subprocess
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from evals.benchmark import CURRENT, PATHS, REQUEST_TIMEOUT_SECONDS
from evals.benchmark.driver import LoadDriver, LoadSummary
from evals.benchmark.machine import ServerUsage
from evals.server import Server, serve

WORKER_COUNTS = (1, 2)
CONCURRENCIES = (1, 16, 64)
REPEATED = "gold, repeated"
UNIQUE = "unique"
# The paths are compared in alternating runs, this many of each kind.
COMPARISON_ROUNDS = 2

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


def wrk_script(questions: list[str]) -> str:
    """The Lua script for wrk, with one JSON body per question."""
    bodies = ", ".join(f"[==[{json.dumps({'question': q}, ensure_ascii=False)}]==]"
                       for q in questions)
    return WRK_SCRIPT % (bodies, len(questions) // 2)


def unique_questions(questions: list[str], count: int, first: int = 0) -> list[str]:
    """count questions, the given ones in turn, each made unique by a tag of letters (a
    number would read as a measure number), so no query vector comes from the server's
    cache.

    first: the number of the first tag (runs on one server take tags from separate ranges).
    """
    return [f"{q} {letters(first + n)}"
            for n, q in zip(range(count), itertools.cycle(questions))]


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
    cpu_ms: the server's CPU time per response.
    path: the server's path (see PATHS).
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
    cpu_ms: float
    path: str = CURRENT


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
             seconds: float, workdir: Path, path: str = CURRENT) -> HttpRun:
    """Load the server for `seconds` at `concurrency` with wrk (or the driver without wrk).

    label: what the questions are, for the report. path: the server's path.
    """
    with ServerUsage(server.pid) as usage:
        if shutil.which("wrk"):
            script = workdir / "ask.lua"
            script.write_text(wrk_script(questions), encoding="utf-8")
            figures = run_wrk(server.url, script, concurrency, seconds)
            generator, responses = "wrk", int(figures["requests"])
            duration = figures["duration_us"] / 1e6
            latencies = [figures[k] / 1000 for k in ("p50_us", "p95_us", "p99_us")]
            failed = int(figures["status"])
            errors = int(sum(figures[k] for k in ("connect", "read", "write", "timeout")))
        else:
            with LoadDriver(server.url, questions, workdir, concurrency, 10**6,
                            seconds) as driver:
                summary = LoadSummary.of(driver.finish())
            generator, responses, duration = "asyncio driver", summary.responses, summary.seconds
            latencies = [summary.p50_ms, summary.p95_ms, summary.p99_ms]
            failed, errors = summary.errors_4xx + summary.errors_5xx, summary.dropped
    # The usage is complete once its block has ended.
    return HttpRun(workers, concurrency, label, generator, duration, responses,
                   responses / duration if duration else 0.0, *latencies, failed, errors,
                   usage.peak_mb, per_response(usage.cpu_s, responses), path)


def per_response(cpu_s: float, responses: float) -> float:
    """CPU milliseconds per response (0 without responses)."""
    return cpu_s * 1000 / responses if responses else 0.0


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


def compare_paths(home: Path, questions: list[str], seconds: float,
                  workdir: Path) -> list[HttpRun]:
    """The earlier paths against the current one: a server of each (1 worker) side by side,
    loaded in turn at 16 connections, unique then repeated questions, COMPARISON_ROUNDS times,
    so that all meet the same machine."""
    runs = []
    with ExitStack() as stack:
        servers = {}
        for i, (path, env) in enumerate(PATHS.items()):
            log = stack.enter_context((workdir / f"server-path{i}.log").open("w+b"))
            servers[path] = stack.enter_context(serve(home, 1, log, env))
        for server in servers.values():
            http_run(server, questions, REPEATED, 1, 16, 3, workdir)
        count = int(seconds * 1000)
        for round_ in range(COMPARISON_ROUNDS):
            unique = unique_questions(questions, count, first=(round_ + 1) * count)
            for batch, label in ((unique, UNIQUE), (questions, REPEATED)):
                for path, server in servers.items():
                    run = http_run(server, batch, label, 1, 16, seconds, workdir, path)
                    print(f"  {run}", flush=True)
                    runs.append(run)
    return runs
