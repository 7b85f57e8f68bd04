"""Legal holds (法律冻结): an administrator sets one on a record, with a reason, and while it is in
force no destruction touches the record."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.audit import service as audit
from archive.audit.service import Actor, Target, Where
from archive.catalog.lifecycle import LegalHold
from archive.catalog.models import Record
from archive.vocabulary import AuditAction, Role
from config.errors import InputError, NotFoundError
from lifecycle.errors import LifecycleRefused, NotYourSignature


def active_hold(session: Session, record_id: int) -> LegalHold | None:
    """The legal hold in force on a record, if any."""
    return session.scalar(
        select(LegalHold).where(LegalHold.record_id == record_id, LegalHold.released_at.is_(None)).limit(1)
    )


def _admin(actor: Actor) -> None:
    if actor.role not in (Role.ADMIN, "system"):
        raise NotYourSignature("Only an administrator sets or releases a legal hold",
                               "只有管理员可以设置或解除法律冻结")


def set_hold(session: Session, record_id: int, reason: str, *, actor: Actor, now: dt.datetime,
             where: Where | None = None) -> LegalHold:
    """Put a record on legal hold (administrators and the command line only)."""
    _admin(actor)
    if not reason.strip():
        raise InputError("A legal hold needs a reason", "设置法律冻结须说明理由")
    record = session.get(Record, record_id)
    if record is None:
        raise NotFoundError(f"No record {record_id}", f"档案 {record_id} 不存在")
    if active_hold(session, record_id) is not None:
        raise LifecycleRefused(f"Record {record.reference_code or record_id} is already on legal hold",
                               f"档案 {record.reference_code or record_id} 已处于法律冻结")
    hold = LegalHold(record_id=record_id, reason=reason.strip(), set_by=actor.name or "unknown", set_at=now)
    session.add(hold)
    session.flush()
    audit.record(session, AuditAction.LEGAL_HOLD_SET, actor, Target.record(record), {"reason": hold.reason},
                 where=where)
    return hold


def release_hold(session: Session, record_id: int, reason: str, *, actor: Actor, now: dt.datetime,
                 where: Where | None = None) -> LegalHold:
    """Release a record's legal hold (administrators and the command line only)."""
    _admin(actor)
    hold = active_hold(session, record_id)
    record = session.get(Record, record_id)
    if hold is None or record is None:
        raise LifecycleRefused(f"Record {record_id} is not on legal hold", f"档案 {record_id} 未处于法律冻结")
    hold.released_by, hold.released_at, hold.release_reason = actor.name, now, reason.strip() or None
    audit.record(session, AuditAction.LEGAL_HOLD_RELEASE, actor, Target.record(record), {"reason": reason},
                 where=where)
    return hold


def active_holds(session: Session) -> list[LegalHold]:
    """Every legal hold in force, newest first."""
    return list(session.scalars(select(LegalHold).where(LegalHold.released_at.is_(None)).order_by(LegalHold.id.desc())))
