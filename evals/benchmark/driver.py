"""The asyncio load driver, run in its own process so the load does not share the caller's
GIL::

    .venv/bin/python -m evals.benchmark drive URL QUESTIONS.json OUTCOMES.jsonl \\
        --concurrency 32 --requests 1000 --seconds 120 [--rate 20]

It asks the questions in turn (at most --rate a second) until it has sent --requests,
--seconds have passed or it gets SIGTERM, and writes one JSON line (an :class:`Outcome`) per
request as each one ends. The load tests use it too.
"""

from __future__ import annotations

import asyncio
import json
import signal
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

from evals.benchmark import REQUEST_TIMEOUT_SECONDS, ROOT


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


