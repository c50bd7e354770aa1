"""Dependencies injected into the routes: settings, metrics, the loaded bot and the app
database's stores."""

from __future__ import annotations

from fastapi import FastAPI, HTTPException, Request

from api.db.annotations import Annotations
from api.db.feedback import FeedbackStore
from api.db.questions import QuestionLog
from api.db.recorder import Recorder
from api.metrics import Metrics
from bot.policybot import PolicyBot, load_bot
from bot.settings import Settings
from vectorstore.store import IndexNotBuilt


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_metrics(request: Request) -> Metrics:
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


def get_bot(request: Request) -> PolicyBot:
    """The app's bot, loaded on first use; 503 while the index is not built."""
    if request.app.state.bot is not None:
        return request.app.state.bot
    try:
        return load_app_bot(request.app)
    except IndexNotBuilt as exc:
        raise HTTPException(503, str(exc)) from exc


def get_feedback_store(request: Request) -> FeedbackStore:
    return request.app.state.feedback


def get_question_log(request: Request) -> QuestionLog:
    return request.app.state.questions


def get_annotations(request: Request) -> Annotations:
    return request.app.state.annotations


def get_recorder(request: Request) -> Recorder:
    """What logs each answered question (started with the app)."""
    return request.app.state.recorder
