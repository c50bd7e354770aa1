"""``python -m evals.benchmark``: every measurement in order (see the package docstring), or
``drive``, the load driver (see :mod:`evals.benchmark.driver`)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from evals.benchmark import GOLD_FILES, OUTPUT
from evals.benchmark.driver import LoadDriver, LoadSummary, drive

if TYPE_CHECKING:  # imported at run time only where needed: the driver must start fast
    from evals.benchmark.report import Report


def benchmark(seconds: float, long_requests: int, long_concurrency: int, long_workers: int,
              output: Path) -> Report:
    """Run every measurement, in order, on one fresh home; write and return the report."""
    from evals.benchmark.http import compare_paths, http_matrix
    from evals.benchmark.inprocess import cold_ingest, in_process
    from evals.benchmark.machine import Machine, ServerUsage
    from evals.benchmark.report import Report, markdown
    from evals.gold import load_gold
    from evals.server import serve

    machine = Machine.here()
    questions = [i.question for path in GOLD_FILES for i in load_gold(path) if not i.session]
    with tempfile.TemporaryDirectory(prefix="policybot-bench-") as scratch:
        workdir = Path(scratch)
        home = workdir / "home"
        print("Cold ingest, every passage embedded ...", flush=True)
        scratch_s = cold_ingest(workdir / "scratch-home", workdir / "scratch")
        print(f"  {scratch_s:.1f} s\nCold ingest into {home} ...", flush=True)
        ingest_s = cold_ingest(home)
        print(f"  {ingest_s:.1f} s\nIn-process asks and retrieval ...", flush=True)
        figures = in_process(home)
        print("  " + "\n  ".join(map(str, [*figures.asks, *figures.retrieval])), flush=True)
        print("HTTP, the earlier path against the current one ...", flush=True)
        comparison = compare_paths(home, questions, seconds, workdir)
        print("HTTP ...", flush=True)
        runs = http_matrix(home, questions, seconds, workdir)
        print(f"Long run: {long_requests} asks at {long_concurrency} concurrent ...", flush=True)
        with (workdir / "server-long.log").open("w+b") as log, \
                serve(home, long_workers, log) as server, ServerUsage(server.pid) as rss:
            # Bounded generously: at 10 req/s it would still end.
            limit = long_requests / 10 + 60
            with LoadDriver(server.url, questions, workdir, long_concurrency, long_requests,
                            limit) as driver:
                long_run = LoadSummary.of(driver.finish(), long_requests)
        print(f"  {long_run}", flush=True)
    report = Report(machine, ingest_s, scratch_s, figures, runs, comparison, seconds,
                    len(questions), long_run, long_requests, long_workers, long_concurrency,
                    rss.peak_mb)
    text = markdown(report)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    print(f"\n{text}\nWritten to {output}")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark policybot end to end")
    parser.add_argument("--seconds", type=float, default=15.0, help="length of each HTTP run")
    parser.add_argument("--long-requests", type=int, default=10_000)
    parser.add_argument("--long-concurrency", type=int, default=32)
    parser.add_argument("--long-workers", type=int, default=2)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    commands = parser.add_subparsers(dest="command")
    driver = commands.add_parser("drive", help="send load (see evals.benchmark.driver)")
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
