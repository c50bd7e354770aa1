"""Joining ranked lists from several retrievers."""

from __future__ import annotations

from bot.retrievers import Hit


class ReciprocalRankFusion:
    """Join ranked lists by reciprocal rank fusion: score = Σ weight / (k + rank).

    k: damping constant; smaller values favour the first ranks more.
    weights: one weight per input list, in the order given to :meth:`run`.
    """

    def __init__(self, k: float = 60.0, weights: tuple[float, ...] = (1.0, 1.0)) -> None:
        self.k = k
        self.weights = weights

    def run(self, rankings: list[list[Hit]], top_k: int = 10) -> list[Hit]:
        """Fused ranking of all measures seen in any list, best first."""
        fused: dict[int, float] = {}
        for weight, ranking in zip(self.weights, rankings, strict=True):
            for rank, hit in enumerate(ranking, start=1):
                fused[hit.measure] = fused.get(hit.measure, 0.0) + weight / (self.k + rank)
        best = sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))[:top_k]
        return [Hit(measure, score) for measure, score in best]
