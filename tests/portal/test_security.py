"""Security headers on every response, CSRF on every form, error pages in both languages."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.portal.conftest import USERS, AuthActions


def assert_security_headers(response: object) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    csp = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("path", ["/", "/login", "/static/css/lantai.css", "/no-such-page", "/requests/queue"])
def test_headers_on_pages_files_redirects_and_404(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code in (200, 302, 404)
    assert_security_headers(response)


def test_headers_and_error_page_on_a_server_error(make_app: Callable[..., Flask]) -> None:
    app = make_app({"PROPAGATE_EXCEPTIONS": False})

    @app.route("/boom")
    def boom() -> str:
        raise RuntimeError("kaput")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert_security_headers(response)
    assert "服务器错误" in response.get_data(as_text=True)
    assert "kaput" not in response.get_data(as_text=True)


def test_413_page_for_a_too_large_body(make_app: Callable[..., Flask]) -> None:
    app = make_app({"MAX_CONTENT_LENGTH": 1024})
    response = app.test_client().post("/login", data={"username": "x" * 4096})
    assert response.status_code == 413
    assert_security_headers(response)
    assert "文件过大" in response.get_data(as_text=True)


def test_hsts_only_over_https(client: FlaskClient) -> None:
    assert "Strict-Transport-Security" not in client.get("/").headers
    secure = client.get("/", base_url="https://portal.example")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_pages_for_signed_in_users_are_not_cached(client: FlaskClient, auth: AuthActions) -> None:
    auth.login("archivist")
    assert client.get("/account").headers["Cache-Control"] == "no-store"


def test_login_without_csrf_token_is_refused(client: FlaskClient) -> None:
    response = client.post("/login", data={"username": "admin", "password": USERS["admin"][1]})
    assert response.status_code == 400
    assert_security_headers(response)
    assert client.get("/account").status_code == 302


@pytest.mark.parametrize(
    "path",
    [
        "/logout",
        "/account",
        "/admin/users",
        "/admin/users/1/active",
        "/admin/users/2/role",
        "/requests/new",
        "/requests/1/deny",
    ],
)
def test_every_form_post_needs_the_csrf_token(app: Flask, client: FlaskClient, auth: AuthActions, path: str) -> None:
    auth.login("admin")
    response = client.post(path, data={"role": "researcher", "tok-name": "x", "tok-submit": "1"})
    assert response.status_code == 400
    # Nothing happened: the admin is still logged in and still an admin.
    assert client.get("/admin/users").status_code == 200


def test_chinese_by_default_english_by_switch_and_by_browser(client: FlaskClient) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="zh-Hans"' in page and "登录" in page
    english = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert 'lang="en"' in english and "Log in" in english
    switch = client.get("/lang/en?next=/login")
    assert switch.status_code == 302 and switch.headers["Location"] == "/login"
    assert "Log in" in client.get("/login").get_data(as_text=True)
    client.get("/lang/zh_Hans?next=/login")
    assert "登录" in client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)


@pytest.mark.parametrize(("lang", "text"), [("zh_Hans", "未找到"), ("en", "Not found")])
def test_404_page_in_both_languages(client: FlaskClient, lang: str, text: str) -> None:
    response = client.get(f"/no-such-page?lang={lang}")
    assert response.status_code == 404 and text in response.get_data(as_text=True)


def test_403_page_in_both_languages(client: FlaskClient, auth: AuthActions) -> None:
    auth.login("researcher")
    zh = client.get("/admin/users")
    en = client.get("/admin/users?lang=en")
    assert zh.status_code == en.status_code == 403
    assert "无权访问" in zh.get_data(as_text=True) and "Access denied" in en.get_data(as_text=True)
    assert_security_headers(zh)


def test_layout_is_accessible(client: FlaskClient) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert 'class="skip-link" href="#main"' in page and '<main id="main"' in page
    assert 'role="search"' in page and '<label class="visually-hidden" for="header-q">' in page
    assert '<label for="username">' in page and '<label for="password">' in page
    assert 'name="viewport"' in page


def test_api_writes_with_the_session_cookie_need_the_csrf_header(
    app: Flask, client: FlaskClient, auth: AuthActions, make_record: Callable[..., int]
) -> None:
    record_id = make_record("restricted")
    auth.login("researcher")
    body = {"record_id": record_id, "purpose": "校史研究需要", "days": 7}
    assert client.post("/api/v1/access-requests", json=body).status_code == 400
    token = auth.csrf_token("/account")
    created = client.post("/api/v1/access-requests", json=body, headers={"X-CSRFToken": token})
    assert created.status_code in (200, 201), created.get_data(as_text=True)
