"""Gold question sets: one JSON object per line.

Fields: ``id``, ``question``, ``expected_measures`` (list of measure numbers),
``expected_units`` (optional), ``answerable`` (default true), ``lang`` (optional ``zh``/``en``),
``type`` (optional kind, e.g. who, what, number, department, lookup, english, colloquial, oos,
followup), ``coverage`` (``answered``, ``partial`` or ``none``; by default ``answered`` when
``answerable`` else ``none``) and ``related`` (for ``partial``: the measures the answer should
point to). ``answerable`` is true exactly when coverage is ``answered``. ``document``
(optional) is the id of the library document the expected and related measures belong to: only
that document's measures count then; without it, measures of any document do. Two-turn
conversations add ``session`` (shared by the turns) and ``turn`` (1, 2, …): turns of one
session are asked in order in the same bot session, and a turn's expectations are what the
question means in that context.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator


class GoldItem(BaseModel):
    """One gold question."""

    model_config = ConfigDict(extra="forbid")

    id: str
    question: str
    expected_measures: list[int]
    expected_units: list[str] = []
    answerable: bool = True
    lang: Literal["zh", "en"] | None = None
    type: str = "untyped"
    session: str | None = None
    turn: int | None = None
    coverage: Literal["answered", "partial", "none"] | None = None
    related: list[int] = []
    document: str | None = None

    @model_validator(mode="after")
    def consistent_coverage(self) -> GoldItem:
        """Fill coverage from answerable, and refuse items where the two disagree."""
        if self.coverage is None:
            self.coverage = "answered" if self.answerable else "none"
        if self.answerable != (self.coverage == "answered"):
            raise ValueError(f"answerable={self.answerable} contradicts coverage="
                             f"{self.coverage!r}")
        return self


class GoldFormatError(ValueError):
    """A gold file line is not a valid gold item."""


def load_gold(path: Path) -> list[GoldItem]:
    """Read a gold JSONL file; blank lines are skipped. Raises GoldFormatError with the line."""
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            items.append(GoldItem.model_validate(json.loads(line)))
        except (json.JSONDecodeError, ValidationError) as exc:
            raise GoldFormatError(f"{path}:{number}: {exc}") from exc
    return items
