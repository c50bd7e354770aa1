"""The console's overview of a period: questions per day by coverage, the shares answered,
partial and refused, the measures and units asked about most, and the ratings."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta

from api.db.questions import LoggedQuestion
from bot.answer import Citation

TOP = 10
COVERAGES = ("answered", "partial", "none")


def overview(rows: list[LoggedQuestion], first: date, last: date,
             cite: Callable[[str, int], Citation | None]) -> dict:
    """The overview body of ``GET /admin/api/overview``.

    rows: the askings of the period. first, last: its days (every day gets a bar, also
    without questions). cite: the citation record of (document, measure), None when the
    document is no longer loaded.
    """
    per_day = {first + timedelta(days=n): Counter()
               for n in range((last - first).days + 1)}
    for row in rows:
        per_day.setdefault(row.asked_at.date(), Counter())[row.coverage] += 1
    totals = Counter(row.coverage for row in rows)
    measures = Counter((c["document"], c["measure"]) for row in rows for c in row.cited)
    units: Counter[str] = Counter()
    top = []
    for (document, number), count in measures.most_common():
        citation = cite(document, number)
        if citation:
            units.update({u: count for u in citation.units})
        if len(top) < TOP:
            top.append({"document": document, "measure": number, "count": count,
                        "label": citation.label if citation else f"第{number}条",
                        "source": citation.source if citation else document})
    ratings = Counter(row.rating for row in rows if row.rating)
    return {
        "days": [{"day": day.isoformat(), **{c: counts[c] for c in COVERAGES}}
                 for day, counts in sorted(per_day.items())],
        "total": len(rows),
        "coverage": {c: totals[c] for c in COVERAGES},
        "measures": top,
        "units": [{"unit": u, "count": n} for u, n in units.most_common(TOP)],
        "ratings": {"up": ratings["up"], "down": ratings["down"]},
        "channels": dict(Counter(row.channel for row in rows).most_common()),
    }
