"""Does a need ask for a detail no pattern of ``bot.details`` knows? A model on its vector.

The patterns recognise details by the words owners use for them (a fee, opening hours, a phone
number…). Owners ask for others in words no list foresees: a vendor's name, a quota, whether a
service is online only. A logistic model on the vector dense search embeds for the need,
fitted on the dev sets' near misses against their answered questions (``python -m
evals.detail_model``), recognises many of them. What it learns is what that document leaves
out (the bundled plan states few fees, dates or names; a subsidy regulation states many), so it
is used only for the document its questions were about and with the embedding model it was
fitted on; only when dense search ran (no vector is computed for it); and only when no pattern
recognised a detail: a detail the patterns know is judged by whether the measure states it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path
from typing import ClassVar

import numpy as np

MODEL_PATH = Path(__file__).with_name("detail_model.json")


@dataclass(frozen=True)
class DetailModel:
    """A linear score on a query vector.

    document: the id of the document the training questions were about.
    embeddings: the spec of the embedding model the vectors came from.
    weights, bias: the score is weights · vector + bias (a logit).
    threshold: a score above it asks a detail.
    """

    document: str
    embeddings: str
    weights: list[float]
    bias: float
    threshold: float
    path: ClassVar[Path] = MODEL_PATH

    @classmethod
    def load(cls, embeddings: str, path: Path = MODEL_PATH) -> DetailModel | None:
        """The model fitted for these embeddings, or None when there is none."""
        if not path.exists():
            return None
        model = cls(**json.loads(path.read_text(encoding="utf-8")))
        return model if model.embeddings == embeddings else None

    def save(self, path: Path = MODEL_PATH) -> None:
        path.write_text(json.dumps(asdict(self)) + "\n", encoding="utf-8")

    def asks(self, vector: np.ndarray) -> bool:
        """True when the need whose query vector this is asks a detail."""
        return float(np.dot(self._weights, vector)) + self.bias > self.threshold

    @cached_property
    def _weights(self) -> np.ndarray:
        return np.asarray(self.weights, dtype=np.float32)
