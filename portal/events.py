"""Audit hooks of the portal's actions: one call site per action, ``emit(action, **fields)``.

Every security-relevant action (login, logout, user changes, access requests and their
decisions, token changes) calls ``emit`` exactly once, inside the action's own transaction
when it has one (``session=``), so an audit write that fails can roll the action back.
Today it writes a structured log line; the lead wires it to the audit trail here, in one
place (``portal.audit.bridge.emit_to_audit(action, session=session, **fields)`` in a request;
``portal.audit.record_event`` for the CLI, whose calls pass ``actor="cli"``).
"""

from __future__ import annotations

import logging
from typing import Any

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
    }
)


def emit(action: str, *, session: Session | None = None, **fields: Any) -> None:
    """Record that ``action`` happened, with its fields (user, record, request, ...).

    ``session`` is the catalog transaction of the action, for a write that must commit with it.
    """
    del session  # used once the audit trail is wired in (see the module docstring)
    if action not in ACTIONS:
        raise ValueError(f"unknown portal event {action!r}")
    detail = " ".join(f"{key}={value!r}" for key, value in sorted(fields.items()))
    log.info("event %s %s", action, detail, extra={"event": action, "fields": fields})
