"""POST /api/v1/feedback: 👍/👎 on an answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from api.deps import get_settings
from api.feedback import Feedback, FeedbackStore
from bot.settings import Settings

router = APIRouter(prefix="/api/v1", tags=["feedback"])


class FeedbackStored(BaseModel):
    """The row the verdict was stored in."""

    id: int


async def get_feedback_store(request: Request,
                             settings: Annotated[Settings, Depends(get_settings)]
                             ) -> FeedbackStore:
    """The app's feedback store (``$POLICYBOT_HOME/feedback.sqlite3``), opened on first use.

    Async on purpose: it runs on the event loop, one request at a time, so two first requests
    cannot both open it.
    """
    state = request.app.state
    if getattr(state, "feedback", None) is None:
        state.feedback = FeedbackStore.in_home(settings.home)
    return state.feedback


@router.post("/feedback", response_model=FeedbackStored, status_code=201)
def feedback(body: Feedback,
             store: Annotated[FeedbackStore, Depends(get_feedback_store)]) -> FeedbackStored:
    """Record a reader's rating (and optional comment) of one answer; rating the same answer
    again updates its row."""
    return FeedbackStored(id=store.save(body))
