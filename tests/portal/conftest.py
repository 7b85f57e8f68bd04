"""Portal fixtures in the flaskr style: ``app``, ``client``, ``runner``, ``auth``.

The app runs on a fresh SQLite catalog with CSRF protection ON (as in production) and
three accounts, one per role (``USERS``). ``auth.login(role)`` logs in through the real
login form; ``auth.csrf_token()`` gives the token to put in a form post. ``make_record``
adds a catalog record at an access level; ``grant`` gives a researcher a grant.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from flask.testing import FlaskClient

from archive.catalog.accounts import Grant, User
from archive.catalog.models import Record, utcnow
from archive.passwords import hash_password
from config.settings import Settings
from indexer.context import set_current
from portal.app import create_app

# Accounts in every app fixture: role -> (username, password).
USERS: dict[str, tuple[str, str]] = {
    "admin": ("admin", "admin-password-1"),
    "archivist": ("archivist", "archivist-password-1"),
    "researcher": ("researcher", "researcher-password-1"),
}
_HASHES: dict[str, str] = {}  # argon2 is slow on purpose: hash each test password once per run

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def add_user(app: Flask, username: str, password: str, role: str, **fields: Any) -> int:
    """Add an account directly to the catalog; returns its id."""
    if password not in _HASHES:
        _HASHES[password] = hash_password(password)
    with app.extensions["lantai"].catalog.session() as db:
        existing = db.query(User.id).filter(User.username == username).scalar()
        if existing is not None:  # a second app on the same data dir
            return int(existing)
        user = User(
            username=username, password_hash=_HASHES[password], role=role, active=True, failed_logins=0, **fields
        )
        db.add(user)
        db.flush()
        return user.id


@pytest.fixture
def make_app(settings: Settings) -> Iterator[Callable[..., Flask]]:
    """Build apps on the test settings (``test_config`` and setting overrides as keywords)."""
    made: list[Flask] = []

    def factory(test_config: dict[str, Any] | None = None, **overrides: Any) -> Flask:
        app_settings = settings.model_copy(update=overrides) if overrides else settings
        app = create_app(app_settings, {"TESTING": True, **(test_config or {})})
        for role, (username, password) in USERS.items():
            add_user(app, username, password, role, email=f"{username}@example.org")
        made.append(app)
        return app

    yield factory
    for app in made:
        app.extensions["lantai"].close()
    set_current(None)


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    """The portal on a fresh catalog, with one account per role."""
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of ``app``."""
    return app.test_client()


class LantaiRunner:
    """Runs ``lantai`` commands against the app's context (its catalog, not the environment)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.runner = CliRunner()

    def invoke(self, args: list[str], input: str | None = None) -> Result:
        """Run ``lantai ARGS``; the result has ``exit_code`` and ``output``."""
        from cli.main import main

        return self.runner.invoke(main, args, input=input, obj=self.app.extensions["lantai"], catch_exceptions=False)


@pytest.fixture
def runner(app: Flask) -> LantaiRunner:
    """The ``lantai`` CLI bound to ``app``'s catalog."""
    return LantaiRunner(app)


class AuthActions:
    """Log in and out through the real forms, and fetch CSRF tokens for form posts."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def csrf_token(self, path: str = "/login") -> str:
        """A CSRF token of the client's current session (read from a form on ``path``)."""
        response = self.client.get(path)
        match = CSRF_RE.search(response.get_data(as_text=True))
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def login(self, role: str = "researcher", password: str | None = None, username: str | None = None) -> Any:
        """Log in as the account of ``role`` (or as ``username``); returns the response."""
        name, default_password = USERS.get(role, (role, ""))
        return self.client.post(
            "/login",
            data={
                "username": username or name,
                "password": default_password if password is None else password,
                "csrf_token": self.csrf_token("/login"),
            },
        )

    def logout(self) -> Any:
        """Log out with the header's logout form."""
        return self.client.post("/logout", data={"csrf_token": self.csrf_token("/account")})

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        """POST a form with the session's CSRF token added."""
        token_page = "/account" if self._logged_in() else "/login"
        return self.client.post(path, data={**(data or {}), "csrf_token": self.csrf_token(token_page)}, **kwargs)

    def _logged_in(self) -> bool:
        return self.client.get("/account").status_code == 200


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    """Login helpers for ``client``."""
    return AuthActions(client)


@pytest.fixture
def make_record(app: Flask) -> Callable[..., int]:
    """Add a catalog record (``access_level`` and any Record fields); returns its id."""

    def factory(access_level: str = "open", **fields: Any) -> int:
        values: dict[str, Any] = {"title": f"{access_level} 档案", "status": "done", "page_count": 0, "extra": {}}
        values.update(fields)
        with app.extensions["lantai"].catalog.session() as db:
            record = Record(access_level=access_level, **values)
            db.add(record)
            db.flush()
            return record.id

    return factory


@pytest.fixture
def grant(app: Flask) -> Callable[..., int]:
    """Give a user a grant on a record for ``days`` (negative: already expired); returns its id."""

    def factory(record_id: int, username: str = "researcher", days: float = 7) -> int:
        with app.extensions["lantai"].catalog.session() as db:
            user_id = db.query(User.id).filter(User.username == username).scalar()
            row = Grant(user_id=user_id, record_id=record_id, expires_at=utcnow() + dt.timedelta(days=days))
            db.add(row)
            db.flush()
            return row.id

    return factory
