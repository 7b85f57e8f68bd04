"""Every audited route of the portal leaves exactly its event, with who, what, from where and why.

The portal runs behind one trusted proxy (``LANTAI_TRUSTED_PROXIES=1``) so the recorded IP is
the one the proxy saw, not the address the client forged in ``X-Forwarded-For``. Content
refused (403) leaves a ``denied`` event; when the event cannot be written the page or file is
refused (503) and nothing of its content is sent; the chain verifies after all of it.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from archive.audit.chain import add_write_hook, remove_write_hook
from archive.audit.service import CLI
from archive.audit.verify import verify_chain
from archive.catalog.accounts import AccessRequest, Grant, User
from archive.catalog.audit import AuditEvent
from archive.catalog.models import utcnow
from archive.vocabulary import RequestStatus
from tests.portal.conftest import AuthActions
from tests.portal.sample_records import add_record

CODE = "J001-WS·2023-D30-BGS-0012"
PAGES = [["关于 招生 工作", "第一页 正文"], ["第二页 附件 名单"]]
PROXY = {"REMOTE_ADDR": "10.0.0.9"}  # the trusted proxy
HEADERS = {"X-Forwarded-For": "6.6.6.6, 203.0.113.7", "User-Agent": "Mozilla/5.0 (审计测试)",
           "X-Request-ID": "req-route-1"}
PURPOSE = "编写校史第三章，需要核对1953年的招生人数"


@pytest.fixture
def portal(make_app: Callable[..., Flask]) -> Flask:
    """The portal behind one trusted proxy."""
    return make_app(trusted_proxies=1)


@pytest.fixture
def web(portal: Flask) -> FlaskClient:
    """A browser on ``portal``."""
    return portal.test_client()


@pytest.fixture
def auth(web: FlaskClient) -> AuthActions:
    """Login helpers for ``web``."""
    return AuthActions(web)


@pytest.fixture
def record(portal: Flask) -> int:
    """An internal record with two pages, an original and a 档号 (indexed for search)."""
    return add_record(portal, PAGES, access_level="internal", reference_code=CODE).id


def events(app: Flask, after: int = 0) -> list[AuditEvent]:
    """The events with a sequence number above ``after``, oldest first."""
    with app.extensions["lantai"].catalog.session() as session:
        found = list(session.scalars(select(AuditEvent).where(AuditEvent.seq > after).order_by(AuditEvent.seq)))
        session.expunge_all()
    return found


def last_seq(app: Flask) -> int:
    """The newest event's sequence number (0 before any)."""
    found = events(app)
    return found[-1].seq if found else 0


def details(event: AuditEvent) -> dict[str, Any]:
    """An event's details."""
    return dict(json.loads(event.details))


def get(client: FlaskClient, path: str) -> Any:
    """GET ``path`` through the proxy with the test headers."""
    return client.get(path, headers=HEADERS, environ_base=PROXY)


def assert_request_fields(event: AuditEvent) -> None:
    """The event names the request: the client address the proxy saw, user agent, request id."""
    assert (event.ip, event.user_agent, event.request_id) == ("203.0.113.7", HEADERS["User-Agent"], "req-route-1")


@pytest.fixture
def failing_audit() -> Iterator[None]:
    """Every audit write fails while the test runs."""

    def refuse(_fields: Any) -> None:
        raise OSError("audit disk full")

    add_write_hook(refuse)
    yield
    remove_write_hook(refuse)


ROUTES = [
    # (path, action, details expected to be included)
    ("/records/{id}?q=招生", "record_view", {"page": 1, "query": "招生", "readable": True}),
    ("/records/{id}/pages/2/image", "page_view", {"page": 2, "form": "image"}),
    ("/records/{id}/pages/2/text", "page_view", {"page": 2, "form": "text"}),
    ("/records/{id}/download", "download", {"form": "original", "file": "通知.txt"}),
    ("/records/{id}/text.txt", "download", {"form": "text", "file": "通知.txt", "pages": 2}),
    ("/api/v1/records/{id}", "record_view", {"readable": True, "via": "api"}),
    ("/api/v1/records/{id}/pages/1", "page_view", {"page": 1, "form": "text", "via": "api"}),
    ("/api/v1/records/{id}/download", "download", {"form": "original", "via": "api"}),
]


@pytest.mark.parametrize(("path", "action", "expected"), ROUTES, ids=[r[0] for r in ROUTES])
def test_each_content_route_leaves_exactly_its_event(
    portal: Flask, web: FlaskClient, auth: AuthActions, record: int, path: str, action: str, expected: dict[str, Any]
) -> None:
    auth.login("archivist")
    before = last_seq(portal)
    response = get(web, path.format(id=record))
    assert response.status_code == 200
    response.close()
    (event,) = events(portal, before)
    assert (event.action, event.actor_name, event.actor_role, event.outcome) == (
        action, "archivist", "archivist", "allowed")
    assert (event.record_id, event.reference_code) == (record, CODE)
    assert_request_fields(event)
    assert expected.items() <= details(event).items()
    if action == "download" and expected["form"] == "original":
        assert len(details(event)["sha256"]) == 64
    assert verify_chain(portal.extensions["lantai"].catalog.engine).ok


@pytest.mark.parametrize("path", ["/search?q=招生&f=category:WS", "/api/v1/search?q=招生&f=category:WS"])
def test_search_records_query_filters_and_hits(
    portal: Flask, web: FlaskClient, auth: AuthActions, record: int, path: str
) -> None:
    auth.login("archivist")
    before = last_seq(portal)
    assert get(web, path).status_code == 200
    (event,) = events(portal, before)
    assert (event.action, event.actor_name, event.outcome, event.record_id) == ("search", "archivist", "allowed", None)
    found = details(event)
    assert (found["query"], found["filters"], found["hits"], found["shown"]) == ("招生", ["category:WS"], 1, [record])
    assert_request_fields(event)


def test_browsing_recent_records_is_not_a_search(portal: Flask, web: FlaskClient, record: int) -> None:
    before = last_seq(portal)
    assert get(web, "/search").status_code == 200
    assert events(portal, before) == []


def test_anonymous_visitor_is_recorded_as_anonymous(portal: Flask, web: FlaskClient) -> None:
    opened = add_record(portal, PAGES, access_level="open", index=False).id
    before = last_seq(portal)
    assert get(web, f"/records/{opened}").status_code == 200
    (event,) = events(portal, before)
    assert (event.action, event.actor_id, event.actor_name, event.actor_role) == ("record_view", None, None, None)


def test_served_thumbnails_are_not_recorded(
    portal: Flask, web: FlaskClient, auth: AuthActions, record: int
) -> None:
    auth.login("archivist")
    before = last_seq(portal)
    assert get(web, f"/records/{record}/pages/1/thumbnail").status_code == 200
    assert events(portal, before) == []


def _restricted(portal: Flask, code: str = CODE) -> int:
    return add_record(portal, PAGES, access_level="restricted", reference_code=code, index=False).id


@pytest.mark.parametrize(
    ("path", "action", "form"),
    [
        ("/records/{id}/pages/1/image", "page_view", "image"),
        ("/records/{id}/pages/1/thumbnail", "page_view", "thumbnail"),
        ("/records/{id}/pages/1/text", "page_view", "text"),
        ("/records/{id}/download", "download", "original"),
        ("/records/{id}/text.txt", "download", "text"),
        ("/api/v1/records/{id}/pages/1", "page_view", "text"),
        ("/api/v1/records/{id}/download", "download", "original"),
    ],
)
def test_refused_content_leaves_a_denied_event(
    portal: Flask, web: FlaskClient, auth: AuthActions, path: str, action: str, form: str
) -> None:
    restricted = _restricted(portal)
    auth.login("researcher")  # no grant: may know of the record, may not read it
    before = last_seq(portal)
    assert get(web, path.format(id=restricted)).status_code == 403
    (event,) = events(portal, before)
    assert (event.action, event.outcome, event.actor_name, event.actor_role) == (
        action, "denied", "researcher", "researcher")
    assert (event.record_id, event.reference_code, details(event)["form"]) == (restricted, CODE, form)
    assert_request_fields(event)


@pytest.mark.parametrize("path", ["/records/{id}", "/records/{id}/download", "/api/v1/records/{id}",
                                  "/records/{id}/pages/1/image"])
def test_probing_a_hidden_record_is_recorded_but_answered_as_missing(
    portal: Flask, web: FlaskClient, auth: AuthActions, record: int, path: str
) -> None:
    auth.login("researcher")  # an internal record: the researcher may not know it exists (404)
    before = last_seq(portal)
    hidden = get(web, path.format(id=record))
    missing = get(web, path.format(id=record + 1000))
    assert hidden.status_code == missing.status_code == 404
    def page(response: Any, record_id: int) -> bytes:  # the page names its own address (language links)
        return bytes(response.get_data()).replace(path.format(id=record_id).encode(), b"PATH")

    assert page(hidden, record) == page(missing, record + 1000)  # nothing tells the two apart
    (event,) = events(portal, before)  # the missing record leaves none
    assert (event.action, event.outcome, event.actor_name, event.record_id) == (
        "record_hidden", "denied", "researcher", record)
    assert_request_fields(event)


def _approved_request(portal: Flask, record_id: int, days: float = 7) -> int:
    """An approved request of the researcher with its grant (as the archivist's approval makes)."""
    with portal.extensions["lantai"].catalog.session() as db:
        user_id = db.scalar(select(User.id).where(User.username == "researcher"))
        request = AccessRequest(user_id=user_id, record_id=record_id, purpose=PURPOSE, days_requested=7,
                                status=RequestStatus.APPROVED, decided_at=utcnow())
        db.add(request)
        db.flush()
        grant = Grant(user_id=user_id, record_id=record_id, request_id=request.id,
                      expires_at=utcnow() + dt.timedelta(days=days))
        db.add(grant)
        db.flush()
        return grant.id


def test_researcher_use_carries_the_purpose_of_the_approved_request(
    portal: Flask, web: FlaskClient, auth: AuthActions
) -> None:
    restricted = _restricted(portal)
    _approved_request(portal, restricted)
    auth.login("researcher")
    before = last_seq(portal)
    for path in ("", "/pages/1/image", "/pages/1/text", "/download", "/text.txt"):
        response = get(web, f"/records/{restricted}{path}")
        assert response.status_code == 200, path
        response.close()
    recorded = events(portal, before)
    assert [e.action for e in recorded] == ["record_view", "page_view", "page_view", "download", "download"]
    assert {e.purpose for e in recorded} == {PURPOSE}


def test_expired_grant_is_recorded_once_when_first_seen(portal: Flask, web: FlaskClient, auth: AuthActions) -> None:
    restricted = _restricted(portal)
    grant_id = _approved_request(portal, restricted, days=-1)
    auth.login("researcher")
    before = last_seq(portal)
    assert get(web, f"/records/{restricted}").status_code == 200  # the description, no content
    assert get(web, f"/records/{restricted}/download").status_code == 403
    expire, view, denied = events(portal, before)
    assert (expire.action, expire.object_type, expire.object_id, expire.record_id) == (
        "access_expire", "grant", str(grant_id), restricted)
    assert (expire.actor_name, expire.actor_role, expire.purpose) == ("system", "system", PURPOSE)
    assert details(expire)["username"] == "researcher"
    assert (view.action, view.purpose, details(view)["readable"]) == ("record_view", None, False)
    assert (denied.action, denied.outcome) == ("download", "denied")  # expiry not recorded twice


def test_login_failed_login_and_logout(portal: Flask, web: FlaskClient, auth: AuthActions) -> None:
    response = web.post("/login", data={"username": "researcher", "password": "wrong-password-1",
                                        "csrf_token": auth.csrf_token()}, headers=HEADERS, environ_base=PROXY)
    assert response.status_code in (401, 403)
    auth.login("researcher")
    auth.logout()
    failed, login, logout = events(portal)
    assert (failed.action, failed.outcome, failed.actor_name, failed.actor_id) == (
        "login_failed", "denied", "researcher", None)
    assert_request_fields(failed)
    assert (login.action, login.actor_name, login.actor_role) == ("login", "researcher", "researcher")
    assert (logout.action, logout.actor_name, logout.outcome) == ("logout", "researcher", "allowed")


def _token(portal: Flask, username: str) -> dict[str, str]:
    """Headers with a fresh API token of ``username`` (and the test request headers)."""
    from archive.accounts import create_token

    with portal.extensions["lantai"].catalog.session() as db:
        user = db.scalars(select(User).where(User.username == username)).one()
        return {**HEADERS, "Authorization": f"Bearer {create_token(db, user, 'test', actor=CLI)}"}


def test_access_request_and_decision_through_the_api(portal: Flask, web: FlaskClient) -> None:
    restricted = _restricted(portal)
    researcher, archivist = _token(portal, "researcher"), _token(portal, "archivist")
    before = last_seq(portal)  # after the two token_create events
    asked = web.post("/api/v1/access-requests", json={"record_id": restricted, "purpose": PURPOSE, "days": 5},
                     headers=researcher, environ_base=PROXY)
    assert asked.status_code == 201
    request_id = asked.get_json()["request"]["id"]
    approved = web.post(f"/api/v1/access-requests/{request_id}/approve", json={"days": 5}, headers=archivist,
                        environ_base=PROXY)
    assert approved.status_code == 200
    ask, approve = events(portal, before)
    assert (ask.action, ask.actor_name, ask.record_id, ask.reference_code, ask.purpose) == (
        "access_request", "researcher", restricted, CODE, PURPOSE)
    assert_request_fields(ask)
    assert (approve.action, approve.actor_name, approve.object_id, approve.reference_code, approve.purpose) == (
        "access_approve", "archivist", str(request_id), CODE, PURPOSE)
    assert details(approve)["expires_at"]


def test_upload_is_recorded(portal: Flask, web: FlaskClient, auth: AuthActions) -> None:
    auth.login("archivist")
    before = last_seq(portal)
    response = auth.post("/upload", data={"files": [(io.BytesIO("一号文件 招生\n".encode()), "一号.txt")],
                                          "title": "批量上传"}, content_type="multipart/form-data")
    assert response.status_code == 200
    (event,) = [e for e in events(portal, before) if e.action != "login"]
    assert (event.action, event.actor_name, event.object_type) == ("ingest", "archivist", "record")
    assert event.record_id is not None  # the record is made when the file is accepted
    found = details(event)
    assert (found["channel"], found["file"], found["fields"]) == ("upload", "一号.txt", {"title": "批量上传"})


def test_cli_ingest_is_recorded_like_an_upload(portal: Flask, tmp_path: Path) -> None:
    from tests.portal.conftest import LantaiRunner

    source = tmp_path / "二号.txt"
    source.write_text("二号文件 招生\n", encoding="utf-8")
    before = last_seq(portal)
    result = LantaiRunner(portal).invoke(["ingest", str(source)])
    assert result.exit_code == 0, result.output
    (event,) = events(portal, before)
    who = (event.action, event.actor_name, event.actor_role, event.object_type)
    assert who == ("ingest", "cli", "system", "record")
    assert (details(event)["channel"], details(event)["file"]) == ("cli", "二号.txt")


def test_role_change_names_old_and_new_role(portal: Flask, web: FlaskClient, auth: AuthActions) -> None:
    auth.login("admin")
    with portal.extensions["lantai"].catalog.session() as db:
        researcher_id = db.scalar(select(User.id).where(User.username == "researcher"))
    before = last_seq(portal)
    assert auth.post(f"/admin/users/{researcher_id}/role", data={"role": "archivist"}).status_code == 302
    (event,) = events(portal, before)
    assert (event.action, event.actor_name, event.object_id) == ("role_change", "admin", str(researcher_id))
    assert (details(event)["old_role"], details(event)["role"]) == ("researcher", "archivist")


def test_cli_user_changes_are_recorded_with_the_cli_as_actor(portal: Flask) -> None:
    from tests.portal.conftest import LantaiRunner

    result = LantaiRunner(portal).invoke(["users", "add", "editor", "--role", "archivist", "--password",
                                          "editor-password-1"])
    assert result.exit_code == 0, result.output
    (event,) = events(portal)
    assert (event.action, event.actor_name, event.actor_role, event.object_type) == (
        "user_create", "cli", "system", "user")
    assert (event.ip, event.request_id) == (None, None)


@pytest.mark.parametrize(
    "path", ["/records/{id}", "/records/{id}/pages/1/image", "/records/{id}/pages/1/text", "/records/{id}/download",
             "/records/{id}/text.txt", "/api/v1/records/{id}/download", "/api/v1/records/{id}/pages/1",
             "/search?q=招生"]
)
def test_view_or_download_is_refused_when_its_event_cannot_be_written(
    portal: Flask, web: FlaskClient, auth: AuthActions, record: int, path: str
) -> None:
    auth.login("archivist")
    before = last_seq(portal)

    def refuse(_fields: Any) -> None:
        raise OSError("audit disk full")

    add_write_hook(refuse)
    try:
        response = get(web, path.format(id=record))
    finally:
        remove_write_hook(refuse)
    body = response.get_data()
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    if path.startswith("/api/"):  # the user is told why
        assert response.get_json()["error"]["code"] == "audit_unavailable"
    else:
        assert "审计日志暂时无法写入".encode() in body
    for content in ("第一页", "关于做好2023年招生工作的通知"):  # page text, title (also in the original)
        assert content.encode() not in body and json.dumps(content)[1:-1].encode() not in body
    assert not body.startswith(b"\xff\xd8")  # no page image
    assert events(portal, before) == []
    assert verify_chain(portal.extensions["lantai"].catalog.engine).ok


def test_login_is_refused_when_its_event_cannot_be_written(
    portal: Flask, web: FlaskClient, auth: AuthActions, failing_audit: None
) -> None:
    assert auth.login("archivist").status_code == 503
    assert web.get("/account").status_code == 302  # not signed in
    bad = web.post("/login", data={"username": "archivist", "password": "wrong-password-1",
                                   "csrf_token": auth.csrf_token()})
    assert bad.status_code == 503  # a failed login that cannot be recorded is refused as well
    assert events(portal) == []


def test_hostile_search_query_is_stored_exactly_and_shown_escaped(
    portal: Flask, web: FlaskClient, auth: AuthActions, record: int
) -> None:
    query = "招生\n<script>alert('x')</script>\x07"
    auth.login("archivist")
    before = last_seq(portal)
    get(web, "/search?" + _urlencode({"q": query}))
    (event,) = events(portal, before)
    assert details(event)["query"] == query
    auth.logout()
    auth.login("admin")
    page = web.get("/admin/audit/?action=search").get_data(as_text=True)
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;\u2407" in page
    assert verify_chain(portal.extensions["lantai"].catalog.engine).ok


def _urlencode(values: dict[str, str]) -> str:
    from urllib.parse import urlencode

    return urlencode(values)


def test_admins_see_who_accessed_the_record(portal: Flask, web: FlaskClient, auth: AuthActions, record: int) -> None:
    auth.login("archivist")
    get(web, f"/records/{record}/download").close()
    assert "谁查阅了本档案" not in web.get(f"/records/{record}").get_data(as_text=True)
    auth.logout()
    auth.login("admin")
    html = web.get(f"/records/{record}").get_data(as_text=True)
    assert "谁查阅了本档案" in html and "archivist" in html and "下载（原件）" in html


def test_token_created_on_the_account_page_is_recorded(portal: Flask, web: FlaskClient, auth: AuthActions) -> None:
    auth.login("archivist")
    before = last_seq(portal)
    assert auth.post("/account", data={"tok-name": "script", "tok-submit": "1"}).status_code == 200
    (event,) = events(portal, before)
    assert (event.action, event.actor_name, event.object_type, details(event)["name"]) == (
        "token_create", "archivist", "user", "script")


def test_requests_expire_records_each_expired_grant_once(portal: Flask) -> None:
    from click.testing import CliRunner

    from cli.requests import requests_group

    expired = _approved_request(portal, _restricted(portal), days=-2)
    _approved_request(portal, _restricted(portal, CODE + "-2"), days=3)  # still running: not recorded

    def run() -> str:
        result = CliRunner().invoke(requests_group, ["expire"], obj=portal.extensions["lantai"],
                                    catch_exceptions=False)
        assert result.exit_code == 0
        return result.output

    assert "Recorded 1 expired grant" in run()
    (event,) = events(portal)
    assert (event.action, event.object_id, event.actor_name, event.actor_role, event.purpose) == (
        "access_expire", str(expired), "cli", "system", PURPOSE)
    assert (event.reference_code, details(event)["username"]) == (CODE, "researcher")
    assert "Recorded 0 expired grant" in run()  # once per grant
    assert verify_chain(portal.extensions["lantai"].catalog.engine).ok


def test_stamped_download_is_recorded_as_stamped(make_app: Callable[..., Flask]) -> None:
    from tests.portal.sample_records import page_image

    portal = make_app(stamp_downloads=True)
    jpeg, _words = page_image(["扫描件"])
    record_id = add_record(portal, PAGES, access_level="open", original=(jpeg, "扫描件.jpg", "image/jpeg"),
                           index=False).id
    response = portal.test_client().get(f"/records/{record_id}/download")
    assert response.status_code == 200 and response.data != jpeg  # the stamped copy was served
    (event,) = events(portal)
    found = details(event)
    assert (event.action, found["form"], found["file"]) == ("download", "stamped", "扫描件.jpg")
    assert len(found["sha256"]) == 64  # the original's hash: the stamped copy is made per download
