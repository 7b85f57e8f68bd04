"""Audit hooks of the portal's actions: one call site per action, ``emit(action, **fields)``.

Every security-relevant action (login, logout, user changes, access requests and their
decisions, token changes, metadata edits, exports) calls ``emit`` exactly once, inside the
action's own transaction when it has one (``session=``). ``emit`` writes a log line and the
audit event (``portal.audit.bridge.emit_to_audit`` in a request, ``record_event`` with the
named actor from the CLI); a failed audit write raises ``AuditWriteError``, which rolls the
action's transaction back: the audit fails closed.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import has_request_context
from sqlalchemy.orm import Session

log = logging.getLogger("lantai.events")

ACTIONS = frozenset(
    {
        "login",
        "login_failed",
        "logout",
        "password_changed",
        "token_created",
        "token_deleted",
        "user_created",
        "user_disabled",
        "user_enabled",
        "user_role_changed",
        "user_password_reset",
        "access_requested",
        "access_approved",
        "access_denied",
        "notice_failed",
        "metadata_edit",
        "export",
    }
)


def emit(action: str, /, *, session: Session | None = None, **fields: Any) -> None:
    """Record that ``action`` happened, with its fields (user, record, request, ...).

    ``session`` is the catalog transaction of the action: the audit event commits (or rolls
    back) with it. Without one the event gets a transaction of its own. Raises
    ``AuditWriteError`` when the event cannot be written, so the action is refused.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown portal event {action!r}")
    detail = " ".join(f"{key}={value!r}" for key, value in sorted(fields.items()))
    log.info("event %s %s", action, detail, extra={"event": action, "fields": fields})
    from portal.audit.bridge import emit_outside_request, emit_to_audit

    if has_request_context():
        emit_to_audit(action, session=session, **fields)
    else:  # the CLI: no request, the actor is the name the command passes
        emit_outside_request(action, session=session, **fields)
