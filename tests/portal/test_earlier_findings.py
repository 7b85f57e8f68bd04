"""Findings of the security review fixed before (5b, 5j), each pinned by a test here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from archive.catalog.accounts import UserSession
from archive.catalog.models import Record, utcnow
from cli.schedule import BUILTIN
from tests.portal.conftest import AuthActions
from tests.portal.test_requests import ask, only_request


def sessions(app: Flask) -> int:
    with app.extensions["lantai"].catalog.session() as db:
        return int(db.scalar(select(func.count(UserSession.id_hash))) or 0)


def test_a_cookieless_login_form_stores_no_session_row(app: Flask) -> None:
    """5j: each anonymous GET /login used to keep a session row for 12 hours."""
    for _ in range(5):
        assert app.test_client().get("/login").status_code == 200
    assert sessions(app) == 0


def test_expired_sessions_are_purged_on_a_schedule(app: Flask, client: FlaskClient, auth: AuthActions) -> None:
    auth.login("researcher")
    assert sessions(app) == 1
    with app.extensions["lantai"].catalog.session() as db:
        db.execute(update(UserSession).values(expires_at=utcnow() - dt.timedelta(seconds=1)))
    [task] = [t for t in BUILTIN if t.name == "session_purge"]
    task.run(app.extensions["lantai"], utcnow())
    assert sessions(app) == 0


def test_request_pages_forget_a_record_made_secret(
    app: Flask, client: FlaskClient, auth: AuthActions, make_record: Callable[..., int]
) -> None:
    """5b: /requests/, /requests/N and the queue showed title, 档号 and level after the record
    became secret."""
    record_id = make_record("restricted", title="绝密前的题名", reference_code="J001-WS·1958-Y-ZSB-0009")
    auth.login("researcher")
    assert ask(auth, str(record_id)).status_code == 302
    request_id = only_request(app).id
    with app.extensions["lantai"].catalog.session() as db:
        db.execute(update(Record).where(Record.id == record_id).values(access_level="secret"))
    for path in ("/requests/", f"/requests/{request_id}"):
        page = client.get(path).get_data(as_text=True)
        assert "绝密前的题名" not in page and "J001-WS·1958-Y-ZSB-0009" not in page, path
    auth.logout()
    auth.login("archivist")
    queue = client.get("/requests/queue").get_data(as_text=True)
    assert "绝密前的题名" not in queue and "J001-WS·1958-Y-ZSB-0009" not in queue
