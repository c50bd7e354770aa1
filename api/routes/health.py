"""GET /healthz: 200 once the index is loaded."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from api.deps import get_bot
from bot.policybot import PolicyBot

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(bot: Annotated[PolicyBot, Depends(get_bot)]) -> dict:
    """Index generation and size; 503 while no index is loaded."""
    return {"status": "ok", "index": bot.pipeline.generation,
            "measures": len(bot.plan.measures), "embeddings": bot.embeddings.spec}
