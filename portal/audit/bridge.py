"""From the portal's ``events.emit(name, **fields)`` calls to audit events.

``portal/events.py`` names each security-relevant action once; ``emit_to_audit`` turns
such a call into an audit event of the current request (``emit_outside_request``: the CLI's).
Pass ``session`` to write the event in the action's own transaction; without one the event
gets a transaction of its own, committed before the response leaves (and a failure still refuses the response).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from archive.audit import service as audit
from archive.audit.service import Actor, Target
from archive.catalog.audit import AuditEvent
from archive.catalog.models import Record
from archive.vocabulary import AuditAction, Outcome
from portal.audit.web import audit_or_refuse, current_actor

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
    "metadata_edit": AuditAction.METADATA_EDIT,
    "export": AuditAction.EXPORT,
}
_USER_TARGETS = {"user_created", "user_disabled", "user_enabled", "user_role_changed", "user_password_reset"}
_ACCESS = {"access_requested", "access_approved", "access_denied"}


@dataclass
class _Event:
    """The audit fields of one portal event, before the request (or CLI) adds who and where."""

    action: AuditAction
    actor: Actor | None = None  # None: the request's user
    object_type: str | None = None
    object_id: Any = None
    record_id: int | None = None
    reference_code: str | None = None
    outcome: str = Outcome.ALLOWED
    purpose: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


def _event(name: str, fields: dict[str, Any]) -> _Event:
    fields = dict(fields)
    fields.pop("actor", None)  # the acting user comes from the request (g.user), or the CLI's name
    event = _Event(PORTAL_EVENTS[name], purpose=fields.pop("purpose", None))
    if name == "login_failed":
        event.actor = Actor(None, fields.get("username"), None)
        event.outcome = Outcome.DENIED
    elif name in _USER_TARGETS or name in {"password_changed", "token_created", "token_deleted"}:
        event.object_type, event.object_id = "user", fields.get("user_id")
    elif name in _ACCESS:
        event.record_id = fields.get("record_id")
        event.object_type, event.object_id = "access_request", fields.get("request_id")
        if name == "access_denied":
            event.outcome = Outcome.DENIED
    elif name == "metadata_edit":
        event.record_id = fields.pop("record_id", None)
        event.object_type, event.object_id = "record", event.record_id
    elif name == "export":
        what = (fields.get("details") or {}).get("what") if isinstance(fields.get("details"), dict) else None
        event.object_type = str(what or "export")
    event.reference_code = fields.pop("reference_code", None)
    # "request_id" in portal events is an access request's id; the audit's request_id is the HTTP request's.
    if "request_id" in fields:
        fields["access_request_id"] = fields.pop("request_id")
    fields.pop("ip", None)  # taken from the request, honouring trusted proxies
    nested = fields.pop("details", None)  # describe's events carry their details as one dict
    if isinstance(nested, dict):
        fields = {**nested, **fields}
    event.details = {k: v for k, v in fields.items() if v is not None}
    return event


def _record_of(db: Session, event: _Event) -> Record | None:
    """The record named by the event, so its 档号 is stored with it."""
    return db.get(Record, event.record_id) if event.record_id is not None and not event.reference_code else None


def emit_to_audit(name: str, /, *, session: Session | None = None, **fields: Any) -> AuditEvent:
    """Write the audit event of a portal event (raises ``AuditWriteError`` if it cannot)."""
    event = _event(name, fields)

    def write(db: Session) -> AuditEvent:
        return audit_or_refuse(
            db, event.action, record=_record_of(db, event), object_type=event.object_type,
            object_id=event.object_id, record_id=event.record_id, reference_code=event.reference_code,
            outcome=event.outcome, purpose=event.purpose, details=event.details, actor=event.actor or current_actor(),
        )

    if session is not None:
        return write(session)
    with current_app.extensions["lantai"].catalog.session() as db:
        return write(db)


def emit_outside_request(name: str, /, *, session: Session | None = None, **fields: Any) -> AuditEvent:
    """Write the audit event of a portal event raised by the CLI (``actor=`` names who ran it)."""
    actor_name = fields.get("actor")
    event = _event(name, fields)
    actor = event.actor or Actor.system(str(actor_name) if actor_name else "cli")

    def write(db: Session) -> AuditEvent:
        record = _record_of(db, event)
        target = Target(
            event.object_type, event.object_id, event.record_id,
            event.reference_code or (record.reference_code if record else None),
        )
        return audit.record(
            db, event.action, actor, target, event.details, outcome=event.outcome, purpose=event.purpose
        )

    if session is not None:
        return write(session)
    from indexer.context import current

    with current().catalog.session() as db:
        return write(db)
