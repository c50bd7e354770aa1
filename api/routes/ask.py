"""POST /api/v1/ask."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from api.deps import get_bot
from api.fields import Text
from bot.answer import Answer
from bot.policybot import InvalidQuestion, PolicyBot

router = APIRouter(prefix="/api/v1", tags=["ask"])


class AskRequest(BaseModel):
    """A question, and the session it continues (if any)."""

    model_config = ConfigDict(extra="ignore")

    question: Text = Field(description="The question, Chinese or English")
    session_id: Text | None = Field(None, max_length=128,
                                         description="Continue this conversation")


@router.post("/ask", response_model=Answer)
def ask(body: AskRequest, bot: Annotated[PolicyBot, Depends(get_bot)]) -> Answer:
    """Answer a question from the plan, citing the measures it rests on."""
    try:
        return bot.ask(body.question, body.session_id)
    except InvalidQuestion as exc:
        raise HTTPException(422, str(exc)) from exc
