"""Recording the end of access: one ``access_expire`` audit event per grant that ran out.

Grants are checked when they are used (``archive.access.has_grant`` compares ``expires_at``
with now), so nothing happens at the moment a grant ends. The portal records the expiry the
first time it sees the expired grant (a researcher opening or searching the record), once
per grant: a grant already named by an ``access_expire`` event is not recorded again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.audit import service as audit
from archive.audit.service import Actor, Target
from archive.catalog.accounts import AccessRequest, Grant, User
from archive.catalog.audit import AuditEvent
from archive.catalog.models import Record, utcnow
from archive.vocabulary import AuditAction

GRANT = "grant"  # object_type of an access_expire event; object_id is the grant's id

# write(session, grant, record, details): appends the event (audit_or_refuse or record_event)
Writer = Callable[[Session, Grant, Record | None, dict[str, object]], object]


def unrecorded_expiries(
    session: Session, *, user_id: int | None = None, record_id: int | None = None, now: dt.datetime | None = None
) -> list[Grant]:
    """Grants (of one user or record, or all) past ``expires_at``, unrevoked, with no expiry event yet."""
    now = now or utcnow()
    stmt = select(Grant).where(Grant.revoked_at.is_(None), Grant.expires_at <= now)
    if user_id is not None:
        stmt = stmt.where(Grant.user_id == user_id)
    if record_id is not None:
        stmt = stmt.where(Grant.record_id == record_id)
    grants = list(session.scalars(stmt.order_by(Grant.expires_at, Grant.id)))
    if not grants:
        return []
    recorded = set(
        session.scalars(
            select(AuditEvent.object_id).where(
                AuditEvent.action == AuditAction.ACCESS_EXPIRE,
                AuditEvent.object_type == GRANT,
                AuditEvent.object_id.in_([str(g.id) for g in grants]),
            )
        )
    )
    return [g for g in grants if str(g.id) not in recorded]


def record_expiries(session: Session, grants: list[Grant], write: Writer) -> int:
    """Append one ``access_expire`` event per grant with ``write``, in ``session``; how many."""
    for grant in grants:
        purpose = None
        if grant.request_id is not None:
            purpose = session.scalar(select(AccessRequest.purpose).where(AccessRequest.id == grant.request_id))
        details: dict[str, object] = {
            "user_id": grant.user_id,
            "access_request_id": grant.request_id,
            "expires_at": grant.expires_at.isoformat(),
            "purpose": purpose,
        }
        write(session, grant, session.get(Record, grant.record_id), details)
    return len(grants)


def expire_grants(session: Session, now: dt.datetime | None = None, actor: Actor | None = None) -> int:
    """Record every grant that ran out and was not recorded yet, as ``actor`` (the scheduler); how many."""
    who = actor or Actor.system("scheduler")

    def write(db: Session, grant: Grant, record: Record | None, details: dict[str, object]) -> object:
        user = db.get(User, grant.user_id)
        purpose = details.pop("purpose", None)
        details["username"] = user.username if user is not None else None
        target = Target(GRANT, grant.id, grant.record_id, record.reference_code if record is not None else None)
        return audit.record(
            db, AuditAction.ACCESS_EXPIRE, who, target, details, purpose=str(purpose) if purpose else None
        )

    return record_expiries(session, unrecorded_expiries(session, now=now), write)
