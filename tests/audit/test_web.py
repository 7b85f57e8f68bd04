"""Request details of events: the client address behind proxies, request ids, portal events."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, g
from sqlalchemy import select

from archive.audit.service import Actor
from archive.catalog.accounts import User
from archive.catalog.audit import AuditEvent
from archive.vocabulary import AuditAction, Outcome
from portal.audit.web import audit_or_refuse, client_ip, request_id

CHAIN = {"REMOTE_ADDR": "10.0.0.9"}


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "1.2.3.4", "10.0.0.9"),  # no proxy: the header is the client's own claim, ignored
        (1, "6.6.6.6, 1.2.3.4", "1.2.3.4"),  # one proxy: the address it saw, not the forged one
        (2, "6.6.6.6, 1.2.3.4, 172.16.0.1", "1.2.3.4"),
        (2, "1.2.3.4", "10.0.0.9"),  # fewer entries than proxies: do not trust any
    ],
)
def test_client_ip_honours_trusted_proxies(app: Flask, proxies: int, forwarded: str, expected: str) -> None:
    with app.test_request_context(headers={"X-Forwarded-For": forwarded}, environ_base=CHAIN):
        assert client_ip(trusted_proxies=proxies) == expected


def test_client_ip_through_the_portal_proxy_fix(make_app: Any) -> None:
    app = make_app(trusted_proxies=1)
    app.register_blueprint(_ip_probe())
    response = app.test_client().get("/ip", headers={"X-Forwarded-For": "6.6.6.6, 1.2.3.4"}, environ_base=CHAIN)
    assert response.get_data(as_text=True) == "1.2.3.4"


def _ip_probe() -> Any:
    from flask import Blueprint

    bp = Blueprint("ip_probe", __name__)
    bp.add_url_rule("/ip", "ip", lambda: client_ip() or "")
    return bp


def test_request_id_is_taken_only_when_well_formed(app: Flask) -> None:
    with app.test_request_context(headers={"X-Request-ID": "abc-123"}):
        assert request_id() == "abc-123"
    with app.test_request_context(headers={"X-Request-ID": "bad id<script>"}):
        made = request_id()
        assert len(made) == 32 and made == request_id()  # one id per request


def test_events_of_a_request_carry_its_actor_address_and_agent(app: Flask) -> None:
    catalog = app.extensions["lantai"].catalog
    with catalog.session() as session:
        admin = session.scalars(select(User).where(User.username == "admin")).one()
        session.expunge(admin)
    with app.test_request_context(environ_base=CHAIN, headers={"User-Agent": "Firefox"}):
        with catalog.session() as session:
            audit_or_refuse(session, AuditAction.LOGIN_FAILED, outcome=Outcome.DENIED,
                            actor=Actor(None, "mallory<b>", None), details={"reason": "bad_password"})
        g.user = admin
        with catalog.session() as session:
            audit_or_refuse(session, AuditAction.ROLE_CHANGE, object_type="user", object_id=3,
                            details={"username": "researcher", "role": "archivist"})
            audit_or_refuse(session, AuditAction.ACCESS_DENY, object_type="access_request", object_id=7,
                            record_id=11, outcome=Outcome.DENIED, details={"reason": "不符合"})
    with catalog.session() as session:
        events = list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
    failed, role, denied = events
    assert (failed.action, failed.actor_name, failed.actor_id, failed.outcome) == (
        "login_failed", "mallory<b>", None, "denied")
    assert (role.action, role.actor_name, role.actor_role, role.object_type, role.object_id) == (
        "role_change", "admin", "admin", "user", "3")
    assert (denied.action, denied.record_id, denied.outcome, denied.ip) == ("access_deny", 11, "denied", "10.0.0.9")
    assert denied.user_agent == "Firefox" and denied.request_id == role.request_id
