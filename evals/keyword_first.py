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

from bot.details import asked_details
from bot.policybot import load_bot
from bot.search import decisive, examine
from bot.settings import Settings
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
    pipeline = load_bot(Settings(POLICYBOT_KEYWORD_FIRST=False)).pipeline
    searched = []
    for item in (i for path in args.gold for i in load_gold(path) if not i.session):
        query = pipeline.analyzer.run(item.question)
        if pipeline.router.run(query) or pipeline.scope.is_small_talk(query):
            continue
        needs, _ = pipeline.needs.run(query.text)
        if len(needs) != 1:
            continue
        part = pipeline.analyzer.part(needs[0].text, query.lang)
        found = examine(pipeline, part, asked_details(needs[0].question, pipeline.year))
        if found.measures and found.keyword:
            alone = pipeline.selector.run(part, pipeline.fusion.run([found.keyword, []]))
            expected = set(item.expected_measures)
            searched.append((part, found.keyword, alone == found.measures, item.answerable,
                             bool(expected & set(found.measures)), bool(expected & set(alone))))
    print(f"{len(searched)} searched single-need questions")
    for limit in args.ratios:
        chosen = [s[2:] for s in searched if decisive(s[0], s[1], limit)]
        answerable = [s for s in chosen if s[1]]
        print(f"ratio ≥ {limit}: {len(chosen)} decisive ({len(chosen) / len(searched):.1%}), "
              f"same citations {sum(s[0] for s in chosen)}/{len(chosen)}; answerable "
              f"{len(answerable)}, citing an expected measure: full search "
              f"{sum(s[2] for s in answerable)}, keyword alone {sum(s[3] for s in answerable)}")


if __name__ == "__main__":
    main()
