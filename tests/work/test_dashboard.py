"""The staff dashboard and the record page's staff actions: retry, withdraw, restore, correct text."""

from __future__ import annotations

import json

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from archive.catalog.audit import AuditEvent
from archive.catalog.models import Job, Record
from indexer.process import process_job
from tests.portal.conftest import AuthActions
from tests.portal.sample_records import add_record

PAGES = [["关于 做好 2023年 招生工作 的 通知"], ["联系人 王老师"]]
ERROR = "无法读取 PDF：文件已损坏 / Cannot read the PDF: the file is damaged"


def _failed(app: Flask, title: str = "损坏的扫描件") -> int:
    return add_record(app, [], status="failed", error_code="bad_pdf", error_message=ERROR, title=title).id


def _english(client: FlaskClient) -> None:
    client.get("/lang/en")


def test_dashboard_lists_each_queue_with_failed_errors_in_the_users_language(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    failed = _failed(app)
    add_record(app, PAGES, status="processing", title="正在识别的档案")
    add_record(app, PAGES, needs_review=True, title="缺少责任者的档案")
    auth.login("archivist")
    html = client.get("/work/").get_data(as_text=True)
    assert "正在识别的档案" in html and "缺少责任者的档案" in html and "损坏的扫描件" in html
    assert "无法读取 PDF：文件已损坏" in html and "Cannot read the PDF" not in html
    assert f"/work/records/{failed}/retry" in html and f"/work/records/{failed}/withdraw" in html
    _english(client)
    english = client.get("/work/").get_data(as_text=True)
    assert "Cannot read the PDF: the file is damaged" in english and "无法读取" not in english
    assert "Review queue" in english and "Work queues" in english


def test_dashboard_is_for_staff_only(client: FlaskClient, auth: AuthActions) -> None:
    assert client.get("/work/").status_code == 302  # to the login page
    auth.login("researcher")
    assert client.get("/work/").status_code == 403


def test_failed_record_page_shows_its_error_and_actions_not_still_processing(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    failed = _failed(app)
    auth.login("archivist")
    html = client.get(f"/records/{failed}").get_data(as_text=True)
    assert "处理失败" in html and "无法读取 PDF：文件已损坏" in html
    assert "仍在处理中" not in html and "可能仍在处理中" not in html
    assert f'action="/work/records/{failed}/retry"' in html
    assert f'href="/describe/records/{failed}"' in html  # the edit link


def test_edit_link_on_every_record_page_for_staff_only(app: Flask, client: FlaskClient, auth: AuthActions) -> None:
    rec = add_record(app, PAGES)
    assert f'href="/describe/records/{rec.id}"' not in client.get(f"/records/{rec.id}").get_data(as_text=True)
    auth.login("archivist")
    html = client.get(f"/records/{rec.id}").get_data(as_text=True)
    assert f'href="/describe/records/{rec.id}"' in html
    assert f'href="/work/records/{rec.id}/pages/1/text"' in html


def test_retry_queues_a_new_job_that_the_pipeline_finishes(app: Flask, client: FlaskClient, auth: AuthActions) -> None:
    failed = _failed(app)
    auth.login("archivist")
    response = auth.post(f"/work/records/{failed}/retry", data={"next": "/work/"})
    assert response.status_code == 303 and response.headers["Location"] == "/work/"
    lantai = app.extensions["lantai"]
    with lantai.catalog.session() as db:
        record = db.get(Record, failed)
        assert record is not None and record.status == "pending" and record.error_message is None
        job = db.scalars(select(Job).where(Job.record_id == failed)).one()
        event = db.scalars(select(AuditEvent).where(AuditEvent.action == "record_retry")).one()
        assert json.loads(event.details)["error"]["code"] == "bad_pdf"
    process_job(lantai, job.id, dispatch_children=False)  # the real pipeline, as the worker runs it
    with lantai.catalog.session() as db:
        record = db.get(Record, failed)
        assert record is not None and record.status == "done" and record.pages
    # Retrying a record that has not failed is refused with a message in the user's language.
    html = auth.post(f"/work/records/{failed}/retry", follow_redirects=True).get_data(as_text=True)
    assert "没有处理失败，无需重新处理" in html and "has not failed" not in html


def test_withdraw_from_the_record_page_hides_it_from_search_and_researchers(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    rec = add_record(app, PAGES)
    auth.login("archivist")
    assert f"/records/{rec.id}" in client.get("/search?q=招生").get_data(as_text=True)
    refused = auth.post(f"/work/records/{rec.id}/withdraw", data={"reason": " "}, follow_redirects=True)
    assert "请填写撤下档案的原因" in refused.get_data(as_text=True)
    html = auth.post(f"/work/records/{rec.id}/withdraw", data={"reason": "涉及个人隐私"},
                     follow_redirects=True).get_data(as_text=True)
    assert "涉及个人隐私" in html and "恢复" in html  # staff still see it, with the reason
    assert f"/records/{rec.id}" not in client.get("/search?q=招生").get_data(as_text=True)
    auth.logout()
    auth.login("researcher")
    assert client.get(f"/records/{rec.id}").status_code == 404
    auth.logout()
    auth.login("archivist")
    auth.post(f"/work/records/{rec.id}/restore")
    auth.logout()
    auth.login("researcher")
    assert client.get(f"/records/{rec.id}").status_code == 200


def test_correcting_text_in_the_portal_keeps_versions_and_the_record_page_shows_the_correction(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    rec = add_record(app, PAGES)
    auth.login("archivist")
    form = client.get(f"/work/records/{rec.id}/pages/2/text").get_data(as_text=True)
    assert "联系人 王老师</textarea>" in form
    done = auth.post(f"/work/records/{rec.id}/pages/2/text", data={"text": "联系人 李老师"})
    assert done.status_code == 303
    page = client.get(f"/records/{rec.id}?page=2").get_data(as_text=True)
    assert "联系人 李老师" in page
    history = client.get(f"/work/records/{rec.id}/pages/2/text").get_data(as_text=True)
    assert "联系人 王老师" in history and "archivist" in history  # the OCR text is kept, the corrector named
    same = auth.post(f"/work/records/{rec.id}/pages/2/text", data={"text": "联系人 李老师"})
    assert same.status_code == 400 and "文本没有修改" in same.get_data(as_text=True)
