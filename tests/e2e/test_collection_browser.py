"""In a real Chromium: a department clerk submits files against a task; an archivist reads the
receipt report and accepts, and the item joins the archive."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from archive.audit.service import CLI
from archive.catalog.accounts import User
from archive.departments import assign_clerk, save_department
from collection.tasks import add_task
from tests.collection.docs import pdf_file
from tests.e2e.conftest import LiveServer
from tests.portal.conftest import USERS, add_user

pytestmark = pytest.mark.browser


def _login(page: Any, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("main form [type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def test_clerk_submits_archivist_accepts(live_server: LiveServer, browser: Any, shots: Path, tmp_path: Path) -> None:
    app, base = live_server.app, live_server.url
    add_user(app, "li", "clerk-password-1", "clerk", email="li@example.org")
    with app.extensions["lantai"].catalog.session() as db:
        save_department(db, code="BGS", name="办公室", actor=CLI)
        assign_clerk(db, db.query(User).filter(User.username == "li").one(), "BGS", actor=CLI)
        task_id = add_task(db, department="BGS", title="校庆活动", due=dt.date(2099, 1, 31), category="文书",
                           retention="永久", actor=CLI).id
    pdf = pdf_file(tmp_path / "校庆通知.pdf", ["关于 校庆 活动 的 通知"])

    page = browser.new_page(locale="zh-CN")
    _login(page, base, "li", "clerk-password-1")
    page.goto(f"{base}/collection/")
    page.click(f'tr[data-task="{task_id}"] .submit-link')
    page.set_input_files("#files", str(pdf))
    page.click("main form [type=submit]")
    page.wait_for_url(lambda url: "/collection/transfers/" in url)
    page.screenshot(path=str(shots / "01-submitted.png"), full_page=True)
    transfer_url = page.url

    archivist = browser.new_page(locale="zh-CN")
    _login(archivist, base, *USERS["archivist"])
    for _ in range(60):  # the live server has no worker: the pipeline runs here once
        archivist.goto(transfer_url)
        if archivist.locator("#accept").count():
            break
        from sqlalchemy import select

        from archive.catalog.models import Job
        from indexer.process import process_job

        with app.extensions["lantai"].catalog.session() as db:
            jobs = list(db.scalars(select(Job.id).where(Job.status == "queued")))
        for job in jobs:
            process_job(app.extensions["lantai"], job)
    archivist.screenshot(path=str(shots / "02-report.png"), full_page=True)
    assert archivist.locator(".check--failed").count() == 0
    archivist.fill("#fonds", "J001")
    archivist.click("#accept")
    archivist.wait_for_selector(".transfer-status")
    assert archivist.locator(".transfer-status").inner_text() == "已接收"
    archivist.screenshot(path=str(shots / "03-accepted.png"), full_page=True)
    from sqlalchemy import select

    from archive.catalog.models import Record

    with app.extensions["lantai"].catalog.session() as db:
        record = db.scalars(select(Record)).one()
        assert record.custody is None and record.fonds_code == "J001"  # now part of the archive
