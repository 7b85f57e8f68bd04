"""In a real Chromium, in Chinese and in English: a department clerk submits files against a task
(a transfer list with a bad row is refused first, the row named in the clerk's language); an
archivist reads the receipt report and accepts, and the item joins the archive with its 档号; the
clerk then sees the task accepted on the department's own page."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from archive.audit.service import CLI
from archive.catalog.accounts import User
from archive.catalog.models import Job, Record
from archive.departments import assign_clerk, save_department
from collection.tasks import add_task
from indexer.process import process_job
from tests.collection.docs import pdf_file, transfer_list
from tests.e2e.conftest import LiveServer
from tests.portal.conftest import USERS, add_user

pytestmark = pytest.mark.browser

# locale -> what the pages say in it
WORDS = {
    "zh-CN": {"bad_row": "清册第 2 行", "submitted": "已提交移交", "accepted": "已接收", "task_accepted": "已接收"},
    "en-US": {"bad_row": "list row 2", "submitted": "Submitted; the files are being processed",
              "accepted": "Accepted", "task_accepted": "Accepted"},
}


def _login(page: Any, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("main form [type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def _process_queued(app: Any) -> None:
    """The live server has no worker: the pipeline runs here."""
    with app.extensions["lantai"].catalog.session() as db:
        jobs = list(db.scalars(select(Job.id).where(Job.status == "queued")))
    for job in jobs:
        process_job(app.extensions["lantai"], job)


@pytest.mark.parametrize("locale", list(WORDS))
def test_clerk_submits_archivist_accepts(live_server: LiveServer, browser: Any, shots: Path, tmp_path: Path,
                                         locale: str) -> None:
    app, base, words = live_server.app, live_server.url, WORDS[locale]
    add_user(app, "li", "clerk-password-1", "clerk", email="li@example.org")
    with app.extensions["lantai"].catalog.session() as db:
        save_department(db, code="BGS", name="办公室", actor=CLI)
        assign_clerk(db, db.query(User).filter(User.username == "li").one(), "BGS", actor=CLI)
        task_id = add_task(db, department="BGS", title="校庆活动", due=dt.date(2099, 1, 31), category="文书",
                           retention="永久", actor=CLI).id
    pdf = pdf_file(tmp_path / "校庆通知.pdf", ["关于 校庆 活动 的 通知"])
    row = {"序号": 1, "文件": "校庆通知.pdf", "题名": "关于校庆活动的通知", "日期": "2024-05-01", "页数": 1,
           "件数": 1, "责任者": "办公室"}
    bad = transfer_list(tmp_path / "bad.csv", [{**row, "保管期限": "一百年"}])
    good = transfer_list(tmp_path / "good.csv", [{**row, "保管期限": "永久"}])
    tag = locale[:2]

    page = browser.new_page(locale=locale)
    _login(page, base, "li", "clerk-password-1")
    page.goto(f"{base}/collection/")
    page.click(f'tr[data-task="{task_id}"] .submit-link')
    page.set_input_files("#files", str(pdf))
    page.set_input_files("#list", str(bad))
    page.click("main form [type=submit]")
    assert words["bad_row"] in page.locator(".error").inner_text()  # refused, the row named
    page.screenshot(path=str(shots / f"collection-{tag}-01-refused.png"), full_page=True)
    page.set_input_files("#files", str(pdf))
    page.set_input_files("#list", str(good))
    page.click("main form [type=submit]")
    page.wait_for_url(lambda url: "/collection/transfers/" in url)
    assert words["submitted"] in page.locator(".flashes").inner_text()
    page.screenshot(path=str(shots / f"collection-{tag}-02-submitted.png"), full_page=True)
    transfer_url = page.url

    archivist = browser.new_page(locale=locale)
    _login(archivist, base, *USERS["archivist"])
    for _ in range(60):
        archivist.goto(transfer_url)
        if archivist.locator("#accept").count():
            break
        _process_queued(app)
    archivist.screenshot(path=str(shots / f"collection-{tag}-03-report.png"), full_page=True)
    assert archivist.locator(".check--failed").count() == 0
    archivist.fill("#fonds", "J001")
    archivist.click("#accept")
    archivist.wait_for_selector(".transfer-status")
    assert archivist.locator(".transfer-status").inner_text() == words["accepted"]
    archivist.screenshot(path=str(shots / f"collection-{tag}-04-accepted.png"), full_page=True)
    with app.extensions["lantai"].catalog.session() as db:
        record = db.scalars(select(Record)).one()
        assert record.custody is None and record.reference_code == "J001-WS·2024-Y-BGS-0001"  # in the archive

    page.goto(f"{base}/collection/")
    assert page.locator(f'tr[data-task="{task_id}"] .status').inner_text() == words["task_accepted"]
    page.screenshot(path=str(shots / f"collection-{tag}-05-clerk-sees-accepted.png"), full_page=True)
