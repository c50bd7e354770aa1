"""GET and POST /wechat: the server URL of a WeChat official account (公众号).

The app includes this router only when WECHAT_TOKEN is set.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import PlainTextResponse, Response

from api.db.recorder import Recorder
from api.deps import get_bot, get_recorder, get_settings
from api.ratelimit import open_buckets
from api.wechat.channel import WeChatChannel
from api.wechat.protocol import Callback, Inbound, Rejected, WeChatGateway
from api.wechat.store import open_reply_store
from bot.policybot import PolicyBot
from bot.settings import Settings

# WeChat's messages are a few hundred bytes; anything much larger is not from WeChat.
MAX_BODY_BYTES = 64 * 1024
# WeChat redelivers an unanswered message three times within 15 s; replies are kept at least
# that long, and as long as the timestamp window lets a replay through.
RETRY_SECONDS = 15.0


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Set up this worker's gateway and reply store; close the store at shutdown.

    app: the application, whose state holds the settings.
    """
    settings: Settings = app.state.settings
    app.state.wechat_gateway = WeChatGateway.from_settings(settings)
    store = open_reply_store(app.state.redis, settings.home / "wechat.sqlite3",
                             reply_ttl_seconds=max(settings.wechat_max_age_seconds, RETRY_SECONDS),
                             pages_ttl_seconds=settings.session_ttl_seconds)
    app.state.wechat_store = store
    app.state.wechat_limits = open_buckets(settings.rate_limit_per_minute, app.state.redis,
                                           "wechat")
    try:
        yield
    finally:
        store.close()


router = APIRouter(tags=["wechat"], lifespan=lifespan)


def get_gateway(request: Request) -> WeChatGateway:
    """request: the current request; its app holds this worker's gateway."""
    return request.app.state.wechat_gateway


def get_channel(request: Request, bot: Annotated[PolicyBot, Depends(get_bot)],
                settings: Annotated[Settings, Depends(get_settings)],
                recorder: Annotated[Recorder, Depends(get_recorder)]) -> WeChatChannel:
    """The channel for one request.

    request: its app holds the reply store. bot: the loaded bot. settings: the app's settings.
    recorder: logs the questions answered.
    """
    return WeChatChannel(bot, request.app.state.wechat_store, settings.max_question_chars,
                         request.app.state.wechat_limits, recorder)


GatewayDep = Annotated[WeChatGateway, Depends(get_gateway)]
CallbackQuery = Annotated[Callback, Query()]


async def read_body(request: Request) -> bytes:
    """request: the current request. Returns its raw body; the route's max_body_size turns a
    larger one into 413."""
    return await request.body()


def open_inbound(query: CallbackQuery, body: Annotated[bytes, Depends(read_body)],
                 gateway: GatewayDep) -> Inbound:
    """The verified message of a callback; 403 for a bad signature or an old timestamp, 400
    for a body that is not a well-formed, safe WeChat message.

    query: the signed query string. body: the raw body. gateway: checks and opens it.
    """
    try:
        return gateway.open(query, body)
    except Rejected as exc:
        raise HTTPException(exc.status, exc.reason) from exc


@router.get("/wechat", response_class=PlainTextResponse)
def verify(query: CallbackQuery, gateway: GatewayDep) -> str:
    """URL verification: echo echostr when the signature matches; 403 otherwise.

    query: the signed query string, with echostr. gateway: checks it.
    """
    try:
        return gateway.echo(query)
    except Rejected as exc:
        raise HTTPException(exc.status, exc.reason) from exc


@router.post("/wechat", max_body_size=MAX_BODY_BYTES, response_class=Response)
def receive(query: CallbackQuery, inbound: Annotated[Inbound, Depends(open_inbound)],
            gateway: GatewayDep,
            channel: Annotated[WeChatChannel, Depends(get_channel)]) -> Response:
    """Reply to a message or event: XML (encrypted in safe mode), or "success" when there is
    nothing to say.

    query: the signed query string. inbound: the verified message. gateway: seals the reply.
    channel: decides it.
    """
    reply = channel.reply(inbound)
    if not reply:
        return PlainTextResponse("success")
    return Response(gateway.seal(query, reply), media_type="application/xml")
