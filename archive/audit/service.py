"""The audit service: one call, ``record(session, action, actor, target, details)``, for the
web, the API, the command line and the worker alike.

The caller says who acted (``Actor``) and on what (``Target``); the portal adds the facts of
its request (address, user agent, request id) as a ``Where``. The event is appended to the
hash chain in ``session``'s transaction (``archive.audit.chain``): if it cannot be written the
transaction fails, so the action it records is refused (the audit fails closed).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from archive.audit.chain import record_event
from archive.catalog.audit import AuditEvent
from archive.catalog.models import Record
from archive.vocabulary import Outcome


@dataclass(frozen=True)
class Actor:
    """Who did something: a user with a role, a named system actor, or an anonymous visitor (all None)."""

    id: int | None = None
    name: str | None = None
    role: str | None = None

    @classmethod
    def of(cls, user: Any) -> Actor:
        """The actor for a user account (``None``: anonymous)."""
        if user is None:
            return cls()
        return cls(getattr(user, "id", None), getattr(user, "username", None), getattr(user, "role", None))

    @classmethod
    def system(cls, name: str) -> Actor:
        """A process acting on its own: ``cli`` (an operator's command), ``worker``, ``scheduler``."""
        return cls(None, name, "system")


# The command line's actor: an operator at the server, with an administrator's view of records.
CLI = Actor.system("cli")
WORKER = Actor.system("worker")


@dataclass(frozen=True)
class Target:
    """What an event is about: an object (type and id) and, when one is concerned, a record."""

    object_type: str | None = None
    object_id: str | int | None = None
    record_id: int | None = None
    reference_code: str | None = None

    @classmethod
    def record(cls, record: Record) -> Target:
        """A record, with its 档号 at the time of the event."""
        return cls("record", record.id, record.id, record.reference_code)

    @classmethod
    def of(cls, object_type: str, object_id: str | int | None, record: Record | None = None) -> Target:
        """Any other object; ``record`` names the record it concerns (a page, a file, a request)."""
        if record is None:
            return cls(object_type, object_id)
        return cls(object_type, object_id, record.id, record.reference_code)


@dataclass(frozen=True)
class Where:
    """The facts of a web request that the portal adds to its events."""

    ip: str | None = None
    user_agent: str | None = None
    request_id: str | None = None


def record(
    session: Session,
    action: str,
    actor: Actor,
    target: Target | None = None,
    details: Mapping[str, Any] | None = None,
    *,
    outcome: str = Outcome.ALLOWED,
    purpose: str | None = None,
    where: Where | None = None,
) -> AuditEvent:
    """Append one audit event in ``session``'s transaction; ``AuditWriteError`` if it cannot be."""
    target = target or Target()
    where = where or Where()
    return record_event(
        session,
        action=action,
        actor_id=actor.id,
        actor_name=actor.name,
        actor_role=actor.role,
        object_type=target.object_type,
        object_id=target.object_id,
        record_id=target.record_id,
        reference_code=target.reference_code,
        outcome=outcome,
        ip=where.ip,
        user_agent=where.user_agent,
        request_id=where.request_id,
        purpose=purpose,
        details=details,
    )
