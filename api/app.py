"""The FastAPI application factory."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from api.routes import ask, feedback, health, measures, openai_compat, stream, wechat, widget
from bot.policybot import load_bot
from bot.settings import Settings
from vectorstore.store import IndexNotBuilt

log = logging.getLogger("policybot")


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; the bot is loaded at start-up (or on first request if the index is
    not built yet)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        try:
            app.state.bot = load_bot(settings)
        except IndexNotBuilt as exc:
            log.warning("starting without an index: %s", exc)
        yield

    app = FastAPI(title="policybot",
                  description="Grounded Q&A on 《普陀区深化推进一流营商环境建设行动方案》",
                  version="0.1.0", lifespan=lifespan)
    app.state.settings = settings
    app.state.bot = None
    app.include_router(ask.router)
    app.include_router(measures.router)
    app.include_router(health.router)
    app.include_router(stream.router)
    app.include_router(feedback.router)
    app.include_router(openai_compat.router)
    app.include_router(widget.router)
    if settings.wechat_token:
        app.include_router(wechat.router)
    # Browsers on the listed origins (pages embedding the widget) may call the API; with
    # none listed, no cross-origin call is allowed.
    app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins,
                       allow_methods=["GET", "POST"], allow_headers=["content-type"],
                       max_age=600)
    return app
