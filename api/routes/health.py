"""Probes and metrics: GET /healthz, /readyz and /metrics."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.deps import get_bot, get_metrics, load_app_bot
from api.metrics import Metrics
from bot.policybot import PolicyBot
from vectorstore.store import IndexNotBuilt

router = APIRouter(tags=["health"])


class Health(BaseModel):
    """What is being served."""

    status: str
    index: str
    measures: int
    embeddings: str


def health_of(bot: PolicyBot) -> Health:
    return Health(status="ok", index=bot.pipeline.generation, measures=len(bot.plan.measures),
                  embeddings=bot.embeddings.spec)


@router.get("/healthz", response_model=Health)
def healthz(bot: Annotated[PolicyBot, Depends(get_bot)]) -> Health:
    """Index generation and size; 503 while no index is loaded."""
    return health_of(bot)


@router.get("/readyz", response_model=Health, responses={503: {"description": "not ready"}})
def readyz(request: Request) -> Health | JSONResponse:
    """200 when the index is loaded and answering; 503 (and the reason) otherwise."""
    try:
        return health_of(load_app_bot(request.app))
    except IndexNotBuilt as exc:
        return JSONResponse({"status": "not ready", "detail": str(exc)}, status_code=503)


@router.get("/metrics", response_class=Response)
def metrics(request: Request, registry: Annotated[Metrics, Depends(get_metrics)]) -> Response:
    """Prometheus metrics of this worker process."""
    bot = request.app.state.bot
    if bot is not None:
        registry.describe_index(bot.pipeline.generation, bot.embeddings.spec,
                                len(bot.plan.measures), bot.pipeline.dense.index.count())
    return Response(registry.render(), media_type="text/plain; version=0.0.4; charset=utf-8")
