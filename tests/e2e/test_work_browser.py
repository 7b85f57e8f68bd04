"""In a real Chromium, in Chinese and in English: the staff dashboard with a failed record (its
error, retry, withdraw), correcting a page's text, withdrawing a record from its page, and the
notifications bell (a researcher's request reaches the archivist; marked read)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import LiveServer
from tests.portal.conftest import USERS
from tests.portal.sample_records import add_record
from tests.work.english_pages import foreign_text

pytestmark = pytest.mark.browser

ERROR = "无法读取 PDF：文件已损坏 / Cannot read the PDF: the file is damaged"
DATA = ["损坏的扫描件", "关于做好2023年招生工作的通知", "人事档案目录", "编写校史需要查阅", "联系人 李老师",
        "联系人 王老师", "涉及个人隐私", "通知.txt", "长沙市教育局", "长教发〔2023〕12号", "办公室", "researcher"]
TEXTS = {
    "zh_Hans": {"failed": "无法读取 PDF：文件已损坏", "queued": "已重新排队处理", "withdrawn": "档案已撤下",
                "saved": "已保存为第 2 版", "bell": "利用申请"},
    "en": {"failed": "Cannot read the PDF: the file is damaged", "queued": "Queued for processing again",
           "withdrawn": "The record is withdrawn", "saved": "Saved as version 2", "bell": "Access requests"},
}


def _login(page: Any, base: str, role: str, lang: str) -> None:
    page.goto(f"{base}/lang/{lang}?next=/login")
    page.fill("#username", USERS[role][0])
    page.fill("#password", USERS[role][1])
    page.click("main form [type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def _bell(page: Any) -> int:
    count = page.locator(".bell .bell__count")
    return int(count.inner_text()) if count.count() else 0


def _english_only(page: Any, lang: str) -> None:
    if lang == "en":
        assert foreign_text(page.content(), [*DATA, "兰台", "招生", "计划", "见", "附件"]) == [], page.url


@pytest.mark.parametrize("lang", ["zh_Hans", "en"])
def test_staff_work_and_notifications(live_server: LiveServer, browser: Any, shots: Path, lang: str) -> None:
    app, base, texts = live_server.app, live_server.url, TEXTS[lang]
    failed = add_record(app, [], status="failed", error_code="bad_pdf", error_message=ERROR, title="损坏的扫描件").id
    rec = add_record(app, [["关于 做好 2023年 招生工作 的 通知"], ["联系人 王老师"]]).id
    restricted = add_record(app, [["人事 档案 目录"]], access_level="restricted", title="人事档案目录").id

    researcher = browser.new_page(locale="zh-CN" if lang == "zh_Hans" else "en-US")
    _login(researcher, base, "researcher", lang)
    researcher.goto(f"{base}/requests/new?record={restricted}")
    researcher.fill("#purpose", "编写校史需要查阅")
    researcher.click("main form [type=submit]")

    page = browser.new_page(locale="zh-CN" if lang == "zh_Hans" else "en-US")
    _login(page, base, "archivist", lang)
    assert _bell(page) == 1
    page.goto(f"{base}/work/")
    assert texts["failed"] in page.inner_text("#failed")
    _english_only(page, lang)
    page.screenshot(path=str(shots / f"{lang}-01-dashboard.png"), full_page=True)
    page.click(f'form[action="/work/records/{failed}/retry"] button')
    page.wait_for_selector(".flash--success")
    assert texts["queued"] in page.inner_text(".flashes")
    page.screenshot(path=str(shots / f"{lang}-02-retried.png"), full_page=True)

    page.goto(f"{base}/records/{rec}?page=2")
    assert page.locator(f'a[href="/describe/records/{rec}"]').count() == 1  # the edit link
    page.click(f'a[href="/work/records/{rec}/pages/2/text"]')
    page.fill("#page-text", "联系人 李老师")
    _english_only(page, lang)
    page.screenshot(path=str(shots / f"{lang}-03-correct-text.png"), full_page=True)
    page.click("form.correct-text button[type=submit]")
    page.wait_for_url(re.compile(rf"/records/{rec}\?page=2"))
    assert texts["saved"] in page.inner_text(".flashes") and "联系人 李老师" in page.inner_text(".page-text")
    page.screenshot(path=str(shots / f"{lang}-04-corrected.png"), full_page=True)

    page.click(".staff-panel details.withdraw summary")
    page.fill(f"#reason-{rec}", "涉及个人隐私")
    page.click(".staff-panel details.withdraw button[type=submit]")
    page.wait_for_selector(".flash--success")
    assert texts["withdrawn"] in page.inner_text(".flashes") and "涉及个人隐私" in page.inner_text(".staff-panel")
    _english_only(page, lang)
    page.screenshot(path=str(shots / f"{lang}-05-withdrawn.png"), full_page=True)
    assert researcher.goto(f"{base}/records/{rec}").status == 404

    page.click(".bell a")
    assert texts["bell"] in page.inner_text("main")
    _english_only(page, lang)
    page.screenshot(path=str(shots / f"{lang}-06-notifications.png"), full_page=True)
    page.click("main form.inline-form button")  # mark all read
    page.wait_for_load_state()
    assert _bell(page) == 0
    page.screenshot(path=str(shots / f"{lang}-07-read.png"), full_page=True)
