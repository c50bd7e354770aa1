"""OpenAI-compatible chat completions: ``POST /v1/chat/completions``, ``GET /v1/models``.

Any OpenAI client can talk to the bot as the model ``policybot``. The last user message is the
question; the earlier user messages are replayed through the bot in a fresh session, so a
follow-up resolves exactly as it would in a widget conversation. Sampling parameters
(temperature, max_tokens, …) are accepted and ignored: the bot is extractive. Replies carry the
citations twice: as text in the content, and as data in top-level fields (in a stream, on the
first chunk): ``citations``, ``related`` (measures to ask about when the plan has the topic but
not the detail asked) and ``coverage`` (``answered``, ``partial`` or ``none``, as in
``/api/v1/ask``).
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field, StrictBool
from sse_starlette import EventSourceResponse, ServerSentEvent

from api.db.recorder import Recorder
from api.deps import get_bot, get_recorder
from api.fields import Text
from api.routes.stream import answer_pieces, paced
from bot.answer import Answer, Citation, Coverage
from bot.policybot import InvalidQuestion, PolicyBot

MODEL = "policybot"
# Model cards need a creation time: 2021-01-01, the year of the plan the model answers from.
MODEL_CREATED = 1_609_459_200


class OpenAIError(BaseModel):
    """OpenAI's error object."""

    message: str
    type: Literal["invalid_request_error", "server_error"]
    param: str | None = None
    code: str | None = None


class OpenAIErrorBody(BaseModel):
    """The body of every error response on these routes."""

    error: OpenAIError


class OpenAIException(Exception):
    """An error to answer with OpenAI's error body.

    status_code: HTTP status. error: the error object.
    """

    def __init__(self, status_code: int, error: OpenAIError) -> None:
        super().__init__(error.message)
        self.status_code = status_code
        self.error = error


def error_response(status_code: int, error: OpenAIError) -> JSONResponse:
    """status_code: HTTP status. error: what went wrong, sent as ``{"error": ...}``."""
    return JSONResponse(OpenAIErrorBody(error=error).model_dump(), status_code=status_code)


class OpenAIRoute(APIRoute):
    """A route whose errors (bad bodies included) use OpenAI's error body and status codes, so
    OpenAI clients raise their usual exceptions. Bad bodies are 400, as OpenAI answers them."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except OpenAIException as exc:
                return error_response(exc.status_code, exc.error)
            except RequestValidationError as exc:
                first = exc.errors()[0]
                if first["type"] == "json_invalid":  # its loc is a character offset
                    error = OpenAIError(message="The request body is not valid JSON.",
                                        type="invalid_request_error")
                else:
                    param = ".".join(str(p) for p in first["loc"] if p != "body") or None
                    error = OpenAIError(message=f"{param}: {first['msg']}" if param
                                        else first["msg"], type="invalid_request_error",
                                        param=param)
                return error_response(400, error)
            except HTTPException as exc:  # from the dependencies, e.g. 503 without an index
                kind = "server_error" if exc.status_code >= 500 else "invalid_request_error"
                return error_response(exc.status_code,
                                      OpenAIError(message=str(exc.detail), type=kind))

        return route_handler


router = APIRouter(prefix="/v1", tags=["openai"], route_class=OpenAIRoute,
                   responses={400: {"model": OpenAIErrorBody}, 404: {"model": OpenAIErrorBody}})


class TextPart(BaseModel):
    """A text part of a message's content (the only kind the bot reads)."""

    type: Literal["text"]
    text: Text


class ChatMessage(BaseModel):
    """One message of the conversation."""

    model_config = ConfigDict(extra="ignore")

    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: Text | list[TextPart] | None = None

    def text(self) -> str:
        """The content as one string."""
        if isinstance(self.content, list):
            return "".join(part.text for part in self.content)
        return self.content or ""


class ChatCompletionRequest(BaseModel):
    """The body of ``POST /v1/chat/completions``; other OpenAI parameters are ignored."""

    model_config = ConfigDict(extra="ignore")

    model: Text
    messages: list[ChatMessage] = Field(min_length=1, max_length=100)
    stream: StrictBool = False


class AssistantMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    index: int = 0
    message: AssistantMessage
    finish_reason: Literal["stop"] = "stop"


class ChatCompletion(BaseModel):
    """A whole reply, with the citations, related measures and coverage as data."""

    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    coverage: Coverage
    citations: list[Citation]
    related: list[Citation]


def is_none(value: object) -> bool:
    """For ``exclude_if``: optional chunk fields are left out rather than sent as null, as
    OpenAI sends them."""
    return value is None


class Delta(BaseModel):
    """What a chunk adds: the role (first chunk) or a piece of content; empty at the stop."""

    role: Literal["assistant"] | None = Field(None, exclude_if=is_none)
    content: str | None = Field(None, exclude_if=is_none)


class ChunkChoice(BaseModel):
    index: int = 0
    delta: Delta
    finish_reason: Literal["stop"] | None


class ChatCompletionChunk(BaseModel):
    """One piece of a streamed reply; only the first chunk carries the coverage, citations and
    related measures."""

    id: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    created: int
    model: str
    choices: list[ChunkChoice]
    coverage: Coverage | None = Field(None, exclude_if=is_none)
    citations: list[Citation] | None = Field(None, exclude_if=is_none)
    related: list[Citation] | None = Field(None, exclude_if=is_none)


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int = MODEL_CREATED
    owned_by: str = "policybot"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


def check_model(model: str) -> None:
    """model: the requested model name; raises a 404 OpenAI error unless it is ours."""
    if model != MODEL:
        raise OpenAIException(404, OpenAIError(
            message=f"The model '{model}' does not exist; this server has '{MODEL}'.",
            type="invalid_request_error", param="model", code="model_not_found"))


def answer_conversation(bot: PolicyBot, messages: list[ChatMessage],
                        recorder: Recorder) -> Answer:
    """bot: the bot. messages: the conversation; returns the answer to its last user message,
    asked after the earlier user messages in a fresh session. recorder: logs that last
    question (the earlier ones were asked, and logged, before)."""
    questions = [m.text() for m in messages if m.role == "user"]
    if not questions:
        raise OpenAIException(400, OpenAIError(
            message="messages: there is no user message to answer",
            type="invalid_request_error", param="messages"))
    session_id = uuid.uuid4().hex
    for earlier in questions[:-1]:
        # An invalid earlier question leaves no turn in a session, in a replay as live.
        with contextlib.suppress(InvalidQuestion):
            bot.ask(earlier, session_id)
    try:
        answer = bot.ask(questions[-1], session_id)
    except InvalidQuestion as exc:
        raise OpenAIException(400, OpenAIError(
            message=f"messages: {exc}", type="invalid_request_error",
            param="messages")) from exc
    recorder.record("openai", questions[-1], answer)
    return answer


async def completion_chunks(answer: Answer, completion_id: str,
                            created: int) -> AsyncIterator[ServerSentEvent]:
    """answer: the bot's answer. completion_id, created: shared by every chunk. Yields OpenAI
    chunks: role, coverage, citations and related measures, the content in pieces, the stop,
    then ``[DONE]``."""

    def chunk(delta: Delta, finish_reason: Literal["stop"] | None = None, *,
              coverage: Coverage | None = None, citations: list[Citation] | None = None,
              related: list[Citation] | None = None) -> ServerSentEvent:
        body = ChatCompletionChunk(
            id=completion_id, created=created, model=MODEL,
            choices=[ChunkChoice(delta=delta, finish_reason=finish_reason)],
            coverage=coverage, citations=citations, related=related)
        return ServerSentEvent(body.model_dump_json())

    yield chunk(Delta(role="assistant", content=""), coverage=answer.coverage,
                citations=answer.citations, related=answer.related)
    async for piece in paced(answer_pieces(answer.answer)):
        yield chunk(Delta(content=piece))
    yield chunk(Delta(), "stop")
    yield ServerSentEvent("[DONE]")


@router.post("/chat/completions", response_model=ChatCompletion,
             responses={200: {"content": {"text/event-stream": {}},
                              "description": "A chat.completion, or chunks when stream=true"}})
def chat_completions(body: ChatCompletionRequest, bot: Annotated[PolicyBot, Depends(get_bot)],
                     recorder: Annotated[Recorder, Depends(get_recorder)]
                     ) -> ChatCompletion | EventSourceResponse:
    """Answer the conversation's last user message as the model ``policybot``."""
    check_model(body.model)
    answer = answer_conversation(bot, body.messages, recorder)
    completion_id = f"chatcmpl-{uuid.uuid4().hex}"
    created = int(time.time())
    if body.stream:
        return EventSourceResponse(completion_chunks(answer, completion_id, created))
    return ChatCompletion(id=completion_id, created=created, model=MODEL,
                          choices=[Choice(message=AssistantMessage(content=answer.answer))],
                          coverage=answer.coverage, citations=answer.citations,
                          related=answer.related)


@router.get("/models", response_model=ModelList)
def models() -> ModelList:
    """The one model this server offers."""
    return ModelList(data=[ModelCard(id=MODEL)])


@router.get("/models/{model}", response_model=ModelCard)
def model_card(model: str) -> ModelCard:
    """The model's card; 404 for any other name."""
    check_model(model)
    return ModelCard(id=model)
