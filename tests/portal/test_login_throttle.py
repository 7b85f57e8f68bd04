"""Login throttling (finding 5g): the same answer at the same cost for known and unknown names,
and a backoff per name and address that slows a guesser without locking the owner out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask

from archive import passwords
from archive.accounts import LoginFailed, LoginLocked, authenticate, set_password
from archive.audit.service import Actor
from archive.catalog.accounts import User
from archive.clock import FixedClock
from archive.login_throttle import BACKOFF_SECONDS
from tests.portal.conftest import USERS, AuthActions

ATTACKER = "203.0.113.66"
OWNER = "198.51.100.7"


def client_at(app: Flask, address: str) -> AuthActions:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return AuthActions(client)


def test_known_and_unknown_names_get_the_same_answers(make_app: Callable[..., Flask]) -> None:
    app = make_app(login_max_failures=3)
    known = [client_at(app, ATTACKER).login("researcher", password="wrong-password") for _ in range(5)]
    unknown = [client_at(app, ATTACKER).login(username="nobody-here", password="wrong-password") for _ in range(5)]
    assert [r.status_code for r in known] == [r.status_code for r in unknown] == [401, 401, 401, 429, 429]

    def message(response: Any) -> str:
        html = response.get_data(as_text=True)
        start = html.index('role="alert"')
        return html[start : html.index("</p>", start)]

    assert [message(r) for r in known] == [message(r) for r in unknown]


@pytest.fixture
def hash_checks(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The argon2 verifications done (the real ones, counted): the cost of an answer."""
    seen: list[str] = []
    real = passwords._hasher

    class Counted:
        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

        def verify(self, password_hash: str, password: str) -> bool:
            seen.append(password)
            return real.verify(password_hash, password)

    monkeypatch.setattr(passwords, "_hasher", Counted())
    yield seen


def test_every_answer_costs_one_hash_check(make_app: Callable[..., Flask], hash_checks: list[str]) -> None:
    app = make_app(login_max_failures=2)
    with app.extensions["lantai"].catalog.session() as db:
        hashed = passwords.hash_password("gone-password-1")
        db.add(User(username="gone", password_hash=hashed, role="researcher", active=False, failed_logins=0))
    auth = client_at(app, ATTACKER)
    for name in ("researcher", "nobody-here", "gone"):
        for _ in range(4):  # wrong, wrong, then throttled twice
            before = len(hash_checks)
            auth.login(username=name, password="wrong-password")
            assert len(hash_checks) - before == 1, name
    before = len(hash_checks)
    assert auth.login("archivist").status_code == 302
    assert len(hash_checks) - before == 1


def test_the_owner_at_their_own_address_is_not_locked_out(make_app: Callable[..., Flask]) -> None:
    app = make_app(login_max_failures=5)
    attacker = client_at(app, ATTACKER)
    statuses = [attacker.login("researcher", password=f"guess-{i}").status_code for i in range(8)]
    assert statuses[:5] == [401] * 5 and set(statuses[5:]) == {429}
    assert client_at(app, OWNER).login("researcher").status_code == 302
    # Even the right password from the attacker's address waits: the backoff tells nothing.
    assert attacker.login("researcher").status_code == 429


def test_backoff_doubles_and_is_capped(make_app: Callable[..., Flask]) -> None:
    app = make_app(login_max_failures=2, login_lockout_minutes=15)
    lantai = app.extensions["lantai"]
    clock = FixedClock(dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC))
    name, password = USERS["researcher"]

    def attempt(secret: str) -> str:
        with lantai.catalog.session() as db:
            try:
                authenticate(db, name, secret, ATTACKER, lantai.settings, clock)
            except (LoginFailed, LoginLocked) as exc:
                return exc.code
        return "ok"

    assert [attempt("wrong-password") for _ in range(2)] == ["login_failed"] * 2
    waits = []
    for _ in range(6):  # each failure after the limit doubles the wait, up to the window
        assert attempt("wrong-password") == "login_locked"
        waited = 0
        while attempt("wrong-password") == "login_locked":
            clock.advance(seconds=BACKOFF_SECONDS)
            waited += BACKOFF_SECONDS
        waits.append(waited)
    assert waits[:4] == [BACKOFF_SECONDS, 2 * BACKOFF_SECONDS, 4 * BACKOFF_SECONDS, 8 * BACKOFF_SECONDS]
    assert max(waits) <= 15 * 60
    # Once the wait is over the right password works, and it clears this name's count.
    clock.advance(minutes=15)
    assert attempt(password) == "ok"
    assert attempt("wrong-password") == "login_failed"


def test_an_administrators_password_reset_clears_the_backoff(make_app: Callable[..., Flask]) -> None:
    app = make_app(login_max_failures=1)
    attacker = client_at(app, ATTACKER)
    attacker.login("researcher", password="wrong-password")
    assert attacker.login("researcher").status_code == 429
    with app.extensions["lantai"].catalog.session() as db:
        user = db.query(User).filter(User.username == "researcher").one()
        set_password(db, user, "a-new-password-2", actor=Actor(None, "admin", "admin"))
    assert attacker.login("researcher", password="a-new-password-2").status_code == 302
