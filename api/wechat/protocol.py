"""The WeChat callback protocol: the signature and timestamp window every callback must pass,
safe-mode (AES) decryption and encryption, and XML parsed safely before anything reads it.

Signing and AES are wechatpy's; XML goes through defusedxml first (no DTDs, so no external
entities and no entity expansion) and only then to wechatpy's parser.
"""

from __future__ import annotations

import struct
import time
from dataclasses import dataclass
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from pydantic import BaseModel, ConfigDict, Field
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.messages import BaseMessage
from wechatpy.utils import check_signature

from bot.settings import Settings

AES = "aes"
PLAIN = ("raw", None)
REQUIRED_FIELDS = ("ToUserName", "FromUserName", "CreateTime", "MsgType")
# Elements read as strings (by us or by wechatpy's parser): each must occur at most once and
# hold text only, or the parser would hand back a list or a dict.
TEXT_FIELDS = (*REQUIRED_FIELDS, "MsgId", "Event", "EventKey", "Content", "Recognition")


class Callback(BaseModel):
    """The query string WeChat adds to every callback to the server URL."""

    model_config = ConfigDict(extra="ignore")

    signature: str | None = Field(None, max_length=64,
                                  description="SHA-1 of the sorted token, timestamp and nonce")
    timestamp: str = Field(pattern=r"^\d{1,12}$", description="Unix time the call was signed")
    nonce: str = Field(max_length=64)
    echostr: str | None = Field(None, max_length=1024,
                                description="URL verification: the string to echo")
    openid: str | None = Field(None, max_length=128)
    encrypt_type: str | None = Field(None, max_length=16, description="aes in safe mode")
    msg_signature: str | None = Field(
        None, max_length=64, description="Safe mode: SHA-1 of the sorted token, timestamp, "
                                         "nonce and ciphertext")


class Rejected(Exception):
    """A callback refused.

    status: the HTTP status to answer with. reason: why, safe to show the caller.
    """

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Inbound:
    """A verified, parsed message or event.

    message: as wechatpy parses it (TextMessage, VoiceMessage, SubscribeEvent, ...).
    kind: the MsgType, lower case ("text", "voice", "event", ...).
    event: the Event of an event, lower case ("subscribe", ...); empty for messages.
    key: the same for every delivery of this message: the sender and MsgId, or for events
        (which have no MsgId) the sender, CreateTime and event.
    """

    message: BaseMessage
    kind: str
    event: str
    key: str


class WeChatGateway:
    """Checks and opens callbacks, and seals replies.

    token: the Token set in the official-account console.
    aes_key: the EncodingAESKey (43 characters); None accepts plain mode only.
    app_id: the AppID encrypted messages must carry; required with aes_key.
    max_age_seconds: callbacks signed longer ago than this (or as far ahead) are refused.
    """

    def __init__(self, token: str, aes_key: str | None, app_id: str | None,
                 max_age_seconds: float) -> None:
        if aes_key and not app_id:
            raise ValueError("WECHAT_APP_ID must be set with WECHAT_AES_KEY: safe mode checks "
                             "the AppID in every message")
        self.token = token
        self.max_age_seconds = max_age_seconds
        self.crypto = WeChatCrypto(token, aes_key, app_id) if aes_key else None

    @classmethod
    def from_settings(cls, settings: Settings) -> WeChatGateway:
        """settings: with wechat_token set."""
        return cls(settings.wechat_token, settings.wechat_aes_key or None,
                   settings.wechat_app_id, settings.wechat_max_age_seconds)

    def echo(self, query: Callback) -> str:
        """URL verification: the echostr to send back. Plain echostr is checked with the
        signature; an encrypted one (msg_signature present) is checked and decrypted.

        query: the callback's query string.
        """
        self.check_age(query)
        if query.echostr is None:
            raise Rejected(400, "echostr is missing")
        if query.msg_signature and self.crypto:
            return self.decrypt(query, query.echostr)
        self.check_signature(query)
        return query.echostr

    def open(self, query: Callback, body: bytes) -> Inbound:
        """Verify a message callback and parse its message (decrypting it in safe mode).

        query: the callback's query string. body: the request body as sent.
        """
        self.check_signature(query)
        self.check_age(query)
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise Rejected(400, "the body is not UTF-8") from exc
        root = parse_xml(text)
        if query.encrypt_type == AES:
            if not self.crypto:
                raise Rejected(400, "safe mode is not configured (WECHAT_AES_KEY)")
            ciphertext = root.findtext("Encrypt")
            if not ciphertext:
                raise Rejected(400, "Encrypt is missing")
            text = self.decrypt(query, ciphertext)
            root = parse_xml(text)
        elif query.encrypt_type not in PLAIN:
            raise Rejected(400, "unknown encrypt_type")
        return inbound(root, text)

    def seal(self, query: Callback, reply: str) -> str:
        """The reply as sent back: encrypted when the message came encrypted.

        query: the callback's query string. reply: the reply XML.
        """
        if query.encrypt_type == AES and self.crypto:
            return self.crypto.encrypt_message(reply, query.nonce)
        return reply

    def check_signature(self, query: Callback) -> None:
        """query: its signature must match the token, timestamp and nonce."""
        try:
            check_signature(self.token, query.signature or "", query.timestamp, query.nonce)
        except InvalidSignatureException as exc:
            raise Rejected(403, "signature mismatch") from exc

    def check_age(self, query: Callback) -> None:
        """query: its timestamp must lie within the window, which bounds replays."""
        if abs(time.time() - int(query.timestamp)) > self.max_age_seconds:
            raise Rejected(403, "timestamp outside the accepted window")

    def decrypt(self, query: Callback, ciphertext: str) -> str:
        """Check msg_signature over the ciphertext, decrypt it and check its AppID.

        query: the callback's query string. ciphertext: base64, as sent.
        """
        if not query.msg_signature:
            raise Rejected(403, "msg_signature is missing")
        try:
            return self.crypto.decrypt_message({"Encrypt": ciphertext}, query.msg_signature,
                                               query.timestamp, query.nonce)
        except InvalidSignatureException as exc:
            raise Rejected(403, "msg_signature mismatch") from exc
        except InvalidAppIdException as exc:
            raise Rejected(403, "the message is for another AppID") from exc
        # Bad base64, a length that is not whole AES blocks, bad padding or length fields.
        except (ValueError, IndexError, struct.error) as exc:
            raise Rejected(400, "the message cannot be decrypted") from exc


def parse_xml(text: str) -> Element:
    """The root of a WeChat XML document, parsed without DTDs or entities.

    text: the document.
    """
    try:
        root = fromstring(text, forbid_dtd=True)
    except (DefusedXmlException, ParseError) as exc:
        raise Rejected(400, "malformed or forbidden XML") from exc
    if root.tag != "xml":
        raise Rejected(400, "the root element must be <xml>")
    return root


def inbound(root: Element, text: str) -> Inbound:
    """The message a verified document carries.

    root: the document, parsed safely. text: the same document, for wechatpy's parser.
    """
    for name in TEXT_FIELDS:
        found = root.findall(name)
        if len(found) > 1 or any(len(element) or element.attrib for element in found):
            raise Rejected(400, f"{name} must be a single text element")
    fields = {name: (root.findtext(name) or "").strip() for name in REQUIRED_FIELDS}
    missing = [name for name, value in fields.items() if not value]
    if missing:
        raise Rejected(400, f"missing {', '.join(missing)}")
    if not fields["CreateTime"].isdigit():
        raise Rejected(400, "CreateTime must be a number")
    kind = fields["MsgType"].lower()
    event = (root.findtext("Event") or "").strip().lower() if kind == "event" else ""
    sender = fields["FromUserName"]
    msg_id = (root.findtext("MsgId") or "").strip()
    key = (f"msg:{sender}:{msg_id}" if msg_id
           else f"at:{sender}:{fields['CreateTime']}:{kind}:{event}")
    return Inbound(message=parse_message(text), kind=kind, event=event, key=key)
