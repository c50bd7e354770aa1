"""The report of one benchmark run: targets met and missed, and docs/benchmarks.md."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from evals.benchmark import CURRENT, PATHS, WARM_UP
from evals.benchmark.driver import LoadSummary
from evals.benchmark.http import WORKER_COUNTS, HttpRun
from evals.benchmark.inprocess import InProcess
from evals.benchmark.machine import Machine

# Targets set by the issues.
TARGET_INGEST_S = 10.0
TARGET_ASK_P50_MS = 8.0
TARGET_ASK_P95_MS = 40.0
TARGET_RPS_AT_16 = 150.0
TARGET_HTTP_P95_MS = 100.0
TARGET_RSS_MB = 400.0


@dataclass(frozen=True)
class Report:
    """Every figure of one benchmark run.

    comparison: each path's runs (see PATHS), taken in turn.
    """

    machine: Machine
    ingest_s: float
    scratch_ingest_s: float
    in_process: InProcess
    http: list[HttpRun]
    comparison: list[HttpRun]
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
    first, again = (a for a in report.in_process.asks if a.path == CURRENT)
    lines = [
        "| target | measured | |",
        "| --- | --- | --- |",
        f"| cold ingest ≤ {TARGET_INGEST_S:.0f} s | {report.ingest_s:.1f} s | "
        f"{verdict(report.ingest_s <= TARGET_INGEST_S)} |",
        f"| in-process ask p50 ≤ {TARGET_ASK_P50_MS:.0f} ms (first ask, never-seen questions) | "
        f"{first.p50_ms:.1f} ms "
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
    bm25, hybrid = report.in_process.retrieval
    asks = report.in_process.asks
    return "\n".join([
        "# Benchmarks",
        "",
        "Measured by `make bench` (`.venv/bin/python -m evals.benchmark`); every figure below is "
        "from that one run. Load comes from a separate process on the same machine (so the "
        "load generator and the server share its CPUs), over loopback, with "
        "`POLICYBOT_RATE_LIMIT=0`. The bot keeps recent query vectors, so a question asked "
        "again skips the embedding: figures are given for repeated questions and for questions "
        "it has not seen. The earlier paths (`POLICYBOT_FAST=0`: search through Chroma's HNSW "
        "index; `POLICYBOT_KEYWORD_FIRST=0`: every searched question embedded; "
        "`POLICYBOT_QUEUE_IN_LOOP=0` and `POLICYBOT_WRITE_PAUSE=0`: each question waiting its "
        "turn in a worker thread of its own, each answer's conversation turn and log row "
        "written as soon as it is given) and the current one (the vectors searched in memory, "
        "a decisive keyword match answered without embedding, questions waiting their turn in "
        "the event loop, the rows of many answers written together) are measured in the same "
        "run, taking turns: on a "
        "machine shared with other work, their ratios mean more than absolute figures, and "
        "the server's CPU time a response more than its wall time.",
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
        "## The earlier paths against the current one",
        "",
        *comparison(report),
        "",
        "## Cold ingest",
        "",
        "`policybot ingest` of the bundled plan (100 measures and their sample questions) into "
        "an empty `POLICYBOT_HOME`, as a subprocess, wall time including start-up: "
        f"**{report.ingest_s:.1f} s**. The plan ships its passage vectors "
        "(`ingest/corpus/putuo-yingshang-2021.vectors.npz`), so nothing is embedded; the same "
        "plan copied without them, every one of its 300 passages embedded: "
        f"**{report.scratch_ingest_s:.1f} s** "
        f"({report.scratch_ingest_s / report.ingest_s:.1f}× as long).",
        "",
        "## In-process `ask()`",
        "",
        f"`PolicyBot.ask()` over the {asks[0].n} dev and test gold questions "
        f"(conversations in order), after {len(WARM_UP)} warm-up questions that are in neither "
        "set, then all of them again; latency is the bot's own `latency_ms`. A bot of each "
        "path, in one process, the two taking turns conversation by conversation.",
        "",
        "| path | pass | n | p50 | p95 | p99 | recall@1 | recall@5 | refusal accuracy |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        *(f"| {a.path} | {a.name} | {a.n} | {a.p50_ms:.1f} ms | {a.p95_ms:.1f} ms | "
          f"{a.p99_ms:.1f} ms | {a.recall_at_1:.3f} | {a.recall_at_5:.3f} | "
          f"{a.refusal_accuracy:.3f} |" for a in asks),
        "",
        "### Profiles",
        "",
        "cProfile over a first pass of the same questions with a fresh bot of each path, the "
        "top lines by own time.",
        "",
        *(line for path, text in report.in_process.profiles.items()
          for line in (f"{path}:", "", "```", text, "```", "")),
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
          f"{r.p95_ms:.2f} ms |" for r in report.in_process.retrieval),
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
        "4xx/5xx | socket errors | server CPU a response | peak RSS |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        *(f"| {r.workers} | {r.concurrency} | {r.questions} | {r.generator} | {r.requests:,} | "
          f"{r.rps:.1f} | {r.p50_ms:.1f} ms | {r.p95_ms:.1f} ms | {r.p99_ms:.1f} ms | "
          f"{r.error_responses} | {r.socket_errors} | {r.cpu_ms:.1f} ms | "
          f"{r.peak_rss_mb:.0f} MB |"
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


def comparison(report: Report) -> list[str]:
    """The earlier paths against the current one, in process and over HTTP, with ratios."""
    asks = {(a.path, a.name): a for a in report.in_process.asks}
    earlier = [path for path in PATHS if path != CURRENT]
    lines = [
        "In process (from the table below, first ask):",
        "",
        "| path | p50 | p95 | recall@1 | recall@5 | refusal accuracy |",
        "| --- | --- | --- | --- | --- | --- |",
        *(f"| {a.path} | {a.p50_ms:.1f} ms | {a.p95_ms:.1f} ms | {a.recall_at_1:.3f} | "
          f"{a.recall_at_5:.3f} | {a.refusal_accuracy:.3f} |"
          for a in report.in_process.asks if a.name == "first ask"),
    ]
    first = {path: asks[path, "first ask"] for path in PATHS}
    lines.append("")
    lines += [f"Current / {path}, first ask: p50 "
              f"{ratio(first[CURRENT].p50_ms, first[path].p50_ms)}, p95 "
              f"{ratio(first[CURRENT].p95_ms, first[path].p95_ms)}." for path in earlier]
    lines.append("")
    lines += [
        "Over HTTP: a server of each path (1 worker) side by side, loaded in turn at 16 "
        "connections, each kind of question in alternating runs of "
        f"{report.http_seconds:.0f} s; medians over the runs.",
        "",
        "| questions | path | runs | req/s | p50 | p95 | p99 | server CPU a response | errors | "
        "peak RSS |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    medians = {}
    for label in dict.fromkeys(r.questions for r in report.comparison):
        for path in PATHS:
            runs = [r for r in report.comparison if r.questions == label and r.path == path]
            medians[label, path] = m = {
                key: statistics.median(getattr(r, key) for r in runs)
                for key in ("rps", "p50_ms", "p95_ms", "p99_ms", "cpu_ms", "peak_rss_mb")}
            errors = sum(r.error_responses + r.socket_errors for r in runs)
            lines.append(f"| {label} | {path} | {len(runs)} | {m['rps']:.1f} | "
                         f"{m['p50_ms']:.1f} ms | {m['p95_ms']:.1f} ms | {m['p99_ms']:.1f} ms | "
                         f"{m['cpu_ms']:.1f} ms | {errors} | {m['peak_rss_mb']:.0f} MB |")
    lines.append("")
    for label in dict.fromkeys(r.questions for r in report.comparison):
        for path in earlier:
            new, old = medians[label, CURRENT], medians[label, path]
            lines.append(f"Current / {path}, {label} questions: throughput "
                         f"{ratio(new['rps'], old['rps'])}, p50 "
                         f"{ratio(new['p50_ms'], old['p50_ms'])}, p95 "
                         f"{ratio(new['p95_ms'], old['p95_ms'])}, server CPU a response "
                         f"{ratio(new['cpu_ms'], old['cpu_ms'])}.")
        lines.append("")
    return lines[:-1]


def load_text(load: tuple[float, float, float]) -> str:
    return ", ".join(f"{value:.2f}" for value in load)


def ratio(numerator: float, denominator: float) -> str:
    return f"{numerator / denominator:.2f}×" if denominator else "n/a"

