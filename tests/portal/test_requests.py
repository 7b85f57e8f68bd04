"""The access request workflow end to end: ask, approve, read, expire; deny with a reason; e-mail."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Callable
from email.header import decode_header, make_header
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from archive.access import can_view_content
from archive.catalog.accounts import AccessRequest, Grant, User
from archive.catalog.models import Record, utcnow
from tests.portal.conftest import AuthActions
from tests.smtp import Inbox


def researcher_can_read(app: Flask, record_id: int) -> bool:
    with app.extensions["lantai"].catalog.session() as db:
        user = db.scalar(select(User).where(User.username == "researcher"))
        record = db.get(Record, record_id)
        assert user is not None and record is not None
        return can_view_content(user, record, db, public_search=True)


def ask(auth: AuthActions, record: str, purpose: str = "校史研究：1958 年招生情况", days: int = 14) -> Any:
    return auth.post("/requests/new", data={"record": record, "purpose": purpose, "days": str(days)})


def only_request(app: Flask) -> AccessRequest:
    with app.extensions["lantai"].catalog.session() as db:
        row = db.scalar(select(AccessRequest))
        assert row is not None
        return row


def test_request_approve_read_and_expire(
    app: Flask, client: FlaskClient, auth: AuthActions, make_record: Callable[..., int]
) -> None:
    record_id = make_record("restricted", title="1958年招生工作总结", reference_code="J001-WS·1958-Y-ZSB-0001")
    assert not researcher_can_read(app, record_id)

    auth.login("researcher")
    form = client.get(f"/requests/new?record={record_id}")
    assert form.status_code == 200 and "1958年招生工作总结" in form.get_data(as_text=True)
    # Asked by reference code (档号), as found in a printed catalogue.
    assert ask(auth, "J001-WS·1958-Y-ZSB-0001").status_code == 302
    mine = client.get("/requests/").get_data(as_text=True)
    assert "1958年招生工作总结" in mine and "待处理" in mine
    assert ask(auth, str(record_id)).status_code == 400  # one pending request per record
    auth.logout()

    auth.login("archivist")
    queue = client.get("/requests/queue").get_data(as_text=True)
    assert "校史研究" in queue and "1 个申请等待审批" in queue
    req = only_request(app)
    until = dt.date.today() + dt.timedelta(days=10)
    response = auth.post(f"/requests/{req.id}/approve", data={"expires_on": until.isoformat(), "note": ""})
    assert response.status_code == 302
    # Deciding twice is refused.
    again = auth.post(f"/requests/{req.id}/deny", data={"reason": "late"}, follow_redirects=True)
    assert "该申请已处理" in again.get_data(as_text=True)
    auth.logout()

    assert researcher_can_read(app, record_id)
    auth.login("researcher")
    mine = client.get("/requests/").get_data(as_text=True)
    assert "已批准" in mine and "利用期限至" in mine
    # The grant opens the record until its expiry, checked at access time.
    with app.extensions["lantai"].catalog.session() as db:
        db.execute(update(Grant).values(expires_at=utcnow() - dt.timedelta(seconds=1)))
    assert not researcher_can_read(app, record_id)


def test_deny_with_reason_is_shown_to_the_researcher(
    app: Flask, client: FlaskClient, auth: AuthActions, make_record: Callable[..., int]
) -> None:
    record_id = make_record("restricted", title="人事任免通知")
    auth.login("researcher")
    ask(auth, str(record_id))
    auth.logout()
    auth.login("archivist")
    req = only_request(app)
    assert auth.post(f"/requests/{req.id}/deny", data={"reason": ""}).status_code == 302
    assert only_request(app).status == "pending"  # no reason, no denial
    auth.post(f"/requests/{req.id}/deny", data={"reason": "涉及个人隐私，暂不开放"})
    auth.logout()
    auth.login("researcher")
    page = client.get("/requests/").get_data(as_text=True)
    assert "未批准" in page and "涉及个人隐私，暂不开放" in page
    assert not researcher_can_read(app, record_id)


@pytest.mark.parametrize(("level", "status"), [("open", 403), ("internal", 404), ("secret", 404)])
def test_only_restricted_records_can_be_requested(
    client: FlaskClient, auth: AuthActions, make_record: Callable[..., int], level: str, status: int
) -> None:
    record_id = make_record(level)
    auth.login("researcher")
    assert client.get(f"/requests/new?record={record_id}").status_code == status
    response = ask(auth, str(record_id))
    assert response.status_code == (404 if status == 404 else 400)


def test_other_researchers_cannot_see_a_request(
    app: Flask, client: FlaskClient, auth: AuthActions, make_record: Callable[..., int]
) -> None:
    from tests.portal.conftest import add_user

    record_id = make_record("restricted")
    auth.login("researcher")
    ask(auth, str(record_id))
    auth.logout()
    add_user(app, "other", "other-password-1", "researcher")
    auth.login(username="other", password="other-password-1")
    assert client.get(f"/requests/{only_request(app).id}").status_code == 404


def test_decision_is_mailed_when_smtp_is_set(make_app: Callable[..., Flask], smtp: tuple[str, Inbox]) -> None:
    url, inbox = smtp
    app = make_app(smtp_url=url, mail_from="archive@school.example")
    client = app.test_client()
    auth = AuthActions(client)
    with app.extensions["lantai"].catalog.session() as db:
        record = Record(title="校园建设规划", access_level="restricted", status="done", page_count=0, extra={})
        db.add(record)
        db.flush()
        record_id = record.id
    auth.login("researcher")
    ask(auth, str(record_id))
    auth.logout()
    auth.login("archivist")
    req = only_request(app)
    until = dt.date.today() + dt.timedelta(days=5)
    auth.post(f"/requests/{req.id}/approve", data={"expires_on": until.isoformat()})
    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert message["To"] == "researcher@example.org"
    assert message["From"] == "archive@school.example"
    assert "利用申请审批结果" in str(make_header(decode_header(message["Subject"])))
    body = message.get_payload(decode=True).decode("utf-8")
    assert "校园建设规划" in body and until.isoformat() in body and "approved" in body


def test_unreachable_smtp_keeps_the_decision(make_app: Callable[..., Flask]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    app = make_app(smtp_url=f"smtp://127.0.0.1:{dead_port}")
    client = app.test_client()
    auth = AuthActions(client)
    with app.extensions["lantai"].catalog.session() as db:
        record = Record(title="x", access_level="restricted", status="done", page_count=0, extra={})
        db.add(record)
        db.flush()
        record_id = record.id
    auth.login("researcher")
    ask(auth, str(record_id))
    auth.logout()
    auth.login("archivist")
    req = only_request(app)
    page = auth.post(f"/requests/{req.id}/deny", data={"reason": "不符合开放条件"}, follow_redirects=True)
    assert "通知邮件发送失败" in page.get_data(as_text=True)
    assert only_request(app).status == "denied"
