"""Throughput at 16 concurrent for one replica against two, behind the shared stores; print the
figures and write them to docs/replicas-benchmark.md.

    .venv/bin/python -m evals.benchmark.replicas [--seconds 15] [--workers 1]

Two ``policybot serve`` replicas run on loopback, each with a home of its own, sharing one
``redis-server`` (conversations) and one ``chroma run`` server (the index), as deploy/compose.yaml
runs them. *One replica*: wrk sends 16 connections to replica A (B idles). *Two replicas*: two
wrk processes at once, 8 connections to each replica, and their figures are added up (a load
balancer spreading 16 connections evenly). Both replicas run throughout, so the machine holds
the same processes in both cases. It only measures and prints: it never asserts.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

from evals.benchmark import GOLD_FILES
from evals.benchmark.http import REPEATED, UNIQUE, run_wrk, unique_questions, wrk_script
from evals.benchmark.report import ratio
from evals.server import ROOT, Server, free_port, serve

OUTPUT = ROOT / "docs" / "replicas-benchmark.md"
CONCURRENCY = 16


@dataclass(frozen=True)
class WrkFigures:
    """One wrk run against one replica: requests answered, how long, latency percentiles,
    4xx/5xx responses and socket errors (connect, read, write, timeout)."""

    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    error_responses: int
    socket_errors: int

    @classmethod
    def parse(cls, figures: dict[str, float]) -> WrkFigures:
        """figures: what the benchmark's wrk script printed."""
        return cls(int(figures["requests"]), figures["duration_us"] / 1e6,
                   figures["p50_us"] / 1000, figures["p95_us"] / 1000, int(figures["status"]),
                   int(sum(figures[k] for k in ("connect", "read", "write", "timeout"))))


@dataclass(frozen=True)
class Setup:
    """One measured arrangement: how many replicas took the load, which questions, and the wrk
    run against each replica (16 connections for one, 8 each for two)."""

    replicas: int
    questions: str
    runs: tuple[WrkFigures, ...]

    @property
    def rps(self) -> float:
        return sum(run.requests / run.seconds for run in self.runs)

    @property
    def errors(self) -> int:
        return sum(run.error_responses + run.socket_errors for run in self.runs)

    def row(self) -> str:
        p50 = " / ".join(f"{run.p50_ms:.1f}" for run in self.runs)
        p95 = " / ".join(f"{run.p95_ms:.1f}" for run in self.runs)
        connections = " + ".join(str(CONCURRENCY // self.replicas) for _ in self.runs)
        return (f"| {self.replicas} | {self.questions} | {connections} | "
                f"{sum(r.requests for r in self.runs):,} | {self.rps:.1f} | {p50} ms | "
                f"{p95} ms | {self.errors} |")


@contextmanager
def redis_server(directory: Path) -> Iterator[str]:
    """A redis-server on a free loopback port that saves nothing; yields its URL."""
    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "",
         "--appendonly", "no", "--dir", str(directory), "--logfile", "redis.log"],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    with stopping(process):
        wait_for(lambda: subprocess.run(["redis-cli", "-p", str(port), "ping"],
                                        capture_output=True, text=True).stdout.strip() == "PONG",
                 "redis-server", process)
        yield f"redis://127.0.0.1:{port}/0"


@contextmanager
def chroma_server(directory: Path) -> Iterator[int]:
    """A ``chroma run`` server on a free loopback port, storing under directory; yields its
    port."""
    port = free_port()
    with (directory / "chroma.log").open("w") as log:
        process = subprocess.Popen(
            [str(Path(sys.executable).with_name("chroma")), "run", "--path",
             str(directory / "chroma-server"), "--host", "127.0.0.1", "--port", str(port)],
            stdout=log, stderr=subprocess.STDOUT)
        with stopping(process):
            wait_for(lambda: answers(f"http://127.0.0.1:{port}/api/v2/heartbeat"),
                     "chroma run", process)
            yield port


@contextmanager
def stopping(process: subprocess.Popen) -> Iterator[None]:
    """Terminate process when the block ends."""
    try:
        yield
    finally:
        process.terminate()
        process.wait(timeout=30)


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def wait_for(ready, name: str, process: subprocess.Popen) -> None:
    """Poll ready() until it holds; raise if process exits or a minute passes."""
    deadline = time.monotonic() + 60
    while not ready():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{name} did not start")
        time.sleep(0.1)


def load(servers: list[Server], scripts: Iterator[Path], seconds: float
         ) -> tuple[WrkFigures, ...]:
    """wrk against each server at once, CONCURRENCY connections shared evenly, each wrk with
    the next script."""
    each = CONCURRENCY // len(servers)
    runs = [(server, next(scripts)) for server in servers]
    with ThreadPoolExecutor(len(runs)) as pool:
        figures = pool.map(lambda run: run_wrk(run[0].url, run[1], each, seconds), runs)
        return tuple(WrkFigures.parse(f) for f in figures)


def wrk_scripts(questions: list[str], unique: bool, seconds: float, workdir: Path
                ) -> Iterator[Path]:
    """wrk scripts, one for each run: the questions as they are, or, with unique, each run's
    questions new (a tagged copy no earlier run sent), so none comes from a cache."""
    # Far more than a run sends: an ask that embeds takes milliseconds.
    per_run = int(seconds * 1000)
    for n in itertools.count():
        batch = unique_questions(questions, (n + 1) * per_run)[n * per_run:] if unique \
            else questions
        script = workdir / f"ask-{'unique' if unique else 'repeated'}-{n}.lua"
        script.write_text(wrk_script(batch), encoding="utf-8")
        yield script


def measure(seconds: float, workers: int, workdir: Path) -> list[Setup]:
    """Start the stores and two replicas, index once, then load one replica and both."""
    from evals.gold import load_gold

    questions = [i.question for path in GOLD_FILES for i in load_gold(path) if not i.session]
    setups = []
    with ExitStack() as stack:
        redis_url = stack.enter_context(redis_server(workdir))
        chroma_port = stack.enter_context(chroma_server(workdir))
        env = {"REDIS_URL": redis_url, "CHROMA_HOST": "127.0.0.1",
               "CHROMA_PORT": str(chroma_port)}
        print("Indexing the bundled plan into the Chroma server ...", flush=True)
        ingest = subprocess.run(
            [sys.executable, "-m", "api.cli", "ingest"], cwd=ROOT, capture_output=True,
            text=True, env={**os.environ, "POLICYBOT_HOME": str(workdir / "ingest"), **env})
        if ingest.returncode:
            raise RuntimeError(f"policybot ingest failed:\n{ingest.stderr[-2000:]}")
        replicas = []
        for name in ("a", "b"):
            log = stack.enter_context((workdir / f"replica-{name}.log").open("w+b"))
            replicas.append(stack.enter_context(
                serve(workdir / f"home-{name}", workers, log, env)))
        for label, unique in ((REPEATED, False), (UNIQUE, True)):
            scripts = wrk_scripts(questions, unique, seconds, workdir)
            load(replicas, scripts, 3)  # warm both replicas up (model, jieba, caches)
            for count in (1, 2):
                setup = Setup(count, label, load(replicas[:count], scripts, seconds))
                print(f"  {setup.row()}", flush=True)
                setups.append(setup)
    return setups


def markdown(setups: list[Setup], seconds: float, workers: int,
             load_average: tuple[float, float, float]) -> str:
    rps = {(s.replicas, s.questions): s.rps for s in setups}
    ratios = [f"- {label}: two replicas give {ratio(rps[(2, label)], rps[(1, label)])} the "
              "requests a second of one." for label in (REPEATED, UNIQUE)]
    return "\n".join([
        "# One replica against two",
        "",
        "Measured by `.venv/bin/python -m evals.benchmark.replicas` (part of `make bench`) on "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}. Two `policybot serve` replicas with {workers} "
        f"worker{'s' if workers > 1 else ''} each, on loopback, share one redis-server and one "
        "`chroma run` server; the load generator (wrk) runs on the same machine. 16 "
        f"connections, {seconds:.0f} s a run after a 3 s warm-up; with two replicas, 8 "
        "connections to each at once, and latency is given for each replica (A / B). "
        "*gold, repeated*: the single-turn gold questions in turn (query vectors cached after "
        "the first round); *unique*: each question made new, so every ask embeds. Load "
        "average (1, 5, 15 min) before the run: "
        f"{', '.join(f'{value:.2f}' for value in load_average)} (other work on the machine "
        "slows every figure).",
        "",
        "| replicas | questions | connections | requests | req/s | p50 | p95 | errors |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
        *(s.row() for s in setups),
        "",
        *ratios,
        "",
        "A replica with one worker is one Python process, which uses about one core at most; "
        f"a second replica can use another. Here {os.cpu_count()} cores are shared by both "
        "replicas, the stores and wrk (and any other work: see the load average), so two "
        "replicas cannot double the throughput of one; on machines of their own they add up.",
        "",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=15.0, help="length of each run")
    parser.add_argument("--workers", type=int, default=1, help="workers per replica")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    load_average = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="policybot-replicas-") as scratch:
        setups = measure(args.seconds, args.workers, Path(scratch))
    text = markdown(setups, args.seconds, args.workers, load_average)
    args.output.write_text(text, encoding="utf-8")
    print(f"\n{text}\nWritten to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
