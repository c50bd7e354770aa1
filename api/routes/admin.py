"""Admin actions behind a bearer token: re-ingest the plan, export feedback.

The routes exist only when ``POLICYBOT_ADMIN_TOKEN`` is set.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Query
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel

from api.db.feedback import FeedbackStore, Rating
from api.deps import get_bot, get_feedback_store, get_settings
from bot.policybot import PolicyBot
from bot.settings import Settings
from ingest.plan import bundled_plan_path
from vectorstore.library import BUNDLED_ID, index_file


def require_admin(settings: Annotated[Settings, Depends(get_settings)],
                  authorization: Annotated[str | None, Header()] = None) -> None:
    """401 unless the request carries ``Authorization: Bearer <POLICYBOT_ADMIN_TOKEN>``."""
    scheme, _, token = (authorization or "").partition(" ")
    expected = settings.admin_token or ""
    if scheme.lower() != "bearer" or not secrets.compare_digest(token.encode(),
                                                               expected.encode()):
        raise HTTPException(401, "admin token required", headers={"WWW-Authenticate": "Bearer"})


router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(require_admin)])


class Reingested(BaseModel):
    """The index generation now served and whether a new one was built."""

    generation: str
    built: bool


@router.post("/reingest", response_model=Reingested)
def reingest(bot: Annotated[PolicyBot, Depends(get_bot)]) -> Reingested:
    """Re-index the bundled plan (a no-op when nothing changed) and switch to it."""
    generation, built = index_file(bot.client, bot.embeddings, bundled_plan_path(),
                                   BUNDLED_ID)
    bot.refresh()
    return Reingested(generation=generation, built=built)


@router.get("/feedback", response_class=PlainTextResponse)
def export_feedback(store: Annotated[FeedbackStore, Depends(get_feedback_store)],
                    rating: Annotated[Rating | None, Query()] = None) -> PlainTextResponse:
    """Feedback as gold-set candidate lines (JSONL), like ``policybot feedback export``; 503
    while the database is unavailable."""
    text = store.export_jsonl(rating)
    return PlainTextResponse(text, media_type="application/x-ndjson")
