"""The chat widget in real headless Chromium (Debian's, kept off the network): the demo page,
the one-line embed on a page of another origin, and a phone-width screen.

Screenshots go to test-artifacts/ for a human to look at.
"""

from __future__ import annotations

import functools
import json
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import (
    ARTIFACTS,
    TIMEOUT_MS,
    Server,
    feedback_rows,
    start_server,
    stop_server,
)

QUESTION = "企业注销找哪个部门？"
# The plan covers property registration (measures 30-36) but states no fee: a partial answer.
NEAR_MISS = "办理不动产登记要交多少钱？"
NEAR_MISS_EN = "How much does property registration cost?"

# Records the length of the newest answer's text at every change, to see it stream in.
WATCH_ANSWER = """() => {
  const root = document.getElementById("policybot-widget").shadowRoot;
  window.answerLengths = [];
  new MutationObserver(() => {
    const texts = root.querySelectorAll(".pb-bot .pb-text");
    window.answerLengths.push(texts[texts.length - 1].textContent.length);
  }).observe(root, { subtree: true, childList: true, characterData: true });
}"""
LAST_ANSWER = """() => {
  const texts = document.getElementById("policybot-widget").shadowRoot
    .querySelectorAll(".pb-bot .pb-text");
  return texts[texts.length - 1].textContent;
}"""


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        """Keeps the request log out of the test output."""


@dataclass
class Site:
    """A static site on its own loopback origin. url: its origin. directory: its files."""

    url: str
    directory: Path

    def embed_page(self, name: str, api: Server) -> str:
        """A page with the one-line embed of api's widget, an English lang, and host styles
        that would wreck the widget if they reached it; returns its URL."""
        (self.directory / name).write_text(f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Partner site</title>
<style>
  body {{ font: 30px/3 serif; color: rgb(255, 0, 0); }}
  button {{ background: rgb(255, 0, 0) !important; font-size: 40px !important; }}
  p {{ margin: 80px !important; }}
  .pb-panel {{ display: none !important; }}
</style></head>
<body><h1>A partner's page</h1>
<script src="{api.url}/widget.js" data-title="普陀营商政策问答" defer></script>
</body></html>""", encoding="utf-8")
        return f"{self.url}/{name}"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    directory = tmp_path_factory.mktemp("site")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0),
                                functools.partial(QuietHandler, directory=str(directory)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield Site(f"http://127.0.0.1:{httpd.server_port}", directory)
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def cors_server(server_factory: Callable[..., Server], site: Site) -> Server:
    """A server that lets the site's origin call it."""
    return server_factory(env={"POLICYBOT_CORS_ORIGINS": site.url})


def new_page(browser: Browser, **context: object) -> tuple[Page, list[str]]:
    """A page in a fresh context, and the list its script errors are collected in."""
    page = browser.new_context(**context).new_page()
    page.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page, errors


def stored_session(page: Page, api: Server) -> str:
    """The session id the widget keeps in sessionStorage."""
    return page.evaluate(f"JSON.parse(sessionStorage.getItem('policybot:{api.url}')).session_id")


def ask(page: Page, input_name: str, question: str) -> dict:
    """Type a question and press Enter; returns the JSON body the widget posted."""
    with page.expect_request(lambda r: r.url.endswith("/api/v1/ask/stream")) as request:
        box = page.get_by_role("textbox", name=input_name)
        box.fill(question)
        box.press("Enter")
    return json.loads(request.value.post_data)


def test_static_files_are_served(server: Server) -> None:
    script = httpx.get(f"{server.url}/widget.js", timeout=30)
    assert script.headers["content-type"].startswith("text/javascript")
    assert "attachShadow" in script.text
    assert httpx.get(f"{server.url}/widget.css", timeout=30).headers[
        "content-type"].startswith("text/css")
    page = httpx.get(f"{server.url}/", timeout=30)
    assert page.headers["content-type"].startswith("text/html")
    assert '<script src="/widget.js" data-title="普陀营商政策问答" defer></script>' in page.text


def test_demo_page_conversation(browser: Browser, server: Server, home: Path) -> None:
    page, errors = new_page(browser, viewport={"width": 1280, "height": 800})
    page.goto(f"{server.url}/")
    expect(page.get_by_role("heading", name="普陀区 企业服务")).to_be_visible()
    page.screenshot(path=ARTIFACTS / "widget-demo-closed.png")

    launcher = page.get_by_role("button", name="打开营商政策问答")
    expect(launcher).to_have_attribute("aria-expanded", "false")
    launcher.click()
    expect(page.get_by_role("dialog", name="普陀营商政策问答")).to_be_visible()
    question_box = page.get_by_role("textbox", name="输入您的问题")
    expect(question_box).to_be_focused()
    suggestions = page.get_by_role("group", name="您可以这样问").get_by_role("button")
    expect(suggestions).to_have_count(4)
    expect(suggestions.first).to_have_text(QUESTION)
    # Focus order: the suggestions, then the question box, then the send button.
    page.keyboard.press("Shift+Tab")
    expect(suggestions.last).to_be_focused()
    page.keyboard.press("Tab")
    expect(question_box).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="发送")).to_be_focused()
    page.screenshot(path=ARTIFACTS / "widget-demo-open.png")

    page.evaluate(WATCH_ANSWER)
    posted = ask(page, "输入您的问题", QUESTION)
    assert posted == {"question": QUESTION, "session_id": None, "channel": "web"}
    chip = page.get_by_role("button", name="第21条", exact=True)
    expect(chip).to_be_visible()
    answer = page.evaluate(LAST_ANSWER)
    assert answer.startswith("第21条规定，") and "区市场监管局" in answer
    partial = {n for n in page.evaluate("window.answerLengths") if 0 < n < len(answer)}
    assert len(partial) >= 5, "the answer did not stream in"
    expect(suggestions).to_have_count(0)

    expect(chip).to_have_attribute("aria-expanded", "false")
    chip.click()
    expect(chip).to_have_attribute("aria-expanded", "true")
    measure = page.get_by_role("region", name="第21条")
    expect(measure).to_contain_text("责任单位：区市场监管局、区税务局、区人社局")
    expect(measure).to_contain_text("套餐式")

    session_id = stored_session(page, server)
    page.get_by_role("button", name="没有帮助").click()
    expect(page.get_by_text("已记录您的评价。")).to_be_visible()
    [row] = feedback_rows(home, session_id)
    assert (row["question"], row["rating"], row["measures"]) == (QUESTION, "down",
                                                                            [21])
    assert row["answer"] == answer
    page.get_by_role("textbox", name="补充说明（可选）").fill("希望写明办理地点")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_text("感谢您的反馈！")).to_be_visible()
    assert [(r["id"], r["comment"]) for r in feedback_rows(home, session_id)] == [
        (row["id"], "希望写明办理地点")]
    page.screenshot(path=ARTIFACTS / "widget-demo-answer.png")

    assert ask(page, "输入您的问题", "那第22条呢？")["session_id"] == session_id
    expect(page.get_by_role("button", name="第22条", exact=True)).to_be_visible()
    assert stored_session(page, server) == session_id
    page.screenshot(path=ARTIFACTS / "widget-demo-follow-up.png")

    # After a reload the conversation is still there, and it goes on in the same session.
    page.reload()
    page.get_by_role("button", name="打开营商政策问答").click()
    expect(page.get_by_role("button", name="第22条", exact=True)).to_be_visible()
    assert ask(page, "输入您的问题", "找哪个部门？")["session_id"] == session_id
    expect(page.get_by_role("group", name="这个回答有帮助吗？")).to_have_count(3)
    assert stored_session(page, server) == session_id

    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(launcher).to_be_focused()
    assert errors == []


def test_embed_on_another_allowed_origin(browser: Browser, site: Site, cors_server: Server,
                                        home: Path) -> None:
    page, errors = new_page(browser, viewport={"width": 1280, "height": 800})
    page.goto(site.embed_page("allowed.html", cors_server))
    # The page's lang is English, so is the widget's UI.
    page.get_by_role("button", name="Open the business policy Q&A").click()
    expect(page.get_by_role("dialog", name="普陀营商政策问答")).to_be_visible()
    expect(page.get_by_role("group", name="Try asking").get_by_role("button")).to_have_count(4)

    with page.expect_request(lambda r: r.url.endswith("/api/v1/ask/stream")) as request:
        box = page.get_by_role("textbox", name="Type your question")
        box.fill(QUESTION)
        box.press("Enter")
    assert request.value.url == f"{cors_server.url}/api/v1/ask/stream"
    assert request.value.all_headers()["origin"] == site.url
    chip = page.get_by_role("button", name="Measure 21", exact=True)
    chip.click()
    expect(page.get_by_role("region", name="Measure 21")).to_contain_text("区市场监管局")

    session_id = stored_session(page, cors_server)
    page.get_by_role("button", name="Helpful", exact=True).click()
    expect(page.get_by_text("Your rating was recorded.")).to_be_visible()
    assert [(r["rating"], r["question"]) for r in feedback_rows(home, session_id)] == [
        ("up", QUESTION)]

    assert ask(page, "Type your question", "那第22条呢？")["session_id"] == session_id
    expect(page.get_by_role("button", name="Measure 22", exact=True)).to_be_visible()

    # The host page's styles reach neither the widget's elements nor its inherited fonts.
    styles = page.evaluate("""() => {
      const root = document.getElementById("policybot-widget").shadowRoot;
      const look = (selector) => getComputedStyle(root.querySelector(selector));
      return { send: look(".pb-send").backgroundColor, text: look(".pb-text").fontSize,
               color: look(".pb-text").color, margin: look(".pb-text").marginTop,
               panel: look(".pb-panel").display };
    }""")
    assert styles == {"send": "rgb(11, 78, 162)", "text": "14px", "color": "rgb(31, 41, 51)",
                      "margin": "0px", "panel": "flex"}
    page.screenshot(path=ARTIFACTS / "widget-cross-origin.png")
    assert errors == []


def test_origin_not_allowed_is_refused(browser: Browser, site: Site, server: Server,
                                       cors_server: Server) -> None:
    preflight = {"access-control-request-method": "POST",
                 "access-control-request-headers": "content-type"}
    allowed = httpx.options(f"{cors_server.url}/api/v1/ask/stream",
                            headers={"origin": site.url, **preflight}, timeout=30)
    assert allowed.headers["access-control-allow-origin"] == site.url
    for api, origin in ((cors_server, "http://127.0.0.1:9"), (server, site.url)):
        refused = httpx.options(f"{api.url}/api/v1/ask/stream",
                                headers={"origin": origin, **preflight}, timeout=30)
        assert "access-control-allow-origin" not in refused.headers

    # The default server allows no other origin: the widget loads but cannot ask.
    page, errors = new_page(browser, viewport={"width": 1280, "height": 800})
    page.goto(site.embed_page("refused.html", server))
    page.get_by_role("button", name="Open the business policy Q&A").click()
    ask(page, "Type your question", QUESTION)
    expect(page.get_by_role("alert")).to_contain_text(
        "Cannot reach the Q&A service. Please try again later.")
    assert errors == []


def test_phone_width(browser: Browser, server: Server) -> None:
    width, height = 375, 740
    page, errors = new_page(browser, viewport={"width": width, "height": height},
                            device_scale_factor=2, is_mobile=True, has_touch=True)
    page.goto(f"{server.url}/")
    launcher = page.get_by_role("button", name="打开营商政策问答")
    box = launcher.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    assert box["y"] + box["height"] <= height
    page.screenshot(path=ARTIFACTS / "widget-phone-closed.png")

    launcher.tap()
    panel = page.get_by_role("dialog", name="普陀营商政策问答")
    assert panel.bounding_box() == {"x": 0, "y": 0, "width": width, "height": height}
    page.get_by_role("button", name=QUESTION).tap()
    chip = page.get_by_role("button", name="第21条", exact=True)
    chip.tap()
    expect(page.get_by_role("region", name="第21条")).to_contain_text("区市场监管局")
    for name in ("输入您的问题", "发送", "关闭问答窗口"):
        box = page.get_by_label(name, exact=True).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, name
        assert box["y"] >= 0 and box["y"] + box["height"] <= height, name
    overflow = page.evaluate("""() => {
      const log = document.getElementById("policybot-widget").shadowRoot
        .querySelector(".pb-log");
      return log.scrollWidth - log.clientWidth;
    }""")
    assert overflow == 0, "the conversation scrolls sideways"
    page.screenshot(path=ARTIFACTS / "widget-phone.png")

    page.get_by_role("button", name="关闭问答窗口").tap()
    expect(launcher).to_be_visible()
    assert errors == []


def test_partial_answer_on_a_phone(browser: Browser, server: Server) -> None:
    width, height = 375, 740
    page, errors = new_page(browser, viewport={"width": width, "height": height},
                            device_scale_factor=2, is_mobile=True, has_touch=True)
    page.goto(f"{server.url}/")
    page.get_by_role("button", name="打开营商政策问答").tap()
    ask(page, "输入您的问题", NEAR_MISS)
    related = page.get_by_role("group", name="相关措施，可向其责任单位咨询")
    chips = related.get_by_role("button")
    expect(chips.first).to_have_accessible_name(re.compile(r"^相关：第\d+条$"))
    # What the plan does not state comes first, apart from the measures under it; nothing is
    # offered as a citation.
    expect(page.locator(".pb-notice")).to_have_text(re.compile(r"^方案未写明"))
    expect(page.get_by_role("group", name="引用的措施")).to_have_count(0)

    # A related chip opens by keyboard, to the measure's text and the units to ask.
    chip = chips.first
    name = chip.get_attribute("aria-label")
    chip.focus()
    page.keyboard.press("Enter")
    expect(chip).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("region", name=name)).to_contain_text("责任单位：")
    overflow = page.evaluate("""() => {
      const log = document.getElementById("policybot-widget").shadowRoot
        .querySelector(".pb-log");
      return log.scrollWidth - log.clientWidth;
    }""")
    assert overflow == 0, "the conversation scrolls sideways"
    page.screenshot(path=ARTIFACTS / "widget-partial-phone.png")
    assert errors == []


def test_partial_answer_in_english(browser: Browser, site: Site, cors_server: Server) -> None:
    page, errors = new_page(browser, viewport={"width": 1280, "height": 800})
    page.goto(site.embed_page("partial.html", cors_server))
    page.get_by_role("button", name="Open the business policy Q&A").click()
    ask(page, "Type your question", NEAR_MISS_EN)
    related = page.get_by_role("group", name="Related measures; their responsible units can help")
    chip = related.get_by_role("button").first
    expect(chip).to_have_accessible_name(re.compile(r"^Related: measure \d+$"))
    expect(chip).to_have_text(re.compile(r"^Measure \d+$"))
    expect(page.locator(".pb-notice")).to_have_text(re.compile(r"^The plan does not state"))
    chip.click()
    expect(page.get_by_role("region", name=chip.get_attribute("aria-label"))).to_contain_text(
        "Responsible units: ")
    page.screenshot(path=ARTIFACTS / "widget-partial-en.png")
    assert errors == []


def test_chips_name_the_document_when_several_are_loaded(browser: Browser, home: Path,
                                                         tmp_path: Path) -> None:
    from tests.test_library_bot import SUBSIDY, library_home

    library = start_server(library_home(home, tmp_path / "home"))
    try:
        page, errors = new_page(browser, viewport={"width": 1280, "height": 800})
        page.goto(f"{library.url}/")
        page.get_by_role("button", name="打开营商政策问答").click()
        # the header names the library, not the bundled plan alone
        expect(page.locator(".pb-subtitle")).to_have_text("依据已加载的4份政策文件")
        expect(page.locator(".pb-subtitle")).to_have_attribute(
            "title", re.compile(r"^《普陀区深化推进一流营商环境建设行动方案》\n"))
        ask(page, "输入您的问题", SUBSIDY)
        chip = page.get_by_role("button", name="《若干措施》第（五）项", exact=True)
        expect(chip).to_be_visible()
        chip.click()
        expect(page.get_by_role("region", name="《若干措施》第（五）项")).to_contain_text(
            "责任单位：市财政局、市地方金融监管局")
        page.screenshot(path=ARTIFACTS / "widget-two-documents-relief.png")
        # the bundled plan's answers are named too, by the words after the last 的 or whole
        ask(page, "输入您的问题", QUESTION)
        bundled = "《普陀区深化推进一流营商环境建设行动方案》第21条"
        expect(page.get_by_role("button", name=bundled, exact=True)).to_be_visible()
        page.screenshot(path=ARTIFACTS / "widget-two-documents.png")
        assert errors == []
    finally:
        stop_server(library)


def test_a_library_without_the_bundled_plan_names_its_document(browser: Browser,
                                                               tmp_path: Path) -> None:
    from tests.test_library import RELIEF
    from vectorstore.embeddings import make_embeddings
    from vectorstore.library import index_file
    from vectorstore.store import connect

    home = tmp_path / "home"
    index_file(connect(home), make_embeddings(), RELIEF)
    library = start_server(home)
    try:
        page, errors = new_page(browser, viewport={"width": 1280, "height": 800})
        page.goto(f"{library.url}/")
        page.get_by_role("button", name="打开营商政策问答").click()
        expect(page.locator(".pb-subtitle")).to_have_text(
            "依据《长川市支持中小微企业纾困发展的若干措施》")
        # the greeting and the sample questions are about the bundled plan, which is not loaded
        expect(page.get_by_text("您好！我可以解答已加载政策文件的内容")).to_be_visible()
        expect(page.get_by_role("group", name="您可以这样问")).to_have_count(0)
        page.get_by_role("button", name="开始新对话").click()
        expect(page.get_by_text("您好！我可以解答已加载政策文件的内容")).to_be_visible()
        expect(page.get_by_role("group", name="您可以这样问")).to_have_count(0)
        page.screenshot(path=ARTIFACTS / "widget-other-document.png")
        assert errors == []
    finally:
        stop_server(library)
