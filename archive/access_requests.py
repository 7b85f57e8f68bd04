"""The access request workflow: ask, approve (with an expiry, making a grant), deny (with a reason)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.access import can_request, check_metadata
from archive.audit import service as audit
from archive.audit.service import Actor, Target, Where
from archive.catalog.accounts import AccessRequest, Grant, User
from archive.catalog.models import Record, is_catalog_id, utcnow
from archive.vocabulary import AuditAction, Outcome, RequestStatus
from config.errors import InputError, LantaiError

MAX_DAYS = 365


class RequestError(InputError):
    """An access request that cannot be made or decided."""

    code = "bad_access_request"


class AlreadyDecided(LantaiError):
    """The request was decided before (by someone else, or twice)."""

    code = "request_decided"
    http_status = 409
    default_zh = "该申请已处理"
    default_en = "This request has already been decided"


def find_record(db: Session, user: User, ref: str) -> Record:
    """A record named by id or by reference code (档号) that ``user`` may know of (else 404)."""
    ref = ref.strip()
    if ref.isascii() and ref.isdigit():
        record = db.get(Record, int(ref)) if is_catalog_id(int(ref)) else None
    else:
        record = db.scalar(select(Record).where(Record.reference_code == ref))
    return check_metadata(user, record, db, public_search=False)  # requesters are signed in


def ask(
    db: Session, user: User, record: Record, purpose: str, days: int, *, where: Where | None = None
) -> AccessRequest:
    """File a request of ``user`` for ``record`` (audited); ``RequestError`` when it cannot be asked for."""
    if not can_request(user, record, db):
        raise RequestError(
            "Access can be requested only by researchers, for restricted records they cannot read yet",
            "只有研究人员可以申请利用其尚无权查看的受控档案",
        )
    purpose = purpose.strip()
    if len(purpose) < 4:
        raise RequestError("Describe the purpose of use (at least 4 characters)", "请说明利用目的（至少 4 个字）")
    if not 1 <= days <= MAX_DAYS:
        raise RequestError(f"The period must be 1 to {MAX_DAYS} days", f"利用期限须为 1 至 {MAX_DAYS} 天")
    pending = db.scalar(
        select(AccessRequest.id).where(
            AccessRequest.user_id == user.id,
            AccessRequest.record_id == record.id,
            AccessRequest.status == RequestStatus.PENDING,
        )
    )
    if pending is not None:
        raise RequestError("You already have a pending request for this record", "您对该档案已有待处理的申请")
    request = AccessRequest(
        user_id=user.id, record_id=record.id, purpose=purpose, days_requested=days, status=RequestStatus.PENDING
    )
    db.add(request)
    db.flush()
    audit.record(db, AuditAction.ACCESS_REQUEST, Actor.of(user), Target.of("access_request", request.id, record),
                 {"user_id": user.id, "days": days}, purpose=purpose, where=where)
    return request


def _pending(request: AccessRequest) -> None:
    if request.status != RequestStatus.PENDING:
        raise AlreadyDecided()


def approve(
    db: Session,
    request: AccessRequest,
    decider: User,
    expires_at: dt.datetime,
    note: str = "",
    *,
    where: Where | None = None,
) -> Grant:
    """Approve until ``expires_at`` (audited): the request is closed and a grant opens the record."""
    _pending(request)
    if expires_at <= utcnow():
        raise RequestError("The expiry must be in the future", "到期时间必须晚于现在")
    request.status = RequestStatus.APPROVED
    request.decided_at = utcnow()
    request.decided_by_id = decider.id
    request.expires_at = expires_at
    request.reason = note.strip() or None
    grant = Grant(
        user_id=request.user_id,
        record_id=request.record_id,
        request_id=request.id,
        granted_by_id=decider.id,
        expires_at=expires_at,
    )
    db.add(grant)
    db.flush()
    _audit_decision(db, request, decider, AuditAction.ACCESS_APPROVE, where)
    return grant


def _audit_decision(
    db: Session, request: AccessRequest, decider: User, action: AuditAction, where: Where | None
) -> None:
    record = db.get(Record, request.record_id)
    details = {
        "user_id": request.user_id,
        "expires_at": request.expires_at.isoformat() if request.expires_at else None,
        "reason": request.reason,
    }
    outcome = Outcome.ALLOWED if action == AuditAction.ACCESS_APPROVE else Outcome.DENIED
    audit.record(db, action, Actor.of(decider), Target.of("access_request", request.id, record),
                 {k: v for k, v in details.items() if v is not None}, outcome=outcome, purpose=request.purpose,
                 where=where)


def deny(db: Session, request: AccessRequest, decider: User, reason: str, *, where: Where | None = None) -> None:
    """Deny with a reason the researcher will read (audited)."""
    _pending(request)
    if not reason.strip():
        raise RequestError("Give the researcher a reason for the denial", "请填写不予批准的理由")
    request.status = RequestStatus.DENIED
    request.decided_at = utcnow()
    request.decided_by_id = decider.id
    request.reason = reason.strip()
    _audit_decision(db, request, decider, AuditAction.ACCESS_DENY, where)


def queue(db: Session, limit: int = 200) -> list[AccessRequest]:
    """Requests for the archivists: pending first (oldest first), then recent decisions."""
    pending = list(
        db.scalars(
            select(AccessRequest)
            .where(AccessRequest.status == RequestStatus.PENDING)
            .order_by(AccessRequest.created_at)
        )
    )
    decided = list(
        db.scalars(
            select(AccessRequest)
            .where(AccessRequest.status != RequestStatus.PENDING)
            .order_by(AccessRequest.decided_at.desc())
            .limit(limit)
        )
    )
    return pending + decided


def mine(db: Session, user: User) -> list[AccessRequest]:
    """A researcher's own requests, newest first."""
    return list(
        db.scalars(
            select(AccessRequest).where(AccessRequest.user_id == user.id).order_by(AccessRequest.created_at.desc())
        )
    )
