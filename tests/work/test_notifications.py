"""The bell: unread counts of access requests, decisions, review items and filing deadlines,
each marked read per user."""

from __future__ import annotations

import datetime as dt
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from archive.audit.service import Actor
from archive.catalog.accounts import User
from archive.catalog.description import ReviewItem
from archive.departments import assign_clerk, save_department
from archive.notifications import unread_counts
from collection.reminders import send_reminders
from collection.tasks import add_task
from tests.portal.conftest import AuthActions, add_user
from tests.portal.sample_records import add_record

BELL = re.compile(r'<li class="bell">.*?</li>', re.S)
OPERATOR = Actor.system("cli")


def _bell(client: FlaskClient) -> int:
    html = client.get("/account").get_data(as_text=True)
    found = BELL.search(html)
    assert found, "no bell in the header"
    count = re.search(r'class="bell__count">(\d+)<', found.group(0))
    return int(count.group(1)) if count else 0


def _as(auth: AuthActions, role: str) -> None:
    auth.logout()
    auth.login(role)


def test_request_and_decision_are_counted_for_whom_they_concern_and_read_per_user(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    rec = add_record(app, [["人事 档案 目录"]], access_level="restricted")
    auth.login("researcher")
    assert _bell(client) == 0
    auth.post("/requests/new", data={"record": str(rec.id), "purpose": "编写校史需要查阅", "days": "30"})
    _as(auth, "archivist")
    assert _bell(client) == 1
    page = client.get("/notifications/").get_data(as_text=True)
    assert "申请利用档案" in page and "Access requests" not in page
    auth.post("/notifications/read", data={"kind": "requests"})
    assert _bell(client) == 0
    _as(auth, "admin")
    assert _bell(client) == 1  # read per user: the administrator has not read it
    _as(auth, "archivist")
    queue = client.get("/requests/queue").get_data(as_text=True)
    request_id = re.search(r"/requests/(\d+)", queue)
    assert request_id
    auth.post(f"/requests/{request_id.group(1)}/deny", data={"reason": "涉及个人隐私"})
    _as(auth, "researcher")
    assert _bell(client) == 1
    client.get("/lang/en")
    english = client.get("/notifications/").get_data(as_text=True)
    assert f"Your request for record #{rec.id}: Denied" in english
    auth.post("/notifications/read")
    assert _bell(client) == 0


def test_review_items_and_deadlines_reach_staff_and_the_departments_clerk(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    lantai = app.extensions["lantai"]
    rec = add_record(app, [["通知"]])
    clerk_id = add_user(app, "clerk", "clerk-password-1", "clerk")
    other_id = add_user(app, "other-clerk", "clerk-password-1", "clerk")
    today = dt.date.today()
    with lantai.catalog.session() as db:
        db.add(ReviewItem(record_id=rec.id, field="creator", suggested_value="长沙市教育局", confidence=0.6,
                          source="classifier"))
        for code, name, user_id in (("JWC", "教务处", clerk_id), ("ZWC", "总务处", other_id)):
            save_department(db, code=code, name=name, actor=OPERATOR)
            user = db.get(User, user_id)
            assert user is not None
            assign_clerk(db, user, code, actor=OPERATOR)
        add_task(db, department="JWC", title="2026年教学档案", due=today + dt.timedelta(days=7), actor=OPERATOR)
    assert len(send_reminders(lantai, today)) == 1
    with lantai.catalog.session() as db:
        users = {u.username: u for u in db.scalars(select(User))}
        assert unread_counts(db, users["clerk"]) == {"deadlines": 1}
        assert unread_counts(db, users["other-clerk"]) == {"deadlines": 0}
        assert unread_counts(db, users["archivist"]) == {"requests": 0, "review": 1, "deadlines": 1}
    auth.login("clerk", password="clerk-password-1", username="clerk")
    assert _bell(client) == 1
    assert "还有 7 天到期" in client.get("/notifications/").get_data(as_text=True)
    auth.post("/notifications/read", data={"kind": "deadlines"})
    assert _bell(client) == 0


def test_unknown_kind_is_refused_in_the_users_language(client: FlaskClient, auth: AuthActions) -> None:
    auth.login("archivist")
    response = auth.post("/notifications/read", data={"kind": "gossip"})
    assert response.status_code == 400 and "未知的通知类别" in response.get_data(as_text=True)
