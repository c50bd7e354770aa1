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


class Readiness(Health):
    """What is being served, and the state of each dependency: "index" ("ok"), "database"
    ("ok" or "down"), and "redis" ("ok" or "down") when REDIS_URL is set."""

    dependencies: dict[str, str]


def health_of(bot: PolicyBot) -> Health:
    return Health(status="ok", index=bot.library.generation, measures=bot.library.measures,
                  embeddings=bot.embeddings.spec)


@router.get("/healthz", response_model=Health)
def healthz(bot: Annotated[PolicyBot, Depends(get_bot)]) -> Health:
    """Index generation and size; 503 while no index is loaded."""
    return health_of(bot)


@router.get("/readyz", response_model=Readiness,
            responses={503: {"description": "not ready"}})
def readyz(request: Request) -> Readiness | JSONResponse:
    """200 when the index is loaded and answering; 503 (and the reason) otherwise.

    Redis or the database down still gives 200, with status "degraded": answers flow without
    them (what is lost is follow-up memory, WeChat's stored replies and pages, the shared
    limits, feedback and the question log), and as every replica shares them, a load balancer
    taking out the replicas that report it would take out them all.
    """
    link = request.app.state.redis
    dependencies = {"database": "ok" if request.app.state.database.ping() else "down"}
    if link is not None:
        dependencies["redis"] = "ok" if link.ping() else "down"
    try:
        health = health_of(load_app_bot(request.app))
    except IndexNotBuilt as exc:
        return JSONResponse({"status": "not ready", "detail": str(exc),
                             "dependencies": {"index": "missing", **dependencies}},
                            status_code=503)
    status = "degraded" if "down" in dependencies.values() else health.status
    return Readiness(**health.model_dump(exclude={"status"}), status=status,
                     dependencies={"index": "ok", **dependencies})


@router.get("/metrics", response_class=Response)
def metrics(request: Request, registry: Annotated[Metrics, Depends(get_metrics)]) -> Response:
    """Prometheus metrics of the server: the counts of all its workers."""
    bot = request.app.state.bot
    if bot is not None:
        registry.describe_index(bot.library.generation, bot.embeddings.spec,
                                bot.library.measures, bot.library.index.count())
    return Response(registry.render(), media_type="text/plain; version=0.0.4; charset=utf-8")
