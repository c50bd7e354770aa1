"""Dependencies injected into the routes: the settings and the loaded bot."""

from __future__ import annotations

import threading

from fastapi import HTTPException, Request

from bot.policybot import PolicyBot, load_bot
from bot.settings import Settings
from vectorstore.store import IndexNotBuilt

_load_lock = threading.Lock()


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_bot(request: Request) -> PolicyBot:
    """The app's bot, loaded on first use; 503 while the index is not built."""
    state = request.app.state
    if state.bot is None:
        with _load_lock:
            if state.bot is None:
                try:
                    state.bot = load_bot(state.settings)
                except IndexNotBuilt as exc:
                    raise HTTPException(503, str(exc)) from exc
    return state.bot
