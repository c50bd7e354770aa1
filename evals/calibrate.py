"""Fit the out-of-scope detector on the dev and calibration sets (never on the test set).

    python -m evals.calibrate [--gold evals/gold/dev.jsonl evals/gold/calibration.jsonl]

Questions the router answers, follow-up turns and greetings are left out: the model only
decides the searched questions. Writes ``bot/scope_model.json``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from bot.policybot import PolicyBot, load_bot, search
from bot.scope import FEATURES, ScopeEvidence, ScopeModel
from bot.settings import Settings
from evals.gold import GoldItem, load_gold

DEFAULT_GOLD = (Path("evals/gold/dev.jsonl"), Path("evals/gold/calibration.jsonl"))
# The threshold starts where 1% of the answerable training questions would be refused, then is
# lowered by a safety margin: questions phrased unlike any training question score lower, and a
# wrong refusal costs an owner more than a cited answer to a question near the plan's edge.
MAX_FALSE_REFUSALS = 0.01
SAFETY_MARGIN = 0.7


def features(bot: PolicyBot, items: list[GoldItem]) -> tuple[np.ndarray, np.ndarray]:
    """Evidence vectors and labels (1 = answerable) for the searched questions."""
    pipeline = bot.pipeline
    rows, labels = [], []
    for item in items:
        if item.session:
            continue
        query = pipeline.analyzer.run(item.question)
        if pipeline.router.run(query) or pipeline.scope.is_small_talk(query):
            continue
        found = search(pipeline, query)
        best = found.fused[0].measure if found.fused else None
        evidence = pipeline.scope.evidence(query, found.keyword, found.dense, best)
        rows.append(evidence.vector())
        labels.append(float(item.answerable))
    return np.array(rows), np.array(labels)


def fit(x: np.ndarray, y: np.ndarray, l2: float = 0.01, steps: int = 5000,
        rate: float = 0.5) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression by gradient descent, classes weighted equally."""
    weight = np.where(y == 1, 0.5 / y.mean(), 0.5 / (1 - y.mean()))
    w, b = np.zeros(x.shape[1]), 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(x @ w + b)))
        grad = (weight * (p - y)) / len(y)
        w -= rate * (x.T @ grad + l2 * w)
        b -= rate * grad.sum()
    return w, b


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", nargs="+", type=Path, default=list(DEFAULT_GOLD))
    args = parser.parse_args()
    bot = load_bot(Settings())
    items = [item for path in args.gold for item in load_gold(path)]
    x, y = features(bot, items)
    means, scales = x.mean(axis=0), x.std(axis=0) + 1e-9
    w, b = fit((x - means) / scales, y)

    def named(values: np.ndarray) -> dict[str, float]:
        return {n: round(float(v), 4) for n, v in zip(FEATURES, values, strict=True)}

    p = 1 / (1 + np.exp(-(((x - means) / scales) @ w + b)))
    answerable = np.sort(p[y == 1])
    threshold = SAFETY_MARGIN * float(answerable[int(MAX_FALSE_REFUSALS * len(answerable))])
    model = ScopeModel(weights=named(w), bias=round(float(b), 4),
                       threshold=round(threshold, 4), means=named(means), scales=named(scales))
    model.save()
    p = np.array([model.probability(ScopeEvidence(*row)) for row in x])
    refused = float(np.mean(p[y == 0] < model.threshold))
    wrongly = float(np.mean(p[y == 1] < model.threshold))
    print(f"{len(y)} questions ({int(y.sum())} answerable); threshold {model.threshold}")
    print(f"on these: refusal accuracy {refused:.3f}, false refusals {wrongly:.3f}")
    print("weights:", model.weights, "bias:", model.bias)


if __name__ == "__main__":
    main()
