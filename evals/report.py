"""Run a gold set through ``PolicyBot.ask()`` (as the API does) and score it.

Metric definitions (``answerable`` items are those the gold marks answerable; for an item that
names its ``document``, only that document's measures count as retrieved, cited or related):

- recall@1, recall@5, mrr: over answerable items, whether an expected measure is in the top 1 /
  top 5 of ``retrieved``, and the mean reciprocal rank of the first expected measure;
- cited_hit: over answerable items, whether the answer cites an expected measure;
- citation_precision: over answerable items that cite anything, the share of cited measures
  that are expected;
- unit_recall: over answerable items with expected units, the share of them the cited measures
  name;
- set_recall: over answerable items, the share of the expected measures the answer cites,
  averaged (what matters for lists and for messages with several needs);
- refusal_accuracy: over unanswerable items (partial or none), the share not answered as
  covered;
- false_refusal_rate: over answerable items, the share not answered as covered;
- partial_accuracy: over items whose gold coverage is partial, the share answered as partial;
- related_hit: over those answered as partial, whether the answer's related measures include
  one the gold names;
- latency_ms_p50/p95: of the bot's own ``latency_ms``.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import asdict, dataclass

import numpy as np

from bot.policybot import PolicyBot
from evals.gold import GoldItem


@dataclass(frozen=True)
class ItemResult:
    """What the bot did with one gold item."""

    id: str
    question: str
    type: str
    answerable_expected: bool
    answerable: bool
    expected_measures: list[int]
    retrieved: list[int]
    cited: list[int]
    units: list[str]
    latency_ms: float
    expected_units: list[str]
    coverage_expected: str
    coverage: str
    related_expected: list[int]
    related: list[int]


METRICS = ("n", "recall@1", "recall@5", "mrr", "cited_hit", "citation_precision", "unit_recall",
           "set_recall", "refusal_accuracy", "false_refusal_rate", "partial_accuracy",
           "related_hit", "latency_ms_p50", "latency_ms_p95")


def run_gold(bot: PolicyBot, items: list[GoldItem]) -> list[ItemResult]:
    """Ask every item; turns of a conversation share a fresh session, in turn order."""
    run_id = uuid.uuid4().hex[:8]
    ordered = sorted(items, key=lambda i: (i.session or i.id, i.turn or 0))
    results = {}
    for item in ordered:
        session = f"eval-{run_id}-{item.session}" if item.session else None
        answer = bot.ask(item.question, session)
        citations = [c for c in answer.citations if counts(item, c.document)]
        cited = [c.measure for c in citations]
        units = list(dict.fromkeys(u for c in citations for u in c.units))
        results[item.id] = ItemResult(
            id=item.id, question=item.question, type=item.type,
            answerable_expected=item.answerable, answerable=answer.answerable,
            expected_measures=item.expected_measures,
            retrieved=[r.measure for r in answer.retrieved if counts(item, r.document)],
            cited=cited, units=units,
            latency_ms=answer.latency_ms, expected_units=item.expected_units,
            coverage_expected=item.coverage, coverage=answer.coverage,
            related_expected=item.related,
            related=[c.measure for c in answer.related if counts(item, c.document)])
    return [results[i.id] for i in items]


def counts(item: GoldItem, document: str) -> bool:
    """Whether a measure of this document counts for the item (see the module docstring)."""
    return item.document is None or document == item.document


def mean(values: list[float]) -> float | None:
    return round(float(np.mean(values)), 4) if values else None


def metrics(results: list[ItemResult]) -> dict[str, float | int | None]:
    """The report's metrics for a list of results (see the module docstring)."""
    answerable = [r for r in results if r.answerable_expected and r.expected_measures]
    unanswerable = [r for r in results if not r.answerable_expected]
    partial = [r for r in results if r.coverage_expected == "partial"]
    found_partial = [r for r in partial if r.coverage == "partial"]

    def rank(r: ItemResult) -> int | None:
        return next((i for i, m in enumerate(r.retrieved, 1) if m in r.expected_measures), None)

    ranks = [rank(r) for r in answerable]
    citing = [r for r in answerable if r.cited]
    with_units = [r for r in answerable if r.expected_units]
    latencies = [r.latency_ms for r in results]
    return {
        "n": len(results),
        "recall@1": mean([float(k == 1) for k in ranks]),
        "recall@5": mean([float(k is not None and k <= 5) for k in ranks]),
        "mrr": mean([1.0 / k if k else 0.0 for k in ranks]),
        "cited_hit": mean([float(bool(set(r.cited) & set(r.expected_measures)))
                           for r in answerable]),
        "citation_precision": mean([len(set(r.cited) & set(r.expected_measures)) / len(r.cited)
                                    for r in citing]),
        "unit_recall": mean([len(set(r.expected_units) & set(r.units)) / len(r.expected_units)
                             for r in with_units]),
        "set_recall": mean([len(set(r.cited) & set(r.expected_measures))
                            / len(set(r.expected_measures)) for r in answerable]),
        "refusal_accuracy": mean([float(not r.answerable) for r in unanswerable]),
        "false_refusal_rate": mean([float(not r.answerable) for r in answerable]),
        "partial_accuracy": mean([float(r.coverage == "partial") for r in partial]),
        "related_hit": mean([float(bool(set(r.related) & set(r.related_expected)))
                             for r in found_partial]),
        "latency_ms_p50": round(float(np.percentile(latencies, 50)), 3) if latencies else None,
        "latency_ms_p95": round(float(np.percentile(latencies, 95)), 3) if latencies else None,
    }


def report(results: list[ItemResult]) -> dict:
    """The JSON report: overall metrics, metrics per type, and every item."""
    by_type: dict[str, list[ItemResult]] = defaultdict(list)
    for r in results:
        by_type[r.type].append(r)
    items = []
    for r in results:
        item = asdict(r)
        item.pop("expected_units")
        items.append(item)
    return {"metrics": metrics(results),
            "by_type": {t: metrics(rs) for t, rs in sorted(by_type.items())},
            "items": items}


def table(report_body: dict) -> str:
    """A readable table of the metrics, overall and per type."""
    columns = [c for c in METRICS if c not in ("mrr", "latency_ms_p95")]
    width = {c: max(len(c) + 1, 7) for c in columns}
    header = f"{'type':<14}" + "".join(f"{c:>{width[c]}}" for c in columns)
    lines = [header, "-" * len(header)]
    rows = [("ALL", report_body["metrics"]), *report_body["by_type"].items()]
    for name, values in rows:
        cells = []
        for c in columns:
            v = values[c]
            w = width[c]
            cells.append(f"{'-':>{w}}" if v is None else f"{v:>{w}}" if c == "n"
                         else f"{v:>{w}.3f}")
        lines.append(f"{name:<14}" + "".join(cells))
    return "\n".join(lines)


def failures(results: list[ItemResult]) -> list[ItemResult]:
    """Items answered wrongly: with another coverage than the gold's, citing no expected
    measure, or missing some expected measure of a list or of several needs."""
    return [r for r in results
            if r.coverage != r.coverage_expected
            or (r.answerable_expected and not set(r.expected_measures) <= set(r.cited))]
