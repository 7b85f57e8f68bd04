"""End to end in a real headless Chromium: search a Chinese phrase, filter by a facet, open the
record and see the hit boxes on the page image, request access as a researcher, approve as
an archivist, download. Screenshots of every step go to tests/artifacts/e2e/."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import LiveServer
from tests.portal.conftest import USERS
from tests.portal.sample_records import add_record

pytestmark = pytest.mark.browser


def _login(page: Any, base: str, role: str) -> None:
    username, password = USERS[role]
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("main form [type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def test_search_facet_record_highlights(live_server: LiveServer, browser: Any, shots: Path) -> None:
    app, base = live_server.app, live_server.url
    notice = add_record(
        app,
        [["关于 做好 2023年 招生工作 的 通知", "各 学校 ："], ["招生工作 计划 见 附件"]],
        reference_code="J001-WS·2023-D30-BGS-0012",
    )
    add_record(app, [["2023年 招生工作 经费 预算"]], title="招生工作经费预算", category_code="KJ", images=False)
    add_record(app, [["会议 纪要"]], title="校务会议纪要", images=False)

    page = browser.new_page(viewport={"width": 1280, "height": 1000}, locale="zh-CN")
    page.goto(f"{base}/search")
    page.screenshot(path=str(shots / "01-search-empty.png"), full_page=True)
    page.fill("#q", "招生工作")
    page.press("#q", "Enter")
    page.wait_for_selector(".hit")
    assert page.locator(".hit").count() == 2
    assert page.locator(".results-head h1").inner_text() == "共 2 条结果"
    assert page.locator(".hit .snippet mark").count() >= 2
    page.screenshot(path=str(shots / "02-search-results.png"), full_page=True)

    # The syntax help opens from the keyboard and closes with Escape.
    page.focus("#syntax-help-button")
    page.keyboard.press("Enter")
    assert page.locator("#syntax-help").is_visible()
    page.screenshot(path=str(shots / "03-syntax-help.png"))
    page.keyboard.press("Escape")
    assert not page.locator("#syntax-help").is_visible()

    page.click('.facet[data-facet="category"] a:has-text("文书 (WS)")')
    page.wait_for_selector(".chip")
    assert "f=category%3AWS" in page.url
    assert page.locator(".hit").count() == 1
    assert "门类：文书 (WS)" in page.locator(".chip").first.inner_text()
    page.screenshot(path=str(shots / "04-facet-filtered.png"), full_page=True)

    page.click(".hit-title a")
    page.wait_for_selector(".viewer-image")
    page.wait_for_load_state("load")  # the page image is in
    assert f"/records/{notice.id}" in page.url and "q=" in page.url
    boxes = page.locator("rect.hit-box")
    assert boxes.count() == 1
    image = page.locator(".viewer-image").bounding_box()
    box = boxes.first.bounding_box()
    word = next(w for w in notice.words[0] if w[0] == "招生工作")
    scale = image["width"] / 800
    # The box sits over the word on the displayed image (its 3 px outline adds to the size).
    assert abs(box["x"] + box["width"] / 2 - (image["x"] + (word[2] + word[4] / 2) * scale)) < 2
    assert abs(box["y"] + box["height"] / 2 - (image["y"] + (word[3] + word[5] / 2) * scale)) < 2
    assert abs(box["width"] - word[4] * scale) <= 4 and abs(box["height"] - word[5] * scale) <= 4
    page.screenshot(path=str(shots / "05-record-highlights.png"), full_page=True)

    # Keyboard: zoom in, then the next page keeps the query and shows its hit.
    before = page.locator(".viewer-image").bounding_box()["width"]
    page.keyboard.press("+")
    assert page.locator(".viewer-zoom-level").inner_text() == "125%"
    assert abs(page.locator(".viewer-image").bounding_box()["width"] / before - 1.25) < 0.02
    zoomed = page.locator("rect.hit-box").first.bounding_box()
    assert abs(zoomed["width"] - (box["width"] - 3) * 1.25 - 3) < 3  # the boxes grow with the image
    page.keyboard.press("ArrowRight")
    page.wait_for_url("**page=2**")
    page.wait_for_selector("rect.hit-box")
    assert "招生工作 计划 见 附件" in page.locator(".page-text pre").inner_text()
    page.screenshot(path=str(shots / "06-record-page-2.png"), full_page=True)
    page.close()


def test_request_approve_and_download(live_server: LiveServer, browser: Any, shots: Path) -> None:
    app, base = live_server.app, live_server.url
    restricted = add_record(
        app,
        [["一九五八年 教职工 名册"]],
        title="1958年教职工名册",
        access_level="restricted",
        category_code="RS",
        original=("一九五八年 教职工 名册\n".encode(), "教职工名册.txt", "text/plain"),
    )

    researcher = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = researcher.new_page()
    _login(page, base, "researcher")
    page.goto(f"{base}/records/{restricted.id}")
    assert page.locator(".viewer-image").count() == 0
    page.screenshot(path=str(shots / "01-restricted-record.png"), full_page=True)
    page.click(f'a[href*="/requests/new?record={restricted.id}"]')
    page.fill("#purpose", "编写学校校史（1950—1966年）")
    page.fill("#days", "14")
    page.screenshot(path=str(shots / "02-request-form.png"), full_page=True)
    page.click("main form [type=submit]")
    page.wait_for_url(f"{base}/requests/")
    page.screenshot(path=str(shots / "03-request-sent.png"), full_page=True)

    archivist = browser.new_context(viewport={"width": 1280, "height": 900})
    staff = archivist.new_page()
    _login(staff, base, "archivist")
    staff.goto(f"{base}/requests/queue")
    staff.screenshot(path=str(shots / "04-queue.png"), full_page=True)
    staff.click('a:has-text("1958年教职工名册")')
    staff.fill("#expires_on", (dt.date.today() + dt.timedelta(days=14)).isoformat())
    staff.screenshot(path=str(shots / "05-approve-form.png"), full_page=True)
    staff.click('form[action$="/approve"] [type=submit]')
    staff.wait_for_url("**/requests/queue")
    staff.screenshot(path=str(shots / "06-approved.png"), full_page=True)
    archivist.close()

    page.goto(f"{base}/records/{restricted.id}")
    page.wait_for_selector(".viewer-image")
    assert "一九五八年 教职工 名册" in page.locator(".page-text pre").inner_text()
    page.screenshot(path=str(shots / "07-record-opened.png"), full_page=True)
    with page.expect_download() as info:
        page.click(f'a[href="/records/{restricted.id}/download"]')
    download = info.value
    assert download.suggested_filename == "教职工名册.txt"
    target = shots / "download.txt"
    download.save_as(str(target))
    assert target.read_text(encoding="utf-8") == "一九五八年 教职工 名册\n"
    page.screenshot(path=str(shots / "08-downloaded.png"), full_page=True)
    researcher.close()


def test_upload_several_files_with_live_progress(live_server: LiveServer, browser: Any, shots: Path) -> None:
    from archive.catalog.models import Job
    from indexer.process import process_job

    app, base = live_server.app, live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _login(page, base, "archivist")
    page.goto(f"{base}/upload")
    page.set_input_files(
        "#files",
        [
            {"name": "招生简章.txt", "mimeType": "text/plain", "buffer": "2024年 招生简章\n".encode()},
            {"name": "坏文件.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"},
        ],
    )
    page.fill("#title", "招生材料")
    page.select_option("#category", "WS")
    page.screenshot(path=str(shots / "01-upload-form.png"), full_page=True)
    page.click("main form [type=submit]")
    expect(page.locator("#upload-list li[data-job]")).to_have_count(2)
    assert page.url == f"{base}/upload"  # sent by JavaScript, one API call per file
    page.screenshot(path=str(shots / "02-queued.png"), full_page=True)
    lantai = app.extensions["lantai"]
    with lantai.catalog.session() as db:
        job_ids = [job.id for job in db.query(Job).order_by(Job.created_at)]
    for job_id in job_ids:
        process_job(lantai, job_id, dispatch_children=False)
    page.wait_for_selector("#upload-list li.done")
    page.wait_for_selector("#upload-list li.failed [role=alert]")
    done = page.locator("#upload-list li.done")
    assert "招生简章.txt" in done.inner_text() and "1 / 1" in done.inner_text()
    assert "坏文件.pdf" in page.locator("#upload-list li.failed").inner_text()
    page.screenshot(path=str(shots / "03-progress-and-errors.png"), full_page=True)
    done.locator("a").click()
    page.wait_for_selector("#record-title")
    assert page.locator("#record-title").inner_text() == "招生材料"
    context.close()
