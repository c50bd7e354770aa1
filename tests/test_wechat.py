"""The WeChat channel over real HTTP, against real ``policybot serve`` processes.

Requests are built here the way WeChat's servers build them — signature, AES encryption,
message XML — with hashlib and ``cryptography`` only, never with the server's code or
wechatpy's, and the signer and encrypter are checked against published test vectors first.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import math
import os
import sqlite3
import struct
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from pydantic import ValidationError

from bot.settings import Settings

TOKEN = "policybotToken2021"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APP_ID = "wx7c1e2a9d4b6f0835"
ACCOUNT = "gh_3f9a1c2b7d4e"
ENV = {"WECHAT_TOKEN": TOKEN, "WECHAT_AES_KEY": AES_KEY, "WECHAT_APP_ID": APP_ID}
REPLY_LIMIT_BYTES = 2048

_ids = itertools.count(time.time_ns() // 1000)


# --- the client side: what WeChat's servers do --------------------------------------------

def sign(*parts: str) -> str:
    """WeChat's signature: SHA-1 of the parts, sorted and concatenated."""
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def aes_cipher(encoding_key: str) -> Cipher:
    """AES-256-CBC with the key from the 43-character EncodingAESKey; the IV is its first
    16 bytes."""
    key = base64.b64decode(encoding_key + "=")
    return Cipher(algorithms.AES(key), modes.CBC(key[:16]))


def encrypt(message: str, encoding_key: str = AES_KEY, app_id: str = APP_ID,
            random16: bytes | None = None) -> str:
    """random16 + 4-byte network-order length + message + AppID, PKCS#7-padded to 32-byte
    blocks, AES-CBC encrypted, base64."""
    body = message.encode()
    plain = (random16 or os.urandom(16)) + struct.pack(">I", len(body)) + body + app_id.encode()
    pad = 32 - len(plain) % 32
    plain += bytes([pad]) * pad
    encryptor = aes_cipher(encoding_key).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


def decrypt(ciphertext: str, encoding_key: str = AES_KEY, app_id: str = APP_ID) -> str:
    """The inverse of ``encrypt``; fails unless the message carries ``app_id``."""
    decryptor = aes_cipher(encoding_key).decryptor()
    plain = decryptor.update(base64.b64decode(ciphertext)) + decryptor.finalize()
    pad = plain[-1]
    assert 1 <= pad <= 32 and plain[-pad:] == bytes([pad]) * pad
    content = plain[16:-pad]
    (length,) = struct.unpack(">I", content[:4])
    assert content[4 + length:].decode() == app_id
    return content[4:4 + length].decode()


def text_xml(content: str, user: str, msg_id: int | None = None) -> str:
    return (f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
            f"<FromUserName><![CDATA[{user}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{content}]]></Content>"
            f"<MsgId>{msg_id or next(_ids)}</MsgId></xml>")


def message_xml(user: str, msg_type: str, fields: str, msg_id: int | None = None) -> str:
    return (f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
            f"<FromUserName><![CDATA[{user}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime>"
            f"<MsgType><![CDATA[{msg_type}]]></MsgType>{fields}"
            f"<MsgId>{msg_id or next(_ids)}</MsgId></xml>")


def event_xml(event: str, user: str, create_time: int | None = None) -> str:
    return (f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
            f"<FromUserName><![CDATA[{user}]]></FromUserName>"
            f"<CreateTime>{create_time or int(time.time())}</CreateTime>"
            f"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{event}]]></Event>"
            f"<EventKey><![CDATA[]]></EventKey></xml>")


def new_user() -> str:
    return "o" + uuid.uuid4().hex[:27]


@dataclass
class WeChat:
    """Calls the server URL as WeChat does.

    url: the server's /wechat URL.
    """

    url: str

    def params(self, timestamp: int | None = None, **extra: str) -> dict[str, str]:
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        nonce = str(next(_ids))
        return {"signature": sign(TOKEN, stamp, nonce), "timestamp": stamp, "nonce": nonce,
                **extra}

    def plain(self, xml: str, timestamp: int | None = None,
              user: str = "") -> httpx.Response:
        """POST a message in plain mode (明文模式)."""
        return httpx.post(self.url, params=self.params(timestamp, openid=user),
                          content=xml.encode(), headers={"content-type": "text/xml"}, timeout=10)

    def safe(self, xml: str, timestamp: int | None = None, app_id: str = APP_ID,
             msg_signature: str | None = None) -> tuple[httpx.Response, dict[str, str]]:
        """POST a message in safe mode (安全模式); returns the response and the query sent."""
        params = self.params(timestamp, encrypt_type="aes")
        ciphertext = encrypt(xml, app_id=app_id)
        params["msg_signature"] = msg_signature or sign(TOKEN, params["timestamp"],
                                                        params["nonce"], ciphertext)
        body = (f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
                f"<Encrypt><![CDATA[{ciphertext}]]></Encrypt></xml>")
        response = httpx.post(self.url, params=params, content=body.encode(),
                              headers={"content-type": "text/xml"}, timeout=10)
        return response, params


def reply_fields(body: str) -> dict[str, str]:
    """A reply's XML as {element: text}."""
    return {child.tag: child.text or "" for child in ET.fromstring(body)}


def opened(response: httpx.Response, params: dict[str, str]) -> dict[str, str]:
    """An encrypted reply checked (its msg_signature, its nonce) and decrypted."""
    assert response.status_code == 200, response.text
    outer = reply_fields(response.text)
    assert set(outer) == {"Encrypt", "MsgSignature", "TimeStamp", "Nonce"}
    assert outer["MsgSignature"] == sign(TOKEN, outer["TimeStamp"], outer["Nonce"],
                                         outer["Encrypt"])
    assert outer["Nonce"] == params["nonce"]
    return reply_fields(decrypt(outer["Encrypt"]))


def content(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    return reply_fields(response.text)["Content"]


@pytest.fixture(scope="module")
def wechat_server(server_factory: Callable):
    return server_factory(env=ENV)


@pytest.fixture(scope="module")
def wechat(wechat_server) -> WeChat:
    return WeChat(f"{wechat_server.url}/wechat")


def served(home: Path, key: str) -> list[tuple[int]]:
    """The dedupe table's rows for a message key: (times delivered,)."""
    with sqlite3.connect(home / "wechat.sqlite3") as db:
        return db.execute("SELECT served FROM replies WHERE key = ?", (key,)).fetchall()


# --- the client side is right ------------------------------------------------------------

def test_signer_matches_wechatpy_vector():
    assert sign("test", "1410685589", "test") == "f21891de399b4e33a1a93c9a7b8a8fffb5a443ff"


def test_encrypter_matches_wechatpy_vector():
    """wechatpy's published encryption vector (token 123456, random 1234567890123456)."""
    key = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
    reply = ("<xml>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[test]]></Content>\n"
             "<FromUserName><![CDATA[wx49f0ab532d5d035a]]></FromUserName>\n"
             "<ToUserName><![CDATA[messense]]></ToUserName>\n<AgentID>1</AgentID>\n"
             "<CreateTime>1411525903</CreateTime>\n</xml>")
    ciphertext = encrypt(reply, key, "wx49f0ab532d5d035a", random16=b"1234567890123456")
    assert ciphertext == (
        "9s4gMv99m88kKTh/H8IdkOiMg6bisoy3ypwy9H4hvSPe9nsGaqyw5hhSjdYbcrKk+j3nba4HMOTzHrluLBYqxgNc"
        "BqGsL8GqxlhZgURnAtObvesEl5nZ+uBE8bviY0LWke8Zy9V/QYKxNV2FqllNXcfmstttyIkMKCCmVbCFM2JTF5w"
        "Y0nFhHZSjPUL2Q1qvSUCUld+/WIXrx0oyKQmpB6o8NRrrNrsDf03oxI1p9FxUgMnwKKZeOA/uu+2IEvEBtb7muX"
        "sVbwbgX05UPPJvFurDXafG0RQyPR+mf1nDnAtQmmNOuiR5MIkdQ39xn1vWwi1O5oazPoQJz0nTYjxxEE8kv3kFx"
        "tAGVRe3ypD3WeK2XeFYFMNMpatF9XiKzHo3")
    assert sign("123456", "1411525903", "461056294", ciphertext) == \
        "407518b7649e86ef23978113f92d27afa9296533"
    assert decrypt(ciphertext, key, "wx49f0ab532d5d035a") == reply


# --- URL verification ------------------------------------------------------------------

def test_verification_echoes_echostr(wechat: WeChat):
    response = httpx.get(wechat.url, params=wechat.params(echostr="7164328290617432718"))
    assert response.status_code == 200
    assert response.text == "7164328290617432718"
    assert response.headers["content-type"].startswith("text/plain")


def test_verification_with_wrong_signature_is_403(wechat: WeChat):
    params = wechat.params(echostr="7164328290617432718")
    params["signature"] = sign("another-token", params["timestamp"], params["nonce"])
    response = httpx.get(wechat.url, params=params)
    assert response.status_code == 403
    assert "7164328290617432718" not in response.text


def test_verification_with_stale_timestamp_is_403(wechat: WeChat):
    params = wechat.params(timestamp=int(time.time()) - 3600, echostr="42")
    assert httpx.get(wechat.url, params=params).status_code == 403


def test_encrypted_echostr_is_decrypted(wechat: WeChat):
    params = wechat.params()
    echostr = encrypt("1234567890123456789")
    params.update(echostr=echostr, msg_signature=sign(TOKEN, params["timestamp"],
                                                      params["nonce"], echostr))
    response = httpx.get(wechat.url, params=params)
    assert (response.status_code, response.text) == (200, "1234567890123456789")


# --- text round trips ------------------------------------------------------------------

def test_plain_text_is_answered_with_citation_and_units(wechat: WeChat):
    user = new_user()
    response = wechat.plain(text_xml("企业注销找哪个部门？", user), user=user)
    assert response.headers["content-type"].startswith("application/xml")
    reply = reply_fields(response.text)
    assert reply["MsgType"] == "text"
    assert (reply["ToUserName"], reply["FromUserName"]) == (user, ACCOUNT)
    assert "【第21条】" in reply["Content"]
    assert "责任单位：区市场监管局" in reply["Content"]
    assert "- " not in reply["Content"] and "**" not in reply["Content"]
    assert len(reply["Content"].encode()) <= REPLY_LIMIT_BYTES


def test_safe_mode_text_is_answered_encrypted(wechat: WeChat):
    user = new_user()
    response, params = wechat.safe(text_xml("企业注销找哪个部门？", user))
    assert "第21条" not in response.text  # nothing in the clear
    reply = opened(response, params)
    assert (reply["MsgType"], reply["ToUserName"], reply["FromUserName"]) == \
        ("text", user, ACCOUNT)
    assert "【第21条】" in reply["Content"]
    assert "责任单位：" in reply["Content"]


def test_voice_with_recognition_is_answered_as_text(wechat: WeChat):
    user = new_user()
    xml = message_xml(user, "voice", "<MediaId><![CDATA[m1]]></MediaId>"
                                     "<Format><![CDATA[amr]]></Format>"
                                     "<Recognition><![CDATA[企业注销找哪个部门？]]></Recognition>")
    assert "【第21条】" in content(wechat.plain(xml))


def test_voice_without_recognition_asks_for_typed_question(wechat: WeChat):
    user = new_user()
    xml = message_xml(user, "voice", "<MediaId><![CDATA[m2]]></MediaId>"
                                     "<Format><![CDATA[amr]]></Format>")
    reply = content(wechat.plain(xml))
    assert "输入" in reply and "【第" not in reply


@pytest.mark.parametrize("msg_type, fields", [
    ("image", "<PicUrl><![CDATA[http://example.com/a.jpg]]></PicUrl>"
              "<MediaId><![CDATA[m3]]></MediaId>"),
    ("location", "<Location_X>31.25</Location_X><Location_Y>121.39</Location_Y>"
                 "<Scale>15</Scale><Label><![CDATA[普陀区]]></Label>"),
    ("link", "<Title><![CDATA[t]]></Title><Description><![CDATA[d]]></Description>"
             "<Url><![CDATA[http://example.com]]></Url>"),
    ("miniprogrampage", "<Title><![CDATA[t]]></Title>"),
])
def test_other_messages_get_a_polite_request_for_text(wechat: WeChat, msg_type: str,
                                                      fields: str):
    reply = content(wechat.plain(message_xml(new_user(), msg_type, fields)))
    assert "抱歉" in reply and "请直接输入您的问题" in reply


def test_follow_up_continues_the_users_conversation(wechat: WeChat):
    user = new_user()
    assert "【第21条】" in content(wechat.plain(text_xml("企业注销找哪个部门？", user)))
    follow_up = content(wechat.plain(text_xml("谁负责", user)))
    assert "【第21条】" in follow_up and "区市场监管局" in follow_up
    # Another user's follow-up has no earlier turn to continue.
    assert "【第21条】" not in content(wechat.plain(text_xml("谁负责", new_user())))


# --- events ----------------------------------------------------------------------------

def test_subscribe_gets_welcome_with_three_answerable_examples(wechat: WeChat):
    user = new_user()
    welcome = content(wechat.plain(event_xml("subscribe", user)))
    examples = [line.split(". ", 1)[1] for line in welcome.splitlines()
                if line[:1].isdigit() and ". " in line]
    assert len(examples) == 3
    for question in examples:
        assert "【第" in content(wechat.plain(text_xml(question, user))), question


def test_subscribe_retry_gets_the_same_welcome(wechat: WeChat, home: Path):
    user, created = new_user(), int(time.time())
    first = wechat.plain(event_xml("subscribe", user, created))
    second = wechat.plain(event_xml("subscribe", user, created))
    assert first.text == second.text and "欢迎" in content(first)
    assert served(home, f"at:{user}:{created}:event:subscribe") == [(2,)]


@pytest.mark.parametrize("event", ["unsubscribe", "CLICK", "VIEW", "something_new"])
def test_other_events_get_success(wechat: WeChat, event: str):
    response = wechat.plain(event_xml(event, new_user()))
    assert (response.status_code, response.text) == (200, "success")


# --- retries and replays ---------------------------------------------------------------

def test_retried_msgid_gets_the_stored_reply(wechat: WeChat, home: Path):
    user, msg_id = new_user(), next(_ids)
    first = wechat.plain(text_xml("企业注销找哪个部门？", user, msg_id))
    time.sleep(1.1)  # a recomputed reply would carry a later CreateTime
    second = wechat.plain(text_xml("企业注销找哪个部门？", user, msg_id))
    assert first.status_code == second.status_code == 200
    assert second.text == first.text
    # One row, delivered twice: the second delivery was served from the store.
    assert served(home, f"msg:{user}:{msg_id}") == [(2,)]


def test_retried_msgid_in_safe_mode_gets_the_same_reply(wechat: WeChat, home: Path):
    user, msg_id = new_user(), next(_ids)
    first = opened(*wechat.safe(text_xml("企业注销找哪个部门？", user, msg_id)))
    time.sleep(1.1)
    second = opened(*wechat.safe(text_xml("企业注销找哪个部门？", user, msg_id)))
    assert second == first
    assert served(home, f"msg:{user}:{msg_id}") == [(2,)]


def test_retry_reaches_another_process(wechat: WeChat, server_factory: Callable, home: Path):
    """Workers and restarts share the store: a retry answered by another server process over
    the same home gets the first process's reply."""
    other = WeChat(f"{server_factory(env=ENV).url}/wechat")
    user, msg_id = new_user(), next(_ids)
    first = wechat.plain(text_xml("企业注销找哪个部门？", user, msg_id))
    time.sleep(1.1)
    second = other.plain(text_xml("企业注销找哪个部门？", user, msg_id))
    assert second.text == first.text
    assert served(home, f"msg:{user}:{msg_id}") == [(2,)]


def test_long_answer_is_paged_and_more_is_idempotent(wechat: WeChat):
    user = new_user()
    first = content(wechat.plain(text_xml("区投促办负责哪些工作", user)))
    assert len(first.encode()) <= REPLY_LIMIT_BYTES
    assert "责任单位：区投促办" in first and "回复“更多”" in first
    total = int(first.rsplit("/", 1)[1].split("）")[0])
    assert total >= 2
    more_id = next(_ids)
    second = content(wechat.plain(text_xml("更多", user, more_id)))
    # WeChat retrying the same "更多" must not skip a page.
    assert content(wechat.plain(text_xml("更多", user, more_id))) == second
    pages = [first, second]
    while len(pages) < total:
        pages.append(content(wechat.plain(text_xml("更多", user))))
    for number, page in enumerate(pages, 1):
        assert len(page.encode()) <= REPLY_LIMIT_BYTES
        assert f"（{number}/{total}）" in page
    assert pages[-1].endswith("完")
    assert "【第100条】" in pages[-1] and "【第100条】" not in first
    assert "没有更多" in content(wechat.plain(text_xml("更多", user)))


def test_new_question_replaces_pending_pages(wechat: WeChat):
    user = new_user()
    content(wechat.plain(text_xml("区投促办负责哪些工作", user)))
    content(wechat.plain(text_xml("企业注销找哪个部门？", user)))
    assert "没有更多" in content(wechat.plain(text_xml("更多", user)))


@pytest.mark.parametrize("age", [301, -301, 3600])
def test_timestamp_outside_window_is_403(wechat: WeChat, age: int):
    xml = text_xml("企业注销找哪个部门？", new_user())
    # Whole seconds, rounded away from the window: a timestamp ahead of the clock comes
    # closer to it while the request is under way, so it is taken from the next second.
    now = math.ceil(time.time()) if age < 0 else int(time.time())
    assert wechat.plain(xml, timestamp=now - age).status_code == 403


def test_timestamp_inside_window_is_accepted(wechat: WeChat):
    xml = text_xml("企业注销找哪个部门？", new_user())
    assert wechat.plain(xml, timestamp=int(time.time()) - 250).status_code == 200


# --- forged and hostile requests -------------------------------------------------------

def test_wrong_signature_is_403(wechat: WeChat):
    params = wechat.params()
    params["signature"] = "0" * 40
    response = httpx.post(wechat.url, params=params,
                          content=text_xml("企业注销找哪个部门？", new_user()).encode())
    assert response.status_code == 403


def test_missing_signature_is_403(wechat: WeChat):
    params = wechat.params()
    del params["signature"]
    response = httpx.post(wechat.url, params=params,
                          content=text_xml("企业注销找哪个部门？", new_user()).encode())
    assert response.status_code == 403


def test_wrong_msg_signature_is_403(wechat: WeChat):
    response, _ = wechat.safe(text_xml("企业注销找哪个部门？", new_user()),
                              msg_signature=sign(TOKEN, "1", "2", "3"))
    assert response.status_code == 403
    assert "第21条" not in response.text


def test_message_for_another_app_id_is_403(wechat: WeChat):
    response, _ = wechat.safe(text_xml("企业注销找哪个部门？", new_user()),
                              app_id="wx0000000000000000")
    assert response.status_code == 403


def test_undecryptable_ciphertext_is_400(wechat: WeChat):
    params = wechat.params(encrypt_type="aes")
    ciphertext = base64.b64encode(b"not whole AES blocks").decode()
    params["msg_signature"] = sign(TOKEN, params["timestamp"], params["nonce"], ciphertext)
    body = f"<xml><Encrypt><![CDATA[{ciphertext}]]></Encrypt></xml>"
    assert httpx.post(wechat.url, params=params, content=body.encode()).status_code == 400


@pytest.mark.parametrize("body", [
    "not xml at all",
    "<html><body>hi</body></html>",
    "<xml><ToUserName>gh</ToUserName></xml>",
    "<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>1</CreateTime>"
    "<MsgType>text</MsgType><Content>a</Content><Content>b</Content></xml>",
    "<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>1</CreateTime>"
    "<MsgType>text</MsgType><Content x='1'>a</Content></xml>",
])
def test_malformed_messages_are_400(wechat: WeChat, body: str):
    assert wechat.plain(body).status_code == 400


def xxe_payload(path: Path) -> str:
    return (f'<?xml version="1.0"?>\n<!DOCTYPE xml [<!ENTITY secret SYSTEM "file://{path}">]>\n'
            f"<xml><ToUserName>{ACCOUNT}</ToUserName><FromUserName>{new_user()}</FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType>text</MsgType>"
            f"<Content>&secret;</Content><MsgId>{next(_ids)}</MsgId></xml>")


BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
    + "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10 if n > 1 else "&lol;" * 10}">\n'
              for n in range(1, 10))
    + ']>\n<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName>'
    "<CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&lol9;</Content></xml>")


def test_xxe_is_refused_and_leaks_nothing(wechat: WeChat, wechat_server, tmp_path: Path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET-4f1c9a")
    for response in (wechat.plain(xxe_payload(secret)), wechat.safe(xxe_payload(secret))[0]):
        assert response.status_code == 400
        assert "TOPSECRET" not in response.text and str(tmp_path) not in response.text
        assert response.json() == {"detail": "malformed or forbidden XML"}
    assert wechat_server.alive()


def test_billion_laughs_is_refused_quickly(wechat: WeChat, wechat_server):
    started = time.perf_counter()
    plain = wechat.plain(BILLION_LAUGHS)
    encrypted, _ = wechat.safe(BILLION_LAUGHS)
    assert plain.status_code == encrypted.status_code == 400
    assert "lol" not in plain.text and len(plain.content) < 200
    assert time.perf_counter() - started < 5
    assert wechat_server.alive()
    assert httpx.get(f"{wechat_server.url}/healthz").status_code == 200


def test_oversized_body_is_413(wechat: WeChat, wechat_server):
    padding = "的" * (70 * 1024 // 3)
    response = wechat.plain(text_xml(padding, new_user()))
    assert response.status_code == 413
    assert wechat_server.alive()


# --- configuration ---------------------------------------------------------------------

def test_no_route_without_token(server):
    assert httpx.get(f"{server.url}/wechat", params={"echostr": "1"}).status_code == 404
    assert httpx.post(f"{server.url}/wechat", content=b"<xml/>").status_code == 404


def test_plain_only_server_refuses_safe_mode(server_factory: Callable):
    """Without WECHAT_AES_KEY the channel answers plain mode and refuses encrypted messages."""
    plain_only = WeChat(f"{server_factory(env={'WECHAT_TOKEN': TOKEN}).url}/wechat")
    assert "【第21条】" in content(plain_only.plain(text_xml("企业注销找哪个部门？", new_user())))
    response, _ = plain_only.safe(text_xml("企业注销找哪个部门？", new_user()))
    assert response.status_code == 400


def test_safe_mode_without_app_id_does_not_start(server_factory: Callable):
    with pytest.raises(RuntimeError, match="WECHAT_APP_ID must be set"):
        server_factory(env={"WECHAT_TOKEN": TOKEN, "WECHAT_AES_KEY": AES_KEY})


def test_aes_key_must_have_43_characters():
    assert Settings(WECHAT_AES_KEY=AES_KEY).wechat_aes_key == AES_KEY
    assert not Settings(WECHAT_AES_KEY="").wechat_aes_key  # blank counts as unset
    with pytest.raises(ValidationError):
        Settings(WECHAT_AES_KEY=AES_KEY[:-1])


def test_each_follower_has_their_own_rate_limit(server_factory: Callable):
    limited = WeChat(f"{server_factory(env={**ENV, 'POLICYBOT_RATE_LIMIT': '3'}).url}/wechat")
    busy, other = new_user(), new_user()
    replies = [content(limited.plain(text_xml(f"第{n}条", busy), user=busy))
               for n in (1, 2, 3, 4)]
    assert all("【第" in reply for reply in replies[:3])
    assert "太频繁" in replies[3]
    # WeChat's servers send every follower's messages: others are not held back
    assert "【第5条】" in content(limited.plain(text_xml("第5条", other), user=other))
