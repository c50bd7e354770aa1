"""The FastAPI application factory."""

from __future__ import annotations

import asyncio
import logging
import threading
from contextlib import asynccontextmanager

import swagger_ui_bundle
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from api.admin import documents as admin_documents
from api.admin import page as admin_page
from api.admin import routes as admin
from api.admin.ingests import Ingests
from api.admin.sync import ReviewSync
from api.answering import AnswerQueue
from api.db.annotations import Annotations
from api.db.database import Database, DatabaseUnavailable
from api.db.feedback import FeedbackStore
from api.db.questions import QuestionLog
from api.db.recorder import Recorder
from api.db.upkeep import Upkeep
from api.deps import load_app_bot
from api.metrics import Metrics
from api.middleware import BodyLimit, RateLimit, RequestContext
from api.ratelimit import open_buckets
from api.routes import (
    ask,
    documents,
    feedback,
    health,
    measures,
    openai_compat,
    stream,
    widget,
)
from api.wechat import routes as wechat
from bot.policybot import InvalidQuestion
from bot.redis_link import RedisLink
from bot.settings import Settings
from vectorstore.library import UnknownDocument
from vectorstore.store import IndexNotBuilt

log = logging.getLogger("policybot")


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; the bot is loaded at start-up (or on first request if the index is
    not built yet)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # Migrate (the workers of a server, and replicas, queue on the migration lock) and
        # prune; a database that is down delays no answer, upkeep tries it again later.
        upkeep = Upkeep(app.state.database, app.state.questions)
        upkeep.start()
        app.state.recorder.start()
        # Made here, in the event loop, as its waiting is the loop's.
        app.state.answers = AnswerQueue(settings.answer_threads if settings.queue_in_loop
                                        else None)
        try:
            load_app_bot(app)
        except IndexNotBuilt as exc:
            log.warning("starting without an index: %s", exc)
        # Reviewed questions are applied as the server starts, then whenever they change.
        sync = app.state.review_sync = ReviewSync(app, app.state.annotations,
                                                  settings.review_poll_seconds)
        applying = asyncio.create_task(sync.run())
        yield
        applying.cancel()
        if app.state.bot:
            app.state.bot.close()
        app.state.ingests.close()
        app.state.recorder.close()
        upkeep.stop()
        app.state.database.close()
        metrics.close()
        if app.state.redis:
            app.state.redis.close()

    # The interactive docs load Swagger UI from our own files, not a CDN.
    app = FastAPI(title="policybot",
                  description="Grounded Q&A on 《普陀区深化推进一流营商环境建设行动方案》",
                  version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(InvalidQuestion, invalid_question)
    app.add_exception_handler(UnknownDocument, unknown_document)
    app.add_exception_handler(IndexNotBuilt, library_empty)
    app.add_exception_handler(DatabaseUnavailable, database_unavailable)
    app.state.bot = None
    app.state.bot_lock = threading.Lock()
    app.state.metrics = metrics = Metrics(settings.metrics_dir)
    # One Redis link per worker process, shared by its stores; None keeps them local.
    app.state.redis = link = RedisLink.from_settings(settings)
    if link:
        metrics.watch_redis(link)
    # The app database (DATABASE_URL, or SQLite in POLICYBOT_HOME) and its stores; the engine
    # connects on first use.
    app.state.database = database = Database.from_settings(settings)
    metrics.watch_database(database)
    app.state.questions = QuestionLog(database, settings.question_retention_days)
    app.state.feedback = FeedbackStore(database)
    app.state.annotations = Annotations(database)
    app.state.recorder = Recorder(app.state.questions, metrics.questions_unlogged.inc,
                                  settings.write_pause_seconds)
    app.mount("/docs-static", StaticFiles(directory=swagger_ui_bundle.swagger_ui_path),
              name="docs-static")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=app.openapi_url, title="policybot API",
                                   swagger_js_url="/docs-static/swagger-ui-bundle.js",
                                   swagger_css_url="/docs-static/swagger-ui.css",
                                   swagger_favicon_url="/docs-static/favicon-32x32.png")

    app.include_router(ask.router)
    app.include_router(measures.router)
    app.include_router(documents.router)
    app.include_router(health.router)
    app.include_router(stream.router)
    app.include_router(feedback.router)
    app.include_router(openai_compat.router)
    app.include_router(widget.router)
    if settings.wechat_token:
        app.include_router(wechat.router)
    if settings.admin_token:
        app.include_router(admin_page.router)
        app.include_router(admin.router)
        app.include_router(admin_documents.router)
    app.state.ingests = Ingests(settings.home / "uploads")
    # Browsers on the listed origins (pages embedding the widget) may call the API; with
    # none listed, no cross-origin call is allowed.
    app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins,
                       allow_methods=["GET", "POST"], allow_headers=["content-type"],
                       max_age=600)
    # Outermost first: every request gets an id and a log line, then the size cap and the
    # rate limit apply before any route runs.
    app.add_middleware(RateLimit, metrics=metrics,
                       buckets=open_buckets(settings.rate_limit_per_minute, link, "http"))
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes,
                       larger={"/admin/api/documents": settings.max_upload_bytes})
    app.add_middleware(RequestContext, metrics=metrics)
    return app


async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
    """422 with where and why, without echoing the input back: it may be large, and values
    such as NaN cannot even be written as JSON."""
    errors = [{"type": e["type"], "loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors()]
    return JSONResponse({"detail": errors}, status_code=422)


async def invalid_question(request: Request, exc: InvalidQuestion) -> JSONResponse:
    """An empty, over-long or unreadable question, wherever it is asked: 422 and why."""
    return JSONResponse({"detail": str(exc)}, status_code=422)


async def library_empty(request: Request, exc: IndexNotBuilt) -> JSONResponse:
    """Every document was removed while the server ran: 503 until one is ingested."""
    return JSONResponse({"detail": str(exc)}, status_code=503)


async def database_unavailable(request: Request, exc: DatabaseUnavailable) -> JSONResponse:
    """A route that needs the database while it is down: 503, and to try again later."""
    return JSONResponse({"detail": str(exc)}, status_code=503)


async def unknown_document(request: Request, exc: UnknownDocument) -> JSONResponse:
    """A question limited to a document the library does not hold: 422 and which."""
    return JSONResponse({"detail": str(exc)}, status_code=422)
