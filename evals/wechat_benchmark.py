"""WeChat reply latency: start ``policybot serve`` with the WeChat channel on loopback, send it
signed text messages (plain mode, then safe mode) the way WeChat does, and print p50/p99.

    .venv/bin/python -m evals.wechat_benchmark [--requests 200] [--concurrency 1]

WeChat waits 5 s for a reply; the target is p99 under 1 s. This only measures and prints.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import itertools
import os
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import fromstring

import httpx
from wechatpy.crypto import PrpCrypto, WeChatCrypto

from evals.gold import load_gold
from evals.server import serve

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "evals" / "gold" / "test.jsonl"
ACCOUNT = "gh_benchmark"
TARGET_P99_MS = 1000.0


@dataclass(frozen=True)
class Account:
    """The official account's server settings, made up for the run."""

    token: str
    aes_key: str
    app_id: str


@dataclass(frozen=True)
class Sample:
    """One message: how long the reply took, and whether it was a valid reply."""

    latency_ms: float
    ok: bool


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="messages per mode")
    parser.add_argument("--concurrency", type=int, default=1, help="messages in flight")
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    parser.add_argument("--home", type=Path, default=os.environ.get("POLICYBOT_HOME"),
                        help="POLICYBOT_HOME to serve (default: $POLICYBOT_HOME, else a "
                             "temporary home indexed at start-up)")
    args = parser.parse_args(argv)

    account = Account(token=secrets.token_hex(8),
                      # An EncodingAESKey is 32 random bytes in base64, without the "=".
                      aes_key=base64.b64encode(os.urandom(32)).decode()[:43],
                      app_id="wx" + secrets.token_hex(8))
    questions = [item.question for item in load_gold(GOLD) if not item.session]
    with tempfile.TemporaryDirectory() as scratch:
        home = args.home or Path(scratch)
        print(f"Serving {home} with {args.workers} worker(s); {args.requests} messages per "
              f"mode, {args.concurrency} in flight; questions from {GOLD.relative_to(ROOT)}")
        env = {"WECHAT_TOKEN": account.token, "WECHAT_AES_KEY": account.aes_key,
               "WECHAT_APP_ID": account.app_id}
        with tempfile.TemporaryFile() as log, serve(home, args.workers, log, env) as server, \
                httpx.Client(timeout=10) as client:
            url = server.url
            for mode in ("plain", "aes"):
                send(client, url, account, mode, questions[:5], 1)  # warm-up, not counted
                samples = send(client, url, account, mode,
                               list(itertools.islice(itertools.cycle(questions),
                                                     args.requests)), args.concurrency)
                report(mode, samples)
    return 0


def send(client: httpx.Client, url: str, account: Account, mode: str, questions: list[str],
         concurrency: int) -> list[Sample]:
    """Send one text message per question and time each reply.

    client: HTTP client. url: server base URL. account: the WeChat settings. mode: plain or
    aes. questions: message texts. concurrency: messages in flight at once.
    """
    crypto = WeChatCrypto(account.token, account.aes_key, account.app_id)

    def one(question: str) -> Sample:
        user = "o" + uuid.uuid4().hex[:27]
        stamp, nonce = str(int(time.time())), secrets.token_hex(5)
        params = {"signature": signature(account.token, stamp, nonce), "timestamp": stamp,
                  "nonce": nonce, "openid": user}
        body = (f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
                f"<FromUserName><![CDATA[{user}]]></FromUserName><CreateTime>{stamp}</CreateTime>"
                f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{question}]]></Content>"
                f"<MsgId>{time.time_ns()}</MsgId></xml>")
        if mode == "aes":
            ciphertext = PrpCrypto(crypto.key).encrypt(body, account.app_id).decode()
            params.update(encrypt_type="aes",
                          msg_signature=signature(account.token, stamp, nonce, ciphertext))
            body = f"<xml><Encrypt><![CDATA[{ciphertext}]]></Encrypt></xml>"
        started = time.perf_counter()
        response = client.post(f"{url}/wechat", params=params, content=body.encode())
        latency_ms = (time.perf_counter() - started) * 1000
        return Sample(latency_ms, valid_reply(response, crypto, mode))

    with ThreadPoolExecutor(concurrency) as pool:
        return list(pool.map(one, questions))


def signature(*parts: str) -> str:
    """WeChat's signature: SHA-1 of the parts, sorted and concatenated."""
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def valid_reply(response: httpx.Response, crypto: WeChatCrypto, mode: str) -> bool:
    """True for a 200 text reply (decrypting and checking it in safe mode).

    response: the server's answer. crypto: the account's crypto. mode: plain or aes.
    """
    if response.status_code != 200:
        return False
    text = response.text
    if mode == "aes":
        outer = fromstring(text)  # our own server's reply, not untrusted input
        text = crypto.decrypt_message(text, outer.findtext("MsgSignature"),
                                      outer.findtext("TimeStamp"), outer.findtext("Nonce"))
    return "<MsgType><![CDATA[text]]></MsgType>" in text


def report(mode: str, samples: list[Sample]) -> None:
    """Print latency percentiles for one mode.

    mode: plain or aes. samples: the timed messages.
    """
    latencies = sorted(s.latency_ms for s in samples)
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    p50, p90, p99 = cuts[49], cuts[89], cuts[98]
    failed = sum(not s.ok for s in samples)
    verdict = "met" if p99 < TARGET_P99_MS else "NOT met"
    print(f"{mode:>5}: n={len(samples)}  p50={p50:.1f} ms  p90={p90:.1f} ms  p99={p99:.1f} ms  "
          f"max={latencies[-1]:.1f} ms  failed={failed}  (p99 < {TARGET_P99_MS:.0f} ms: "
          f"{verdict})")


if __name__ == "__main__":
    sys.exit(main())
