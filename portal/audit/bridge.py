"""From the portal's ``events.emit(name, **fields)`` calls to audit events.

``portal/events.py`` names each security-relevant action once; ``emit_to_audit`` turns
such a call into an audit event of the current request. Pass ``session`` to write the event
in the action's own transaction; without one the event gets a transaction of its own,
committed before the response leaves (and a failure still refuses the response).
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from indexer.catalog.audit import AuditAction, AuditEvent, Outcome
from portal.audit.web import Actor, audit_or_refuse, current_actor

# portal/events.py name -> audit action
PORTAL_EVENTS: dict[str, AuditAction] = {
    "login": AuditAction.LOGIN,
    "login_failed": AuditAction.LOGIN_FAILED,
    "logout": AuditAction.LOGOUT,
    "password_changed": AuditAction.PASSWORD_CHANGE,
    "token_created": AuditAction.TOKEN_CREATE,
    "token_deleted": AuditAction.TOKEN_DELETE,
    "user_created": AuditAction.USER_CREATE,
    "user_disabled": AuditAction.USER_DISABLE,
    "user_enabled": AuditAction.USER_ENABLE,
    "user_role_changed": AuditAction.ROLE_CHANGE,
    "user_password_reset": AuditAction.PASSWORD_RESET,
    "access_requested": AuditAction.ACCESS_REQUEST,
    "access_approved": AuditAction.ACCESS_APPROVE,
    "access_denied": AuditAction.ACCESS_DENY,
    "notice_failed": AuditAction.NOTICE_FAILED,
}
_USER_TARGETS = {"user_created", "user_disabled", "user_enabled", "user_role_changed", "user_password_reset"}
_ACCESS = {"access_requested", "access_approved", "access_denied"}


def emit_to_audit(name: str, *, session: Session | None = None, **fields: Any) -> AuditEvent:
    """Write the audit event of a portal event (raises ``AuditWriteError`` if it cannot)."""
    action = PORTAL_EVENTS[name]
    fields = dict(fields)
    fields.pop("actor", None)  # the acting user comes from the request (g.user)
    actor = current_actor()
    outcome = Outcome.ALLOWED
    object_type: str | None = None
    object_id: Any = None
    record_id: int | None = None
    purpose = fields.pop("purpose", None)
    if name == "login_failed":
        actor = Actor(None, fields.get("username"), None)
        outcome = Outcome.DENIED
    elif name in _USER_TARGETS or name in {"password_changed", "token_created", "token_deleted"}:
        object_type, object_id = "user", fields.get("user_id")
    elif name in _ACCESS:
        record_id = fields.get("record_id")
        object_type, object_id = "access_request", fields.get("request_id")
        if name == "access_denied":
            outcome = Outcome.DENIED
    # "request_id" in portal events is an access request's id; the audit's request_id is the HTTP request's.
    if "request_id" in fields:
        fields["access_request_id"] = fields.pop("request_id")
    fields.pop("ip", None)  # taken from the request, honouring trusted proxies
    details = {k: v for k, v in fields.items() if v is not None}

    def write(db: Session) -> AuditEvent:
        return audit_or_refuse(db, action, object_type=object_type, object_id=object_id, record_id=record_id,
                               outcome=outcome, purpose=purpose, details=details, actor=actor)

    if session is not None:
        return write(session)
    with current_app.extensions["lantai"].catalog.session() as db:
        return write(db)
