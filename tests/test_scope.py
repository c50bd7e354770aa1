"""The scope models as chosen for a document, and how the threshold for several documents is
fitted."""

from __future__ import annotations

from bot.scope import FEATURES, ScopeEvidence, ScopeModel, ScopeModels
from evals.calibrate import Examined, several_threshold


def model(threshold: float, several: float | None = None) -> ScopeModel:
    """A model on coverage alone: P(in scope) = sigmoid(10 (coverage - 0.5))."""
    return ScopeModel(weights={"coverage": 10.0}, bias=0.0, threshold=threshold,
                      means={n: 0.0 if n != "coverage" else 0.5 for n in FEATURES},
                      scales={n: 1.0 for n in FEATURES}, several=several)


def evidence(coverage: float) -> ScopeEvidence:
    return ScopeEvidence(bm25=0.0, coverage=coverage, matched=0.0, dense=0.0, dense_gap=0.0,
                         agree=0.0, other_place=0.0, english=0.0)


def test_several_documents_use_their_own_threshold():
    plain = model(0.2, several=0.3)
    models = ScopeModels(samples=model(0.1), plain=plain, samples_keyword=model(0.5),
                         plain_keyword=model(0.6))
    assert models.model(samples=False).threshold == 0.2
    assert models.model(samples=False, several=True).threshold == 0.3
    # A model fitted without a threshold of its own for several documents keeps its one.
    assert models.model(samples=True, several=True).threshold == 0.1
    assert models.model(samples=False, keyword=True, several=True).threshold == 0.6


def test_the_threshold_for_several_rises_until_answerable_questions_would_be_refused():
    fitted = model(0.2)
    # Answerable questions at P = 0.10 (refused already), 0.45 and 0.90; out of scope at 0.31.
    rows = [Examined(evidence(c), label, False) for c, label in
            ((0.28, 1.0), (0.48, 1.0), (0.72, 1.0), (0.42, 0.0))]
    probabilities = sorted(fitted.probability(r.evidence) for r in rows)
    threshold = several_threshold(fitted, rows)
    # It passes the out-of-scope question and stops short of the next answerable one.
    assert probabilities[1] < threshold <= probabilities[2]
