"""In a real Chromium: one opening review (an archivist proposes, the department's clerk and an
administrator sign, an anonymous visitor then reads the record) and one destruction (appraisal,
batch, two approvals, execution under a witness; the original is gone from disk)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from archive.audit.service import CLI
from archive.catalog.accounts import User
from archive.catalog.models import OriginalFile, Record
from archive.departments import assign_clerk, save_department
from tests.e2e.conftest import LiveServer
from tests.lifecycle.archive import KINDS, add_record
from tests.portal.conftest import USERS, add_user

pytestmark = pytest.mark.browser
KIND = {k.name: k for k in KINDS}


def _login(page: Any, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("main form [type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def _setup(live_server: LiveServer) -> None:
    app = live_server.app
    add_user(app, "bgs", "clerk-password-1", "clerk")
    add_user(app, "archivist2", "archivist-password-2", "archivist")
    with app.extensions["lantai"].catalog.session() as db:
        save_department(db, code="BGS", name="办公室", actor=CLI)
        assign_clerk(db, db.query(User).filter(User.username == "bgs").one(), "BGS", actor=CLI)


def test_one_opening_review(live_server: LiveServer, browser: Any, shots: Path) -> None:
    _setup(live_server)
    lantai, base = live_server.app.extensions["lantai"], live_server.url
    record_id = add_record(lantai, 1990, KIND["internal-Y"])
    page = browser.new_page(locale="zh-CN")
    _login(page, base, *USERS["archivist"])
    assert page.inner_text("#home-due-opening") == "1"
    page.goto(f"{base}/lifecycle/")
    page.check(f'.opening-due tr[data-record="{record_id}"] input[type=checkbox]')
    page.select_option("#opening-decision", "open")
    page.fill("#opening-reason", "不涉及国家秘密和个人隐私")
    page.click("#propose-opening")
    page.wait_for_selector(".proposals tr[data-proposal]")
    page.screenshot(path=str(shots / "01-proposed.png"), full_page=True)

    for username, password in (("bgs", "clerk-password-1"), USERS["admin"]):
        signer = browser.new_page(locale="zh-CN")
        _login(signer, base, username, password)
        signer.goto(f"{base}/lifecycle/")
        signer.check(".proposals tr[data-proposal] input[type=checkbox]")
        signer.click("#sign")
        signer.wait_for_load_state()
        signer.screenshot(path=str(shots / f"02-signed-{username}.png"), full_page=True)
        signer.close()

    visitor = browser.new_page(locale="zh-CN")
    response = visitor.goto(f"{base}/records/{record_id}")
    assert response is not None and response.status == 200
    assert "1990年internal-Y档案" in visitor.content()
    visitor.screenshot(path=str(shots / "03-open-to-visitors.png"), full_page=True)


def test_one_destruction(live_server: LiveServer, browser: Any, shots: Path) -> None:
    _setup(live_server)
    lantai, base = live_server.app.extensions["lantai"], live_server.url
    record_id = add_record(lantai, 2010, KIND["internal-D10"])
    with lantai.catalog.session() as db:
        key = db.scalar(select(OriginalFile.storage_key).where(OriginalFile.record_id == record_id))
    original = lantai.storage.originals / key
    assert original.exists()
    page = browser.new_page(locale="zh-CN")
    _login(page, base, *USERS["archivist"])
    page.goto(f"{base}/lifecycle/")
    page.check(f'.disposal-due tr[data-record="{record_id}"] input[type=checkbox]')
    page.select_option("#appraisal-decision", "destroy")
    page.fill("#appraisal-reason", "已无查考利用价值")
    page.click("#appraise")
    page.wait_for_selector(f'.awaiting tr[data-record="{record_id}"]')
    page.fill("#batch-title", "2025年第1批")
    page.click("#propose-batch")
    page.wait_for_url(lambda url: "/lifecycle/batches/" in url)
    batch_url = page.url
    page.click("#approve")  # the proposer's own approval is refused, in Chinese
    page.wait_for_selector("text=须由另外两人批准")
    page.screenshot(path=str(shots / "01-own-approval-refused.png"), full_page=True)

    for username, password in (USERS["admin"], ("archivist2", "archivist-password-2")):
        approver = browser.new_page(locale="zh-CN")
        _login(approver, base, username, password)
        approver.goto(batch_url)
        approver.click("#approve")
        approver.wait_for_selector("text=已批准。")
        approver.close()

    page.goto(batch_url)
    page.fill("#witness", "王监销")
    page.click("#execute")
    page.wait_for_selector("text=已销毁 1 件档案。")
    page.screenshot(path=str(shots / "02-destroyed.png"), full_page=True)
    assert "王监销" in page.content()
    assert not original.exists()
    with lantai.catalog.session() as db:
        assert db.get(Record, record_id) is None
