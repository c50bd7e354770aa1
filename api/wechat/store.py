"""What the WeChat channel remembers between requests: the reply given to each message, so a
retry gets the same reply without asking the bot again, and the pages of a long answer not yet
sent. In SQLite, so that every worker process (and a restarted server) sees the same, or in
Redis (REDIS_URL), so that every replica does."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import redis

from bot.redis_link import RedisLink, milliseconds

# How long a retry waits for the first delivery of the same message to finish computing;
# WeChat gives up on a request after 5 s.
WAIT_SECONDS = 4.0
POLL_SECONDS = 0.05
# In Redis, a claim lapses after WeChat's own 5 s timeout: by then no one waits on the delivery
# that made it, and if its replica died mid-answer, the next retry computes the reply.
CLAIM_SECONDS = 5.0

# The reply stored for a message, else a claim to compute it, atomically (two replicas must
# not both claim). KEYS: the reply, the claim. ARGV: the claim's lifetime in ms, the claiming
# delivery's token (a claim already this delivery's is still claimed: redis-py may resend the
# script when its first reply was lost).
CLAIM_SCRIPT = """
local reply = redis.call('GET', KEYS[1])
if reply then
  return {'reply', reply}
end
if redis.call('SET', KEYS[2], ARGV[2], 'NX', 'PX', ARGV[1])
    or redis.call('GET', KEYS[2]) == ARGV[2] then
  return {'claimed'}
end
return {'wait'}
"""


class ReplyStore(Protocol):
    """What the WeChat channel keeps: replies by message key, pending pages by user."""

    def once(self, key: str, compute: Callable[[], str]) -> str:
        """The reply for this message key, computed once however often it is delivered."""

    def keep_pages(self, user: str, pages: list[str]) -> None:
        """Remember the pages still to send this user, replacing any earlier ones."""

    def next_page(self, user: str) -> str | None:
        """Take the next pending page for this user; None when there is none."""

    def close(self) -> None:
        """Release the store's connection (at shutdown)."""


def open_reply_store(link: RedisLink | None, path: Path, reply_ttl_seconds: float,
                     pages_ttl_seconds: float) -> ReplyStore:
    """The Redis store when the process has a Redis link, else the SQLite file.

    link: the Redis link, if REDIS_URL is set. path: the SQLite file otherwise.
    reply_ttl_seconds, pages_ttl_seconds: as for WeChatStore.
    """
    if link:
        return RedisWeChatStore(link, reply_ttl_seconds, pages_ttl_seconds)
    return WeChatStore(path, reply_ttl_seconds, pages_ttl_seconds)


class WeChatStore:
    """Replies by message key, and pending pages by user.

    path: SQLite file (created if missing).
    reply_ttl_seconds: how long a reply is kept for retries and replays.
    pages_ttl_seconds: how long the rest of a long answer can still be fetched with "更多".
    """

    def __init__(self, path: Path, reply_ttl_seconds: float, pages_ttl_seconds: float) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.reply_ttl_seconds = reply_ttl_seconds
        self.pages_ttl_seconds = pages_ttl_seconds
        self._lock = threading.Lock()
        # Autocommit: each statement is its own transaction unless one is begun explicitly.
        self._db = sqlite3.connect(path, check_same_thread=False, timeout=10.0,
                                   isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        # reply is NULL while the first delivery is being answered; served counts deliveries.
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS replies (key TEXT PRIMARY KEY, reply TEXT, "
            "created REAL NOT NULL, served INTEGER NOT NULL DEFAULT 0)")
        self._db.execute("CREATE INDEX IF NOT EXISTS replies_created ON replies (created)")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS pages (user TEXT PRIMARY KEY, pages TEXT NOT NULL, "
            "updated REAL NOT NULL)")

    def once(self, key: str, compute: Callable[[], str]) -> str:
        """The reply for this message key: computed by the first delivery, the stored one for
        every later delivery (waiting for the first if it is still computing).

        key: identifies the message across retries. compute: makes the reply.
        """
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            if self._claim(key):
                try:
                    reply = compute()
                except BaseException:
                    self._release(key)  # so that WeChat's retry computes it afresh
                    raise
                self._run("UPDATE replies SET reply = ?, served = 1 WHERE key = ?", (reply, key))
                return reply
            stored = self._serve(key)
            if stored is not None:
                return stored
            if time.monotonic() > deadline:
                # An empty reply makes WeChat stop retrying; the first delivery answers.
                return ""
            time.sleep(POLL_SECONDS)

    def keep_pages(self, user: str, pages: list[str]) -> None:
        """Remember the pages still to send this user, replacing any earlier ones.

        user: the user's openid. pages: in order; none forgets the earlier ones.
        """
        if pages:
            self._run("INSERT OR REPLACE INTO pages VALUES (?, ?, ?)",
                      (user, json.dumps(pages, ensure_ascii=False), time.time()))
        else:
            self._run("DELETE FROM pages WHERE user = ?", (user,))

    def next_page(self, user: str) -> str | None:
        """Take the next pending page for this user; None when there is none (or it expired).

        user: the user's openid.
        """
        with self._lock:
            # IMMEDIATE: take the write lock first, so two processes cannot pop the same page.
            self._db.execute("BEGIN IMMEDIATE")
            try:
                row = self._db.execute("SELECT pages, updated FROM pages WHERE user = ?",
                                       (user,)).fetchone()
                if not row or time.time() - row[1] > self.pages_ttl_seconds:
                    self._db.execute("DELETE FROM pages WHERE user = ?", (user,))
                    page = None
                else:
                    page, *rest = json.loads(row[0])
                    if rest:
                        self._db.execute("UPDATE pages SET pages = ? WHERE user = ?",
                                         (json.dumps(rest, ensure_ascii=False), user))
                    else:
                        self._db.execute("DELETE FROM pages WHERE user = ?", (user,))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return page

    def close(self) -> None:
        """Close the database connection (at shutdown)."""
        with self._lock:
            self._db.close()

    def _claim(self, key: str) -> bool:
        """Make this delivery the one that computes the reply; False if another already is
        (or did). Expired keys are dropped first."""
        now = time.time()
        self._run("DELETE FROM replies WHERE created < ?", (now - self.reply_ttl_seconds,))
        return bool(self._run("INSERT OR IGNORE INTO replies (key, reply, created) "
                              "VALUES (?, NULL, ?) RETURNING key", (key, now)))

    def _serve(self, key: str) -> str | None:
        """The stored reply, counted as delivered; None while it is still being computed or
        after its claim was released."""
        rows = self._run("UPDATE replies SET served = served + 1 "
                         "WHERE key = ? AND reply IS NOT NULL RETURNING reply", (key,))
        return rows[0][0] if rows else None

    def _release(self, key: str) -> None:
        """Drop an unfinished claim (its computation failed) so the next delivery computes."""
        self._run("DELETE FROM replies WHERE key = ? AND reply IS NULL", (key,))

    def _run(self, sql: str, params: tuple = ()) -> list[tuple]:
        """Execute one statement (its own transaction) and return its rows."""
        with self._lock:
            return self._db.execute(sql, params).fetchall()


class RedisWeChatStore:
    """Replies by message key and pending pages by user, in Redis, shared by every replica.

    A reply is a key kept for ``reply_ttl_seconds``; a claim (SET NX with an expiry) marks the
    delivery computing it; pending pages are a list that expires. While Redis is down every
    delivery is answered afresh, as if nothing were stored, and long answers keep no pages.

    link: the Redis link.
    reply_ttl_seconds: how long a reply is kept for retries and replays.
    pages_ttl_seconds: how long the rest of a long answer can still be fetched with "更多".
    """

    PREFIX = "policybot:wechat:"

    def __init__(self, link: RedisLink, reply_ttl_seconds: float,
                 pages_ttl_seconds: float) -> None:
        self.link = link
        self.reply_ttl_ms = milliseconds(reply_ttl_seconds)
        self.pages_ttl_ms = milliseconds(pages_ttl_seconds)
        self._claim = link.client.register_script(CLAIM_SCRIPT)

    def once(self, key: str, compute: Callable[[], str]) -> str:
        """The reply for this message key: computed by the first delivery, the stored one for
        every later delivery (waiting for the first if it is still computing).

        key: identifies the message across retries. compute: makes the reply.
        """
        reply_key, claim_key = f"{self.PREFIX}reply:{key}", f"{self.PREFIX}claim:{key}"
        token = uuid.uuid4().hex
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            state, *stored = self.link.run(
                "wechat", lambda r: self._claim(keys=[reply_key, claim_key],
                                                args=[milliseconds(CLAIM_SECONDS), token],
                                                client=r),
                ["claimed"])
            if state == "reply":
                return stored[0]
            if state == "claimed":
                break
            if time.monotonic() > deadline:
                return ""  # as in WeChatStore: WeChat stops retrying; the first delivery answers
            time.sleep(POLL_SECONDS)
        try:
            reply = compute()
        except BaseException:
            # So that WeChat's retry computes it afresh.
            self.link.run("wechat", lambda r: r.delete(claim_key), None)
            raise

        def store(r: redis.Redis) -> None:
            # One transaction: the claim goes only once the reply is there to be served.
            r.pipeline().set(reply_key, reply, px=self.reply_ttl_ms).delete(claim_key).execute()

        self.link.run("wechat", store, None)
        return reply

    def keep_pages(self, user: str, pages: list[str]) -> None:
        """Remember the pages still to send this user, replacing any earlier ones.

        user: the user's openid. pages: in order; none forgets the earlier ones.
        """
        def replace(r: redis.Redis) -> None:
            transaction = r.pipeline().delete(self._pages_key(user))
            if pages:
                transaction.rpush(self._pages_key(user), *pages)
                transaction.pexpire(self._pages_key(user), self.pages_ttl_ms)
            transaction.execute()

        self.link.run("wechat", replace, None)

    def next_page(self, user: str) -> str | None:
        """Take the next pending page for this user (LPOP: two replicas never get the same
        one); None when there is none, it expired, or Redis is down.

        user: the user's openid.
        """
        return self.link.run("wechat", lambda r: r.lpop(self._pages_key(user)), None)

    def close(self) -> None:
        """Nothing to close: the link is the app's, closed with it."""

    def _pages_key(self, user: str) -> str:
        return f"{self.PREFIX}pages:{user}"
