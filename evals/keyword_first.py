"""How often keyword search is decisive, and whether answering from it alone cites what the
full search cites: the evidence for ``bot.search.DECISIVE_RATIO``, on dev gold sets only.

    python -m evals.keyword_first [--gold evals/gold/dev.jsonl …] [--ratios 1.5 2 3]

Each searched single-need question (as ``evals.calibrate`` selects them) is searched both ways;
for each ratio it prints the share of questions that would skip dense search and, among those,
how many cite the same measures as the full search, and how many of the answerable ones cite an
expected measure either way.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.policybot import load_bot
from bot.search import decisive
from bot.settings import Settings
from evals.calibrate import searched
from evals.gold import load_gold

DEV_GOLD = (Path("evals/gold/dev.jsonl"), Path("evals/gold/calibration.jsonl"),
            Path("evals/gold/owner-dev.jsonl"), Path("evals/gold/owner-dev2.jsonl"),
            Path("evals/gold/owner-dev3.jsonl"), Path("evals/gold/owner-dev4.jsonl"),
            Path("evals/gold/owner-dev5.jsonl"), Path("evals/gold/owner-dev6.jsonl"),
            Path("evals/gold/owner-holdout4.jsonl"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", nargs="+", type=Path, default=list(DEV_GOLD))
    parser.add_argument("--ratios", nargs="+", type=float, default=[1.5, 2.0, 2.5, 3.0])
    args = parser.parse_args()
    bot = load_bot(Settings(POLICYBOT_KEYWORD_FIRST=False))
    pipeline = bot.pipeline
    rows = []
    items = [item for path in args.gold for item in load_gold(path)]
    for item, part, found in searched(pipeline, items):
        if found.measures and found.keyword:
            alone = pipeline.selector.run(part, pipeline.fusion.run([found.keyword, []]))
            expected = set(item.expected_measures)
            rows.append((part, found.keyword, alone == found.measures, item.answerable,
                         bool(expected & set(found.measures)), bool(expected & set(alone))))
    print(f"{len(rows)} searched single-need questions")
    for limit in args.ratios:
        chosen = [r[2:] for r in rows if decisive(r[0], r[1], limit)]
        answerable = [s for s in chosen if s[1]]
        print(f"ratio ≥ {limit}: {len(chosen)} decisive ({len(chosen) / len(rows):.1%}), "
              f"same citations {sum(s[0] for s in chosen)}/{len(chosen)}; answerable "
              f"{len(answerable)}, citing an expected measure: full search "
              f"{sum(s[2] for s in answerable)}, keyword alone {sum(s[3] for s in answerable)}")


if __name__ == "__main__":
    main()
