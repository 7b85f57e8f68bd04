"""A department's own page: its tasks with due dates and state, its overdue tasks and reminders; a
clerk sees their own department's, staff any department's (by code, name or alias)."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from archive.audit.service import CLI
from archive.catalog.accounts import User
from archive.departments import assign_clerk, save_department
from collection.tasks import add_task
from tests.portal.conftest import AuthActions, add_user


def test_department_pages(app: Flask, client: FlaskClient, auth: AuthActions) -> None:
    add_user(app, "li", "clerk-password-1", "clerk")
    with app.extensions["lantai"].catalog.session() as db:
        save_department(db, code="BGS", name="办公室", aliases=["校办"], actor=CLI)
        save_department(db, code="CWC", name="财务处", actor=CLI)
        assign_clerk(db, db.scalars(select(User).where(User.username == "li")).one(), "BGS", actor=CLI)
        ours = add_task(db, department="BGS", title="校庆活动", due=dt.date(2000, 1, 31), actor=CLI).id
        theirs = add_task(db, department="CWC", title="年度决算", due=dt.date(2000, 2, 28), actor=CLI).id
    auth.login("archivist")
    everything = client.get("/collection/").get_data(as_text=True)
    assert f'data-task="{ours}"' in everything and f'data-task="{theirs}"' in everything
    page = client.get("/collection/", query_string={"department": "校办"}).get_data(as_text=True)
    assert f'data-task="{ours}"' in page and f'data-task="{theirs}"' not in page
    assert "办公室" in page and 'class="overdue"' in page and "年度决算" not in page
    assert client.get("/collection/", query_string={"department": "教务处"}).status_code == 404
    auth.logout()
    auth.login("li", password="clerk-password-1")
    own = client.get("/collection/", query_string={"department": "CWC"}).get_data(as_text=True)
    assert f'data-task="{ours}"' in own and f'data-task="{theirs}"' not in own  # still the clerk's own
    assert 'class="overdue"' not in own
