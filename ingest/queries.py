"""Sample questions per measure: how owners ask about what each measure does.

They sit next to a plan file as ``<plan stem>.queries.json`` and enrich its index
("doc2query"): owners say 关公司 where the plan says 企业注销, so each measure is also found
by the words people use. Format::

    {"document_number": "普委办发〔2021〕12号",
     "measures": {"21": {"zh": ["公司不想开了怎么注销最省事", …], "en": ["How do I close …", …]}}}

The file only applies to the plan whose document number it names.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ingest.plan import Plan


@dataclass(frozen=True)
class SampleQueries:
    """Questions and phrases about one measure.

    zh: in Chinese. en: in English.
    """

    zh: tuple[str, ...]
    en: tuple[str, ...]

    def all(self) -> tuple[str, ...]:
        return self.zh + self.en


def queries_path(plan_path: Path) -> Path:
    """Where a plan's sample questions live."""
    return plan_path.with_name(f"{plan_path.stem}.queries.json")


def read_queries_text(plan_path: Path) -> str | None:
    """The raw sample-question file beside a plan, or None when there is none."""
    path = queries_path(plan_path)
    return path.read_text(encoding="utf-8") if path.exists() else None


def parse_queries(text: str | None, plan: Plan) -> dict[int, SampleQueries]:
    """Sample questions by measure number; empty when text is None or names another plan."""
    if not text:
        return {}
    data = json.loads(text)
    if data.get("document_number") != plan.document_number:
        return {}
    return {int(number): SampleQueries(tuple(entry.get("zh", ())), tuple(entry.get("en", ())))
            for number, entry in data["measures"].items() if plan.measure(int(number))}
