"""Login, logout, lockout, server-side sessions, roles and API tokens."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from archive.catalog.accounts import UserSession
from archive.catalog.audit import AuditEvent
from archive.passwords import digest
from portal.auth.sessions import ANONYMOUS_COOKIE, COOKIE_NAME
from tests.portal.conftest import USERS, AuthActions


def cookie(client: FlaskClient) -> str | None:
    found = client.get_cookie(COOKIE_NAME)
    return found.value if found else None


def test_login_shows_the_user_and_logout_ends_the_session(app: Flask, client: FlaskClient, auth: AuthActions) -> None:
    response = auth.login("archivist")
    assert response.status_code == 302
    page = client.get("/account").get_data(as_text=True)
    assert "archivist" in page
    old = cookie(client)
    assert auth.logout().status_code == 302
    assert client.get("/account").status_code == 302  # back to login
    # The old cookie replayed after logout is dead: its row is gone.
    replay = app.test_client()
    replay.set_cookie(COOKIE_NAME, old or "")
    assert replay.get("/account").status_code == 302


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(client: FlaskClient, auth: AuthActions) -> None:
    wrong_password = auth.login("researcher", password="not-the-password")
    no_such_user = auth.login(username="nobody", password="whatever-pass")
    assert wrong_password.status_code == no_such_user.status_code == 401
    assert "用户名或密码错误" in wrong_password.get_data(as_text=True)
    assert client.get("/account").status_code == 302


def test_name_and_address_wait_after_max_failures_even_for_the_right_password(make_app: object) -> None:
    app = make_app(login_max_failures=3)  # type: ignore[operator]
    client = app.test_client()
    auth = AuthActions(client)
    statuses = [auth.login("researcher", password="wrong-password").status_code for _ in range(3)]
    assert statuses == [401, 401, 401]
    locked = auth.login("researcher")
    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.get_data(as_text=True)
    # Other accounts are not locked by it.
    assert auth.login("archivist").status_code == 302


def test_one_address_trying_many_names_is_locked_out(make_app: object) -> None:
    app = make_app(login_max_failures=1)  # type: ignore[operator]
    client = app.test_client()
    auth = AuthActions(client)
    for i in range(4):  # IP_FAILURE_FACTOR x login_max_failures unknown names
        assert auth.login(username=f"guess{i}", password="whatever-pass").status_code == 401
    assert auth.login("admin").status_code == 429
    # Another address is not affected.
    other = app.test_client()
    other_auth = AuthActions(other)
    other.environ_base["REMOTE_ADDR"] = "10.0.0.9"
    assert other_auth.login("admin").status_code == 302


def test_session_fixation_login_issues_a_new_session_id(app: Flask, client: FlaskClient, auth: AuthActions) -> None:
    client.get("/login")  # the form's CSRF token makes a visitor's session: a signed cookie, no row
    visit = client.get_cookie(ANONYMOUS_COOKIE)
    assert visit and cookie(client) is None
    assert auth.login("researcher").status_code == 302
    after = cookie(client)
    assert after and after != visit.value and client.get_cookie(ANONYMOUS_COOKIE) is None
    # The pre-login cookie does not carry the login.
    planted = app.test_client()
    planted.set_cookie(ANONYMOUS_COOKIE, visit.value)
    assert planted.get("/account").status_code == 302


def test_cookie_holds_only_a_random_id(app: Flask, client: FlaskClient, auth: AuthActions) -> None:
    response = auth.login("researcher")
    value = cookie(client) or ""
    assert "." not in value and len(value) >= 40  # not a signed data blob
    set_cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE_NAME))
    assert "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie
    # The row is stored under the id's digest, never the id itself.
    with app.extensions["lantai"].catalog.session() as db:
        stored = list(db.scalars(select(UserSession.id_hash)))
    assert value not in stored and digest(value) in stored


def test_disabled_user_is_logged_out_at_once(
    app: Flask, client: FlaskClient, auth: AuthActions, runner: object
) -> None:
    auth.login("researcher")
    assert client.get("/account").status_code == 200
    result = runner.invoke(["users", "disable", "researcher"])  # type: ignore[attr-defined]
    assert result.exit_code == 0
    assert client.get("/account").status_code == 302
    assert auth.login("researcher").status_code == 401


@pytest.mark.parametrize(
    ("role", "queue", "admin"),
    [("researcher", 403, 403), ("archivist", 200, 403), ("admin", 200, 200)],
)
def test_roles_open_their_pages(client: FlaskClient, auth: AuthActions, role: str, queue: int, admin: int) -> None:
    auth.login(role)
    assert client.get("/requests/queue").status_code == queue
    assert client.get("/admin/users").status_code == admin


def test_anonymous_is_sent_to_login_and_back(client: FlaskClient, auth: AuthActions) -> None:
    response = client.get("/requests/queue")
    assert response.status_code == 302 and "/login?next=/requests/queue" in response.headers["Location"]
    token = auth.csrf_token("/login?next=/requests/queue")
    back = client.post(
        "/login?next=/requests/queue",
        data={"username": "archivist", "password": USERS["archivist"][1], "csrf_token": token},
    )
    assert back.headers["Location"] == "/requests/queue"


def test_login_never_redirects_to_another_site(client: FlaskClient, auth: AuthActions) -> None:
    token = auth.csrf_token("/login")
    response = client.post(
        "/login?next=//evil.example/x",
        data={"username": "archivist", "password": USERS["archivist"][1], "csrf_token": token},
    )
    assert response.headers["Location"] == "/"


def test_api_token_made_on_the_account_page_authenticates(app: Flask, client: FlaskClient, auth: AuthActions) -> None:
    from flask import g

    from portal.auth import authenticate_request

    auth.login("archivist")
    page = auth.post("/account", data={"tok-name": "script", "tok-submit": "1"}).get_data(as_text=True)
    start = page.index('id="new-token">') + len('id="new-token">')
    token = page[start : page.index("<", start)]
    assert token.startswith("lt_")
    with app.test_request_context("/api/v1/search", headers={"Authorization": f"Bearer {token}"}):
        user = authenticate_request()
        assert user is not None and user.username == "archivist" and g.user is user
    with app.test_request_context("/api/v1/search", headers={"Authorization": "Bearer lt_wrong"}):
        with pytest.raises(Exception) as caught:
            authenticate_request()
        assert getattr(caught.value, "code", None) == 401
    # The account page lists it by name, not by value.
    listing = client.get("/account").get_data(as_text=True)
    assert "script" in listing and token not in listing


def test_password_change_needs_the_current_password(client: FlaskClient, auth: AuthActions) -> None:
    auth.login("researcher")
    bad = auth.post(
        "/account",
        data={
            "pw-current": "wrong-one-1",
            "pw-new": "new-password-1",
            "pw-confirm": "new-password-1",
            "pw-submit": "1",
        },
    )
    assert "当前密码错误" in bad.get_data(as_text=True) or "current password is wrong" in bad.get_data(as_text=True)
    ok = auth.post(
        "/account",
        data={
            "pw-current": USERS["researcher"][1],
            "pw-new": "new-password-1",
            "pw-confirm": "new-password-1",
            "pw-submit": "1",
        },
    )
    assert ok.status_code == 302
    assert client.get("/account").status_code == 200  # still logged in, with a fresh session
    auth.logout()
    assert auth.login("researcher").status_code == 401
    assert auth.login("researcher", password="new-password-1").status_code == 302


@pytest.mark.postgres
def test_sessions_and_lockout_on_postgresql(make_app: object, postgres_url: str) -> None:
    app = make_app(database_url=postgres_url, login_max_failures=2)  # type: ignore[operator]
    client = app.test_client()
    auth = AuthActions(client)
    assert auth.login("archivist").status_code == 302
    assert client.get("/account").status_code == 200
    old = cookie(client)
    auth.logout()
    replay = app.test_client()
    replay.set_cookie(COOKIE_NAME, old or "")
    assert replay.get("/account").status_code == 302
    assert [auth.login("researcher", password="wrong-password").status_code for _ in range(3)] == [401, 401, 429]
    app.extensions["lantai"].catalog.dispose()


def test_each_action_emits_one_audit_event(app: Flask, client: FlaskClient, auth: AuthActions) -> None:
    auth.login("researcher", password="wrong-password")
    auth.login("researcher")
    auth.logout()
    with app.extensions["lantai"].catalog.session() as db:
        events = list(db.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))
    assert events == ["login_failed", "login", "logout"]


def test_an_expired_session_is_dead(app: Flask, client: FlaskClient, auth: AuthActions) -> None:
    import datetime as dt

    from sqlalchemy import update

    from archive.catalog.models import utcnow

    auth.login("archivist")
    assert client.get("/account").status_code == 200
    with app.extensions["lantai"].catalog.session() as db:
        db.execute(update(UserSession).values(expires_at=utcnow() - dt.timedelta(seconds=1)))
    assert client.get("/account").status_code == 302
