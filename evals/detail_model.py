"""Fit the model of details asked in words no pattern knows, on dev sets only (never a test or
held-out set).

    python -m evals.detail_model

Each single-need question of the dev sets that the plan answers or answers in part is searched
as the bot searches it, and the vector dense search embeds for it is kept: a near miss (the
plan has the topic, not the detail asked) is labelled 1, an answered question 0. The model is
only asked about needs whose details ``bot.details`` does not recognise, so answered questions
asking a detail the patterns recognise are left out; near misses are all kept, since how a
detail is asked carries over to details asked in words the patterns do not know. A logistic
model is fitted on the vectors. Its threshold is the lowest at which, with each dev set held
out in turn and the model fitted on the rest, at most MAX_FALSE_ALARMS of the held-out answered
questions would be called near misses. Writes ``bot/detail_model.json``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from bot.detail_model import DetailModel
from bot.details import asked_details
from bot.policybot import load_bot
from bot.settings import Settings
from evals.calibrate import fit
from evals.gold import GoldItem, load_gold
from vectorstore.library import BUNDLED_ID

DEV_GOLD = tuple(Path("evals/gold") / f"{name}.jsonl" for name in (
    "dev", "calibration", "owner-dev", "owner-dev2", "owner-dev3", "owner-dev4", "owner-dev5",
    "owner-dev6", "owner-dev7", "owner-dev8", "owner-dev9", "owner-dev10", "owner-dev11",
    "owner-dev12", "owner-holdout4"))
MAX_FALSE_ALARMS = 0.0075
L2 = 0.05


def rows(items: list[GoldItem]) -> tuple[list[np.ndarray], list[float]]:
    """The searched vector and label of each single-need near miss among the items, and of
    each answered single-need question that asks no detail the patterns recognise."""
    bot = load_bot(Settings(POLICYBOT_KEYWORD_FIRST=False))
    pipeline = bot.pipeline
    vectors, labels = [], []
    for item in items:
        if item.session or item.coverage == "none":
            continue
        query = pipeline.analyzer.run(item.question)
        needs, instructed = pipeline.needs.run(query.text)
        if len(needs) != 1 or (item.coverage == "answered"
                                and asked_details(needs[0].question, pipeline.year)):
            continue
        plain = needs[0].text == query.text and not instructed
        searched = query if plain else pipeline.analyzer.part(needs[0].text, query.lang)
        vectors.append(pipeline.dense.vector(searched))
        labels.append(float(item.coverage == "partial"))
    return vectors, labels


def fitted(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Weights and bias on the raw vectors (the standardisation folded in)."""
    means, scales = x.mean(axis=0), x.std(axis=0) + 1e-6
    w, b = fit((x - means) / scales, y, l2=L2, steps=1500)
    return w / scales, float(b - np.sum(w * means / scales))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", nargs="+", type=Path, default=list(DEV_GOLD))
    args = parser.parse_args()
    x, y, group = [], [], []
    for path in args.gold:
        vectors, labels = rows(load_gold(path))
        x += vectors
        y += labels
        group += [path.stem] * len(labels)
    x, y, group = np.array(x), np.array(y), np.array(group)
    held_out = np.zeros(len(y))
    for name in sorted(set(group)):
        rest = group != name
        w, b = fitted(x[rest], y[rest])
        held_out[~rest] = x[~rest] @ w + b
    # The lowest score at which at most MAX_FALSE_ALARMS of the answered would be flagged.
    answered = np.sort(held_out[y == 0])[::-1]
    threshold = float(answered[int(MAX_FALSE_ALARMS * len(answered))])
    caught = float(np.mean(held_out[y == 1] > threshold))
    print(f"{len(y)} questions ({int(y.sum())} near misses); held out in turn: "
          f"{caught:.3f} of near misses caught, {MAX_FALSE_ALARMS:.0%} of answered flagged")
    w, b = fitted(x, y)
    model = DetailModel(BUNDLED_ID, Settings().embeddings, [round(float(v), 6) for v in w],
                        round(b, 6), round(threshold, 6))
    model.save()
    print(f"threshold (a score, logit) {model.threshold}; written to {model.path}")


if __name__ == "__main__":
    main()
