"""In-process figures: cold ingest, ``PolicyBot.ask()`` latency and quality, BM25 against
hybrid retrieval."""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import shutil
import subprocess
import sys
import sysconfig
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from evals.benchmark import CURRENT, GOLD_FILES, PATHS, ROOT, WARM_UP
from evals.benchmark.driver import elapsed_ms, percentile
from vectorstore.library import BUNDLED_ID

if TYPE_CHECKING:
    from bot.policybot import PolicyBot
    from evals.gold import GoldItem

BM25_ONLY = "BM25 only"
HYBRID = "hybrid (BM25 + dense, RRF)"
PROFILE_LINES = 12

def cold_ingest(home: Path, scratch: Path | None = None) -> float:
    """Wall time of ``policybot ingest`` (the bundled plan) into an empty home, in seconds.

    scratch: a directory to copy the plan and its sample questions into, without its
    passage vectors, so that every passage is embedded; None ingests the plan as shipped.
    """
    from ingest.plan import bundled_plan_path
    from ingest.queries import queries_path

    env = {**os.environ, "POLICYBOT_HOME": str(home)}
    command = [sys.executable, "-m", "api.cli", "ingest"]
    if scratch:
        plan = bundled_plan_path()
        scratch.mkdir(parents=True, exist_ok=True)
        for source in (plan, queries_path(plan)):
            shutil.copy(source, scratch / source.name)
        command += [str(scratch / plan.name), "--id", BUNDLED_ID]
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=900)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"ingest failed:\n{result.stderr}")
    return seconds


@dataclass(frozen=True)
class AskFigures:
    """``PolicyBot.ask()`` in process over the gold questions (conversations in order).

    path: which path (see PATHS). name: which pass (the
    first, or again with the query vectors cached). n: questions. p50_ms, p95_ms, p99_ms: the
    bot's own latency. recall_at_1, recall_at_5, refusal_accuracy: as ``policybot eval``
    reports them.
    """

    path: str
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


@dataclass(frozen=True)
class InProcess:
    """The in-process figures.

    asks: each path's two passes. retrieval: BM25 against hybrid. profiles: each path's
    profile of a first pass (the top lines by own time, as pstats prints them).
    """

    asks: list[AskFigures]
    retrieval: list[RetrievalFigures]
    profiles: dict[str, str]


def load_bots(home: Path) -> dict[str, PolicyBot]:
    """A bot for each path, warmed up."""
    from bot.policybot import load_bot
    from bot.settings import Settings

    bots = {path: load_bot(Settings(POLICYBOT_HOME=home, **env)) for path, env in PATHS.items()}
    for bot in bots.values():
        for question in WARM_UP:
            bot.ask(question)
    return bots


def in_process(home: Path) -> InProcess:
    """Each path's ask latency and quality over the gold sets, the paths taking turns
    conversation by conversation (twice: the bot keeps recent query vectors, so the second
    pass shows a repeated question); each path's profile; BM25 against hybrid."""
    from evals.gold import load_gold
    from evals.report import metrics, run_gold

    items = [item for path in GOLD_FILES for item in load_gold(path)]
    conversations: dict[str, list[GoldItem]] = {}
    for item in items:
        conversations.setdefault(item.session or item.id, []).append(item)
    bots = load_bots(home)
    asks = []
    for name in ("first ask", "asked again (query vector cached)"):
        results: dict[str, list] = {path: [] for path in bots}
        for conversation in conversations.values():
            for path, bot in bots.items():
                results[path] += run_gold(bot, conversation)
        for path, found in results.items():
            latencies = [r.latency_ms for r in found]
            scores = metrics(found)
            asks.append(AskFigures(
                path=path, name=name, n=len(found), p50_ms=percentile(latencies, 50),
                p95_ms=percentile(latencies, 95), p99_ms=percentile(latencies, 99),
                recall_at_1=scores["recall@1"], recall_at_5=scores["recall@5"],
                refusal_accuracy=scores["refusal_accuracy"]))
    profiles = {path: profile(bot, items) for path, bot in load_bots(home).items()}
    return InProcess(asks, compare_retrieval(bots[CURRENT], items), profiles)


def profile(bot: PolicyBot, items: list[GoldItem], lines: int = PROFILE_LINES) -> str:
    """cProfile's top lines by own time over a first pass of the gold questions."""
    from evals.report import run_gold

    profiler = cProfile.Profile()
    profiler.runcall(run_gold, bot, items)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(lines)
    text = out.getvalue()
    header = next(line for line in text.splitlines() if "function calls" in line).strip()
    table = text[text.index("   ncalls"):].rstrip()
    # Paths relative to the project and to site-packages, so the lines stay short.
    for prefix in (sysconfig.get_paths()["purelib"] + "/", f"{ROOT}/"):
        table = table.replace(prefix, "")
    return f"{header}\n\n{table}"


def compare_retrieval(bot: PolicyBot, items: list[GoldItem]) -> list[RetrievalFigures]:
    """BM25 alone against BM25 + dense fused, with the bot's own components, question by
    question in the same process (routing, scope and answers left out of both)."""
    from bot.pipeline import build_pipeline
    from bot.search import TOP_K

    # A pipeline of its own, whose index has not cached the questions' vectors yet.
    pipeline = build_pipeline(bot.open_index(), bot.pipeline.document,
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

