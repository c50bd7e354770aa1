"""Dependencies injected into the routes: settings, metrics, the loaded bot and the app
database's stores.

They are coroutines: FastAPI runs a plain function dependency in a worker thread, a round trip
through the thread pool (most of a request's cost on the event loop) for an attribute lookup."""

from __future__ import annotations

from fastapi import FastAPI, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from api.answering import AnswerQueue
from api.db.annotations import Annotations
from api.db.feedback import FeedbackStore
from api.db.questions import QuestionLog
from api.db.recorder import Recorder
from api.metrics import Metrics
from bot.policybot import PolicyBot, load_bot
from bot.settings import Settings
from vectorstore.store import IndexNotBuilt


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_metrics(request: Request) -> Metrics:
    return request.app.state.metrics


def load_app_bot(app: FastAPI) -> PolicyBot:
    """Load the bot into the app (once) and have the metrics count its answers.

    Raises IndexNotBuilt while there is no index.
    """
    state = app.state
    with state.bot_lock:
        if state.bot is None:
            bot = load_bot(state.settings, state.redis)
            bot.listen(state.metrics.observe_answer)
            state.bot = bot
    return state.bot


async def get_bot(request: Request) -> PolicyBot:
    """The app's bot, loaded on first use (in a worker thread: that takes seconds); 503 while
    the index is not built."""
    if request.app.state.bot is not None:
        return request.app.state.bot
    try:
        return await run_in_threadpool(load_app_bot, request.app)
    except IndexNotBuilt as exc:
        raise HTTPException(503, str(exc)) from exc


async def get_answers(request: Request) -> AnswerQueue:
    """Where questions wait their turn (see api.answering)."""
    return request.app.state.answers


async def get_feedback_store(request: Request) -> FeedbackStore:
    return request.app.state.feedback


async def get_question_log(request: Request) -> QuestionLog:
    return request.app.state.questions


async def get_annotations(request: Request) -> Annotations:
    return request.app.state.annotations


async def get_recorder(request: Request) -> Recorder:
    """What logs each answered question (started with the app)."""
    return request.app.state.recorder
