"""``lantai users``: add, list, disable, enable, set-role, passwd, token."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.portal.conftest import AuthActions, LantaiRunner


def test_add_list_and_login(runner: LantaiRunner, client: FlaskClient, auth: AuthActions) -> None:
    result = runner.invoke(
        ["users", "add", "zhang", "--role", "archivist", "--name", "张老师", "--password", "zhang-password-1"]
    )
    assert result.exit_code == 0, result.output
    listing = runner.invoke(["users", "list"]).output
    assert "zhang" in listing and "archivist" in listing and "张老师" in listing
    assert auth.login(username="zhang", password="zhang-password-1").status_code == 302
    assert client.get("/requests/queue").status_code == 200


def test_add_asks_for_the_password_when_not_given(runner: LantaiRunner, auth: AuthActions) -> None:
    result = runner.invoke(["users", "add", "li"], input="li-password-1\nli-password-1\n")
    assert result.exit_code == 0, result.output
    assert auth.login(username="li", password="li-password-1").status_code == 302


def test_bad_input_gives_a_clear_error_and_exit_status(runner: LantaiRunner) -> None:
    taken = runner.invoke(["users", "add", "admin", "--password", "whatever-1"])
    assert taken.exit_code == 2 and "已被使用" in taken.output and "is taken" in taken.output
    short = runner.invoke(["users", "add", "wang", "--password", "short"])
    assert short.exit_code == 2 and "at least 8" in short.output
    missing = runner.invoke(["users", "disable", "nobody"])
    assert missing.exit_code == 66 and "nobody" in missing.output
    role = runner.invoke(["users", "set-role", "admin", "king"])
    assert role.exit_code == 2


def test_set_role_and_passwd_take_effect(runner: LantaiRunner, client: FlaskClient, auth: AuthActions) -> None:
    assert runner.invoke(["users", "set-role", "researcher", "archivist"]).exit_code == 0
    assert runner.invoke(["users", "passwd", "researcher", "--password", "fresh-password-1"]).exit_code == 0
    assert auth.login("researcher").status_code == 401
    assert auth.login("researcher", password="fresh-password-1").status_code == 302
    assert client.get("/requests/queue").status_code == 200


def test_disable_and_enable(runner: LantaiRunner, auth: AuthActions) -> None:
    assert runner.invoke(["users", "disable", "archivist"]).exit_code == 0
    assert "disabled" in runner.invoke(["users", "list"]).output
    assert auth.login("archivist").status_code == 401
    assert runner.invoke(["users", "enable", "archivist"]).exit_code == 0
    assert auth.login("archivist").status_code == 302


def test_token_authenticates_api_requests(app: Flask, runner: LantaiRunner) -> None:
    from portal.auth import authenticate_request

    result = runner.invoke(["users", "token", "archivist", "--name", "harvester"])
    token = result.output.strip()
    assert result.exit_code == 0 and token.startswith("lt_")
    with app.test_request_context("/api/v1/search", headers={"Authorization": f"Bearer {token}"}):
        user = authenticate_request()
        assert user is not None and user.username == "archivist"
    runner.invoke(["users", "disable", "archivist"])
    with app.test_request_context("/api/v1/search", headers={"Authorization": f"Bearer {token}"}):
        try:
            authenticate_request()
        except Exception as exc:  # werkzeug's Unauthorized
            assert getattr(exc, "code", None) == 401
        else:
            raise AssertionError("a disabled account's token still works")


def test_admin_page_creates_disables_and_changes_roles(app: Flask, client: FlaskClient, auth: AuthActions) -> None:
    auth.login("admin")
    created = auth.post(
        "/admin/users",
        data={
            "username": "chen",
            "display_name": "陈",
            "email": "chen@example.org",
            "role": "researcher",
            "password": "chen-password-1",
        },
    )
    assert created.status_code == 302
    page = client.get("/admin/users").get_data(as_text=True)
    assert "chen" in page
    from sqlalchemy import select

    from archive.catalog.accounts import User

    with app.extensions["lantai"].catalog.session() as db:
        chen_id = db.scalar(select(User.id).where(User.username == "chen"))
        admin_id = db.scalar(select(User.id).where(User.username == "admin"))
    assert auth.post(f"/admin/users/{chen_id}/role", data={"role": "archivist"}).status_code == 302
    assert auth.post(f"/admin/users/{chen_id}/password", data={"password": "reset-password-1"}).status_code == 302
    assert auth.post(f"/admin/users/{chen_id}/active", data={}).status_code == 302
    # An admin cannot disable themselves (the last admin would lock everyone out).
    auth.post(f"/admin/users/{admin_id}/active", data={})
    assert client.get("/admin/users").status_code == 200
    with app.extensions["lantai"].catalog.session() as db:
        chen = db.get(User, chen_id)
        assert chen is not None and chen.role == "archivist" and not chen.active
    other = AuthActions(app.test_client())
    assert other.login(username="chen", password="reset-password-1").status_code == 401
