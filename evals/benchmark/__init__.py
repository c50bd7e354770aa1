"""Benchmark policybot end to end; print the figures and write them to docs/benchmarks.md.

    .venv/bin/python -m evals.benchmark [--seconds 15] [--long-requests 10000]

On this machine it measures: cold ingest (``policybot ingest`` into an empty home, of the
plan as shipped, with its passage vectors, and of a copy without them); in-process
``ask()`` latency over the dev and test gold questions, with the earlier paths (see PATHS)
and the current one interleaved question by question, and a profile of each; BM25-only
against hybrid retrieval; HTTP throughput and latency of ``policybot serve`` with 1 and 2
workers at 1, 16 and 64 connections, the paths side by side at 16 with 1 worker in
alternating runs, and the servers' peak RSS; and a long run of 10,000 asks at 32 in
flight (5xx and dropped requests). It only measures and prints: it never asserts.

One module a kind of measurement: :mod:`.driver` (the asyncio load driver, also
``python -m evals.benchmark drive``), :mod:`.machine`, :mod:`.http`, :mod:`.inprocess`,
:mod:`.report`; ``__main__`` runs them in order.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
GOLD_FILES = (ROOT / "evals" / "gold" / "dev.jsonl", ROOT / "evals" / "gold" / "test.jsonl")
OUTPUT = ROOT / "docs" / "benchmarks.md"
REQUEST_TIMEOUT_SECONDS = 30.0
# Questions that are in no gold set: they load jieba, the model and the caches before timing.
WARM_UP = ("你好", "What can you do?", "区税务局负责哪些措施？", "第1条", "营商环境是什么")
# The paths compared, by the settings that choose them: the search through Chroma's HNSW index
# (POLICYBOT_FAST=0), every question embedded (POLICYBOT_KEYWORD_FIRST=0), each question waiting
# its turn in a worker thread and each answer's rows written at once (POLICYBOT_QUEUE_IN_LOOP=0,
# POLICYBOT_WRITE_PAUSE=0), and the current one. Each earlier path is the code as it was.
CURRENT = "current path"
THREADS_WAIT = {"POLICYBOT_QUEUE_IN_LOOP": "0", "POLICYBOT_WRITE_PAUSE": "0"}
PATHS = {
    "earlier path": {"POLICYBOT_FAST": "0", "POLICYBOT_KEYWORD_FIRST": "0", **THREADS_WAIT},
    "always embedded": {"POLICYBOT_FAST": "1", "POLICYBOT_KEYWORD_FIRST": "0", **THREADS_WAIT},
    "waits in threads": {"POLICYBOT_FAST": "1", "POLICYBOT_KEYWORD_FIRST": "1", **THREADS_WAIT},
    CURRENT: {"POLICYBOT_FAST": "1", "POLICYBOT_KEYWORD_FIRST": "1"},
}
