"""The WeChat channel: which reply each message gets.

Text (and voice WeChat has transcribed) is asked of the bot, with the sender's openid as the
session so follow-ups work; long answers are sent a page at a time ("更多" fetches the next);
a new follower gets a welcome; other messages get a request for a typed question; other events
get no reply. Every reply is computed once per message, however often WeChat delivers it.
"""

from __future__ import annotations

import logging

from wechatpy.messages import TextMessage, VoiceMessage
from wechatpy.replies import create_reply

from api.db.recorder import Recorder
from api.ratelimit import RateLimiter
from api.wechat.format import MORE_WORD, paginate, wechat_text
from api.wechat.protocol import Inbound
from api.wechat.store import ReplyStore
from bot.policybot import InvalidQuestion, PolicyBot

log = logging.getLogger("policybot.wechat")

EXAMPLE_QUESTIONS = ("企业注销找哪个部门？", "区投促办负责哪些工作？", "第21条讲的是什么？")
WELCOME = (
    "您好，欢迎关注！我可以解答《普陀区深化推进一流营商环境建设行动方案》中的问题，"
    "每个回答都注明依据的条款和责任单位。您可以这样问：\n"
    + "\n".join(f"{n}. {q}" for n, q in enumerate(EXAMPLE_QUESTIONS, 1))
    + f"\n回答较长时会分段发送，回复“{MORE_WORD}”查看下一部分。")
TYPE_A_QUESTION = (f"抱歉，我目前只能回答文字问题。请直接输入您的问题，"
                   f"例如：{EXAMPLE_QUESTIONS[0]}")
NOTHING_MORE = "没有更多内容了。请直接输入新的问题。"
# WeChat retries any reply that is not 200, so a follower over the limit is told in words.
TOO_FAST = "您的提问太频繁了，请稍等一分钟再问。"
# Marks a user may add to "更多"; it still means "the next page".
TRAILING_MARKS = " \t\n。.!！~～"


class WeChatChannel:
    """Replies to WeChat messages.

    bot: answers the questions.
    store: replies already given, and pages not yet sent.
    max_question_chars: the bot's question limit, quoted when a question breaks it.
    limits: questions allowed per follower (openid).
    recorder: logs each question answered (its conversation, the openid, only hashed).
    """

    def __init__(self, bot: PolicyBot, store: ReplyStore, max_question_chars: int,
                 limits: RateLimiter, recorder: Recorder) -> None:
        self.bot = bot
        self.store = store
        self.max_question_chars = max_question_chars
        self.limits = limits
        self.recorder = recorder

    def reply(self, inbound: Inbound) -> str:
        """The reply XML for a message, or "" when it needs none; a redelivery gets the reply
        stored for it.

        inbound: the verified message.
        """
        return self.store.once(inbound.key, lambda: self.render(inbound))

    def render(self, inbound: Inbound) -> str:
        """The reply XML, computed afresh; "" when the message needs no reply.

        inbound: the verified message.
        """
        text = self.respond(inbound)
        log.info("wechat %s %s%s: %s", inbound.key, inbound.kind,
                 f"/{inbound.event}" if inbound.event else "", "reply" if text else "no reply")
        return create_reply(text, inbound.message, render=True) if text else ""

    def respond(self, inbound: Inbound) -> str | None:
        """The reply text; None when the message needs no reply.

        inbound: the verified message.
        """
        message = inbound.message
        if inbound.kind == "event":
            return WELCOME if inbound.event == "subscribe" else None
        if isinstance(message, TextMessage):
            return self.answer(message.source, message.content or "")
        if isinstance(message, VoiceMessage) and message.recognition:
            return self.answer(message.source, message.recognition)
        return TYPE_A_QUESTION

    def answer(self, user: str, question: str) -> str:
        """The first page of the answer (the rest is kept for "更多"), or the next page when
        the user asks for more.

        user: the sender's openid. question: what they typed or said.
        """
        if question.strip(TRAILING_MARKS).lower() in (MORE_WORD, "more"):
            return self.store.next_page(user) or NOTHING_MORE
        if self.limits.take(user):
            return TOO_FAST
        try:
            answer = self.bot.ask(question, session_id=f"wx:{user}")
        except InvalidQuestion:
            return (f"请输入不超过{self.max_question_chars}字的问题，"
                    f"例如：{EXAMPLE_QUESTIONS[0]}")
        self.recorder.record("wechat", question, answer)
        first, *rest = paginate(wechat_text(answer))
        self.store.keep_pages(user, rest)
        return first
