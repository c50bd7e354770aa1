"""POST /api/v1/feedback: 👍/👎 on an answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel

from api.db.database import DatabaseUnavailable
from api.db.feedback import Feedback, FeedbackStore
from api.deps import get_feedback_store

router = APIRouter(prefix="/api/v1", tags=["feedback"])


class FeedbackStored(BaseModel):
    """The row the verdict was stored in."""

    id: int


@router.post("/feedback", response_model=FeedbackStored, status_code=201,
             responses={503: {"description": "the database is unavailable; nothing was stored"}})
def feedback(body: Feedback,
             store: Annotated[FeedbackStore, Depends(get_feedback_store)]) -> FeedbackStored:
    """Record a reader's rating (and optional comment) of one answer, and rate the question in
    the question log; rating the same answer again updates its row. 503 while the database is
    unavailable (nothing is stored: send it again later)."""
    try:
        return FeedbackStored(id=store.save(body))
    except DatabaseUnavailable as exc:
        raise HTTPException(503, "feedback cannot be stored now: the database is unavailable; "
                                 "try again later") from exc
