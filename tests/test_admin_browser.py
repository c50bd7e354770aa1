"""The operator console in real headless Chromium against a real server: logging in, the
chart, reviewing a refused question until the widget cites the measure it was attached to,
uploading a .docx and asking about it, the reports; on a laptop and a tablet.

Screenshots go to test-artifacts/admin-*.png (docs/ holds copies).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import ARTIFACTS, Server
from tests.test_admin import PARKING, REFUSED, TOKEN, ask, logged
from tests.test_formats import paragraphs, write_docx
from tests.test_library_bot import SUBSIDY
from tests.test_widget_browser import new_page

TABLET = {"width": 820, "height": 1180}
LAPTOP = {"width": 1280, "height": 800}
TABS = ("概览", "待审问题", "政策文件", "报告")
RATED = "公司搬家要办哪些手续"  # rated 👎


@pytest.fixture(scope="module")
def console(server_factory: Callable[..., Server], home: Path,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server with the console on, over a copy of the index, with questions asked."""
    import shutil

    target = tmp_path_factory.mktemp("console-browser") / "home"
    shutil.copytree(home, target)
    server = server_factory(env={"POLICYBOT_ADMIN_TOKEN": TOKEN,
                                 "POLICYBOT_REVIEW_POLL_SECONDS": "2"}, home_dir=target)
    questions = (REFUSED, REFUSED + "？", *PARKING, "企业注销找哪个部门？",
                 "办理不动产登记要交多少钱？", "知识产权保护方面，区里都有哪些措施？", RATED)
    answers = [ask(server, question) for question in questions]
    logged(server, *questions)
    httpx.post(f"{server.url}/api/v1/feedback", timeout=30, json={
        "session_id": answers[-1]["session_id"], "question": RATED,
        "answer": answers[-1]["answer"], "rating": "down"})
    yield server


def log_in(page: Page, console: Server, token: str = TOKEN) -> None:
    page.goto(f"{console.url}/admin")
    page.get_by_label("管理令牌").fill(token)
    page.get_by_role("button", name="登录").click()


def widget_cites(page: Page, console: Server, question: str, chip: str) -> None:
    """Ask in the widget on the demo page until the answer cites chip (30 s at most)."""
    page.goto(f"{console.url}/")
    page.get_by_role("button", name="打开营商政策问答").click()
    box = page.get_by_role("textbox", name="输入您的问题")
    deadline = time.monotonic() + 30
    while True:
        box.fill(question)
        box.press("Enter")
        found = page.get_by_role("button", name=chip, exact=True)
        try:
            expect(found.last).to_be_visible(timeout=5_000)
            return
        except AssertionError:
            assert time.monotonic() < deadline, f"{chip} was not cited within 30 s"


def no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_a_wrong_token_gets_no_data(browser: Browser, console: Server) -> None:
    page, errors = new_page(browser, viewport=LAPTOP)
    with page.expect_response(lambda r: "/admin/api/" in r.url) as response:
        log_in(page, console, "not-the-token")
    assert response.value.status == 401
    expect(page.get_by_role("alert").first).to_have_text("令牌不正确。")
    expect(page.get_by_role("tab", name="概览")).to_be_hidden()
    assert page.evaluate("sessionStorage.length") == 0
    assert REFUSED not in page.content()
    assert errors == []


def test_review_a_refused_question_until_the_widget_cites_it(browser: Browser,
                                                             console: Server) -> None:
    page, errors = new_page(browser, viewport=LAPTOP)
    log_in(page, console)
    chart = page.get_by_role("img", name=re.compile(r"^每日提问数"))
    expect(chart).to_be_visible()
    assert page.locator("#chart rect").count() >= 2  # today's answered and refused bars
    expect(page.locator("#stats")).to_contain_text("0 / 1好评 / 差评")
    expect(page.get_by_role("table", name="问得最多的措施")).to_contain_text("第21条")
    page.screenshot(path=ARTIFACTS / "admin-overview.png", full_page=True)

    page.get_by_role("tab", name="待审问题").click()
    item = page.get_by_role("listitem", name=REFUSED)
    expect(item).to_contain_text("×2")
    expect(page.get_by_role("listitem", name=RATED)).to_contain_text("差评 1")
    item.get_by_role("button", name="挂到措施…").click()
    search = item.get_by_role("searchbox", name="搜索措施")
    expect(search).to_have_value(re.compile(f"^{REFUSED}"))  # the group's question
    search.fill("40")
    attach = item.get_by_role("button", name="挂到 第40条（putuo-yingshang-2021）")
    expect(attach).to_be_visible()
    page.screenshot(path=ARTIFACTS / "admin-review.png", full_page=True)
    attach.click()
    expect(item.get_by_role("status")).to_have_text("已挂到 第40条")

    widget_cites(page, console, REFUSED, "第40条")
    assert errors == []


def test_upload_a_docx_and_ask_about_it(browser: Browser, console: Server,
                                        tmp_path: Path) -> None:
    path = tmp_path / "relief-measures.docx"
    write_docx(paragraphs("relief-measures.txt"), path)
    page, errors = new_page(browser, viewport=LAPTOP)
    log_in(page, console)
    page.get_by_role("tab", name="政策文件").click()
    library = page.get_by_role("table", name="文件库")
    expect(library).to_contain_text("putuo-yingshang-2021")
    page.locator("#upload-file").set_input_files(path)
    page.get_by_role("button", name="上传并索引").click()
    expect(page.locator("#upload-message")).to_contain_text("正在索引")
    page.screenshot(path=ARTIFACTS / "admin-documents-progress.png")
    expect(page.locator("#upload-message")).to_have_text("relief-measures 已加入文件库。",
                                                         timeout=180_000)
    expect(library).to_contain_text("长川市支持中小微企业纾困发展的若干措施")
    page.screenshot(path=ARTIFACTS / "admin-documents.png", full_page=True)

    widget_cites(page, console, SUBSIDY, "《若干措施》第（五）项")
    assert errors == []


def test_reports_and_a_tablet(browser: Browser, console: Server) -> None:
    page, errors = new_page(browser, viewport=LAPTOP)
    log_in(page, console)
    page.get_by_role("tab", name="报告").click()
    gaps = page.get_by_role("table", name="政策缺口")
    expect(gaps).to_contain_text("停车")
    expect(gaps).not_to_contain_text(REFUSED)  # attached: answered now
    with page.expect_download() as download:
        page.get_by_role("button", name="下载 Markdown").click()
    assert Path(download.value.path()).read_text(encoding="utf-8").startswith(
        "# Policy-gap report")
    page.screenshot(path=ARTIFACTS / "admin-reports.png", full_page=True)

    tablet, tablet_errors = new_page(browser, viewport=TABLET, device_scale_factor=2,
                                     is_mobile=True, has_touch=True)
    log_in(tablet, console)
    for tab, name in zip(TABS, ("overview", "review", "documents", "reports"), strict=True):
        tablet.get_by_role("tab", name=tab).tap()
        expect(tablet.get_by_role("tabpanel", name=tab)).to_be_visible()
        tablet.wait_for_load_state("networkidle")
        no_sideways_scroll(tablet)
        tablet.screenshot(path=ARTIFACTS / f"admin-{name}-tablet.png", full_page=True)
    assert errors == [] and tablet_errors == []
