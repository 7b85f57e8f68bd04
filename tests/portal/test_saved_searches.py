"""Saved searches per user, with an alert when new matching records arrive: counted in the portal,
and e-mailed through a real SMTP server when one is set. The check is the worker's periodic task,
driven here by a fixed clock."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import select

from archive.catalog.audit import AuditEvent
from archive.catalog.searches import SavedSearch
from archive.clock import FixedClock
from cli.schedule import BUILTIN
from indexer.periodic import run_due
from tests.portal.conftest import AuthActions
from tests.portal.sample_records import add_record
from tests.smtp import Inbox

ALERTS = [t for t in BUILTIN if t.name == "search_alerts"]


def _record(app: Flask, title: str, access: str = "open") -> int:
    return add_record(app, [["正文"]], access_level=access, images=False, title=title).id


def _save(auth: AuthActions, params: str, name: str = "招生通知", alert: bool = True) -> object:
    data = {"params": params, "name": name}
    if alert:
        data["alert"] = "on"
    return auth.post("/search/saved", data)


def _saved(app: Flask) -> list[SavedSearch]:
    with app.extensions["lantai"].catalog.session() as db:
        rows = list(db.scalars(select(SavedSearch).order_by(SavedSearch.id)))
        db.expunge_all()
    return rows


def _events(app: Flask, action: str) -> list[dict[str, object]]:
    with app.extensions["lantai"].catalog.session() as db:
        return [json.loads(e.details) for e in db.scalars(select(AuditEvent).where(AuditEvent.action == action))]


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC))


def _setup(make_app: Callable[..., Flask], **settings: object) -> tuple[Flask, AuthActions]:
    app = make_app(**settings)
    _record(app, "招生工作通知（旧）")
    auth = AuthActions(app.test_client())
    assert auth.login("researcher").status_code == 302
    return app, auth


def test_a_saved_search_is_listed_opened_and_kept_per_user(make_app: Callable[..., Flask]) -> None:
    app, auth = _setup(make_app)
    page = auth.client.get("/search?q=招生").get_data(as_text=True)
    assert 'action="/search/saved"' in page and 'name="params" value="q=%E6%8B%9B%E7%94%9F"' in page
    assert _save(auth, "q=招生&f=category:基建").status_code == 302
    [saved] = _saved(app)
    assert (saved.name, saved.query, saved.filters, saved.alert) == ("招生通知", "招生", [["category", "JJ"]], True)
    listing = auth.client.get("/search/saved").get_data(as_text=True)
    assert "招生通知" in listing and f'data-saved="{saved.id}"' in listing
    opened = auth.client.get(f"/search/saved/{saved.id}")
    assert opened.headers["Location"].endswith("/search?q=%E6%8B%9B%E7%94%9F&f=category%3AJJ")
    assert _events(app, "saved_search")[0]["op"] == "create"
    # another user neither sees nor opens it
    other = AuthActions(app.test_client())
    other.login("archivist")
    assert "招生通知" not in other.client.get("/search/saved").get_data(as_text=True)
    assert other.client.get(f"/search/saved/{saved.id}").status_code == 404
    assert other.post(f"/search/saved/{saved.id}/delete").status_code == 404


def test_bad_saves_say_why_and_keep_nothing(make_app: Callable[..., Flask]) -> None:
    app, auth = _setup(make_app)
    empty = _save(auth, "")
    assert "没有可保存的检索" in auth.client.get(empty.headers["Location"]).get_data(as_text=True)
    long_name = _save(auth, "q=招生", name="长" * 200)
    assert "1 到 128 个字" in auth.client.get(long_name.headers["Location"]).get_data(as_text=True)
    bad_date = _save(auth, "q=招生&from=someday")
    assert "不是有效日期" in auth.client.get(bad_date.headers["Location"]).get_data(as_text=True)
    assert _saved(app) == []
    assert AuthActions(app.test_client()).client.get("/search/saved").status_code in (302, 401)


def test_new_matching_records_are_counted_in_the_portal(make_app: Callable[..., Flask], clock: FixedClock) -> None:
    app, auth = _setup(make_app)
    lantai = app.extensions["lantai"]
    _save(auth, "q=招生")
    assert run_due(lantai, clock, ALERTS)["search_alerts"].startswith("0 saved searches checked")
    new = _record(app, "2026年招生工作通知")
    _record(app, "财务报表")  # does not match
    _record(app, "内部招生名单", access="internal")  # matches, but not for a researcher
    clock.advance(minutes=30)
    assert run_due(lantai, clock, ALERTS) == {}  # not due yet
    clock.advance(minutes=31)
    run_due(lantai, clock, ALERTS)
    [saved] = _saved(app)
    assert (saved.new_count, saved.new_ids) == (1, [new])
    listing = auth.client.get("/search/saved").get_data(as_text=True)
    assert re.search(r'class="new-count"><strong>1 条新结果', listing)
    assert "您保存的检索有 1 条新结果" in auth.client.get("/search").get_data(as_text=True)  # noticed on any search
    [event] = _events(app, "search_alert")
    assert event["new"] == 1 and event["mailed"] is False
    # a second pass finds nothing new; opening the search marks its matches seen
    clock.advance(hours=1)
    run_due(lantai, clock, ALERTS)
    assert _saved(app)[0].new_count == 1
    auth.client.get(f"/search/saved/{saved.id}")
    assert _saved(app)[0].new_count == 0
    assert "您保存的检索有" not in auth.client.get("/search").get_data(as_text=True)


def test_the_alert_is_mailed_when_smtp_is_set(
    make_app: Callable[..., Flask],
    clock: FixedClock,
    smtp: tuple[str, Inbox],
) -> None:
    url, inbox = smtp
    app, auth = _setup(make_app, smtp_url=url, portal_url="https://archive.example.edu.cn")
    _save(auth, "q=招生")
    new = _record(app, "2026年招生工作通知")
    run_due(app.extensions["lantai"], clock, ALERTS)
    [message] = inbox.messages
    assert message["To"] == "researcher@example.org"
    body = message.get_payload(decode=True).decode("utf-8")
    assert "2026年招生工作通知" in body and f"https://archive.example.edu.cn/records/{new}" in body
    assert _events(app, "search_alert")[0]["mailed"] is True


def test_switching_the_alert_off_stops_it_and_delete_forgets(make_app: Callable[..., Flask], clock: FixedClock) -> None:
    app, auth = _setup(make_app)
    _save(auth, "q=招生")
    [saved] = _saved(app)
    auth.post(f"/search/saved/{saved.id}/alert", {"alert": "off"})
    _record(app, "2026年招生工作通知")
    run_due(app.extensions["lantai"], clock, ALERTS)
    assert _saved(app)[0].new_count == 0 and not _saved(app)[0].alert
    auth.post(f"/search/saved/{saved.id}/delete")
    assert _saved(app) == []
    assert [e["op"] for e in _events(app, "saved_search")] == ["create", "alert_off", "delete"]
