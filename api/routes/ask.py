"""POST /api/v1/ask."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from api.answering import AnswerQueue
from api.db.recorder import Recorder
from api.deps import get_answers, get_bot, get_recorder
from api.fields import Text
from bot.answer import Answer
from bot.policybot import PolicyBot

router = APIRouter(prefix="/api/v1", tags=["ask"])


class AskRequest(BaseModel):
    """A question, and the session it continues (if any)."""

    model_config = ConfigDict(extra="ignore")

    question: Text = Field(description="The question, Chinese or English")
    session_id: Text | None = Field(None, max_length=128,
                                    description="Continue this conversation")
    documents: list[Text] | None = Field(
        None, max_length=50,
        description="Ids of the library's documents to answer from; all when omitted "
                    "(an unknown id is a 422)")
    channel: Literal["web", "api"] = Field(
        "api", description="Who asks, for the question log: the widget sends \"web\"")


@router.post("/ask", response_model=Answer)
async def ask(body: AskRequest, bot: Annotated[PolicyBot, Depends(get_bot)],
              recorder: Annotated[Recorder, Depends(get_recorder)],
              answers: Annotated[AnswerQueue, Depends(get_answers)]) -> Answer:
    """Answer a question from the plan. ``coverage`` says how far the plan answers it:
    ``answered`` (``citations`` are the measures the answer rests on), ``partial`` (the plan has
    the topic but not the detail asked, e.g. a fee or an address: ``citations`` is empty and
    ``related`` lists the measures whose 责任单位 to ask) or ``none``. An answered question may
    also carry ``related``, for a need the plan covers only in part. An empty or over-long
    question is a 422."""
    # Only the bot's work goes to a worker thread (it may embed the question, tens of ms of
    # CPU); FastAPI would also check a plain function's return value in one, a second round trip.
    answer = await answers.run(bot.ask, body.question, body.session_id, body.documents)
    recorder.record(body.channel, body.question, answer)
    return answer
