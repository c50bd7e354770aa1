"""POST /api/v1/ask/stream: the answer as Server-Sent Events.

Events, in order: ``citations`` (``{"citations": [...], "related": [...]}``), ``delta``
(``{"text": ...}``, the answer in pieces that join to the full text), ``answer`` (the full
``/api/v1/ask`` body, with ``coverage``).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel
from sse_starlette import EventSourceResponse, ServerSentEvent

from api.db.recorder import Recorder
from api.deps import get_bot, get_recorder
from api.routes.ask import AskRequest
from bot.answer import Answer, Citation
from bot.policybot import PolicyBot

router = APIRouter(prefix="/api/v1", tags=["ask"])

# The bot composes its answer at once; paced pieces let a reader follow it as it appears.
# The pause per piece is capped so that no answer takes more than STREAM_SECONDS to send.
PIECE_PAUSE_SECONDS = 0.03
STREAM_SECONDS = 0.8
# A piece ends after Chinese punctuation (with the line breaks that follow it), after English
# punctuation and its space, or at a line break.
PIECE = re.compile(r".+?(?:[。；！？，：、]\n*|[.;!?,:] |\n+|\Z)", re.DOTALL)


class CitationsEvent(BaseModel):
    """First event: the measures the answer rests on, and the related measures to ask about."""

    citations: list[Citation]
    related: list[Citation]


class DeltaEvent(BaseModel):
    """The next piece of the answer text."""

    text: str


def answer_pieces(text: str) -> list[str]:
    """text: an answer; returns it cut at clause ends (the pieces join back to it)."""
    return PIECE.findall(text)


async def paced(pieces: list[str]) -> AsyncIterator[str]:
    """pieces: answer pieces; yields them one by one with a short pause before each but the
    first."""
    pause = min(PIECE_PAUSE_SECONDS, STREAM_SECONDS / max(len(pieces), 1))
    for number, piece in enumerate(pieces):
        if number:
            await asyncio.sleep(pause)
        yield piece


async def answer_events(answer: Answer) -> AsyncIterator[ServerSentEvent]:
    """answer: the bot's answer; yields it as citations, deltas, then the whole body."""
    yield ServerSentEvent(
        CitationsEvent(citations=answer.citations, related=answer.related).model_dump_json(),
        event="citations")
    async for piece in paced(answer_pieces(answer.answer)):
        yield ServerSentEvent(DeltaEvent(text=piece).model_dump_json(), event="delta")
    yield ServerSentEvent(answer.model_dump_json(), event="answer")


@router.post("/ask/stream", response_class=EventSourceResponse,
             responses={200: {"content": {"text/event-stream": {}},
                              "description": "citations, delta…, answer events"}})
def ask_stream(body: AskRequest, bot: Annotated[PolicyBot, Depends(get_bot)],
               recorder: Annotated[Recorder, Depends(get_recorder)]) -> EventSourceResponse:
    """Answer a question like ``/api/v1/ask``, streamed. The answer is computed before the
    stream starts, so an invalid question is a plain 422 JSON error."""
    answer = bot.ask(body.question, body.session_id, body.documents)
    recorder.record(body.channel, body.question, answer)
    return EventSourceResponse(answer_events(answer))
