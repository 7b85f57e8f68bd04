"""Who is asking and what they may see: the one place the record routes check access.

Every route of the record, upload and API areas that touches a record goes through
``visible_record`` (metadata) or ``readable_record`` (page images, text, downloads), which
call ``archive.access.load_record``: a record the caller may not know about is a 404, the
same as a record that does not exist; one they may know of but not read is a 403.

Auditing helpers live here too, since they need the same "who is asking": the purpose
(利用目的) of a researcher's grant, a 403 recorded as a denied event, and grants seen expired.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import current_app, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.access import (
    RESTRICTED,
    AccessDenied,
    Clearance,
    RecordHidden,
    can_request,
    can_view_content,
    can_view_metadata,
    clearance_for,
    load_record,
)
from archive.catalog.accounts import AccessRequest, Grant
from archive.catalog.models import Record, is_catalog_id, utcnow
from archive.vocabulary import AuditAction, Outcome, Role
from config.errors import LantaiError
from indexer.context import Lantai
from indexer.search.discovery import parse_fields
from portal.auth import current_user as auth_current_user


class StaffOnly(LantaiError):
    """Only archivists and administrators may do this."""

    code = "staff_only"
    http_status = 403
    default_zh = "仅限档案工作人员"
    default_en = "Archive staff only"


class SignInRequired(LantaiError):
    """The action needs a signed-in user (or an API token)."""

    code = "unauthorized"
    http_status = 401
    default_zh = "请先登录（或使用 API 令牌）"
    default_en = "Please sign in (or use an API token) first"


def lantai() -> Lantai:
    """The app's Lantai context."""
    return current_app.extensions["lantai"]


def current_user() -> Any:
    """The signed-in user (``None`` for an anonymous visitor), as portal-core's auth set it."""
    return auth_current_user()


def user_name(user: Any) -> str:
    """The name stamped on downloads."""
    if user is None:
        return "访客 guest"
    return str(getattr(user, "label", None) or getattr(user, "username", "user"))


def public_search() -> bool:
    """The setting ``LANTAI_PUBLIC_SEARCH``: whether anonymous visitors may search and read open records."""
    return lantai().settings.public_search


def clearance(session: Session) -> Clearance:
    """The current caller's clearance for searches."""
    return clearance_for(current_user(), session, public_search=public_search())


def visible_record(session: Session, record_id: int) -> Record:
    """The record if the caller may see its description; else 404 (as for a missing record)."""
    try:
        return load_record(current_user(), record_id, session, public_search=public_search())
    except RecordHidden:
        note_hidden(record_id)
        raise


def readable_record(session: Session, record_id: int) -> Record:
    """The record if the caller may read its pages and files; 403 when only its description is visible."""
    try:
        return load_record(current_user(), record_id, session, public_search=public_search(), content=True)
    except RecordHidden:
        note_hidden(record_id)
        raise


def note_hidden(record_id: int) -> None:
    """Record a 404 given for a record that exists but is hidden from the caller (``record_hidden``).

    The caller sees exactly what a missing record gives; the audit trail shows who probed which
    hidden records (enumeration). Written in a transaction of its own, since the request's rolls back.
    """
    from portal.audit.web import audit_or_refuse

    with lantai().catalog.session() as session:
        record = session.get(Record, record_id) if is_catalog_id(record_id) else None
        if record is not None:
            audit_or_refuse(session, AuditAction.RECORD_HIDDEN, record=record, outcome=Outcome.DENIED,
                            details={"path": request.path})


def may_see(session: Session, record: Record) -> bool:
    """Whether the caller may see this record's description."""
    return bool(can_view_metadata(current_user(), record, session, public_search=public_search()))


def may_read(session: Session, record: Record) -> bool:
    """Whether the caller may read this (visible) record's content."""
    return bool(can_view_content(current_user(), record, session, public_search=public_search()))


def entry_only(record: Record, readable: bool) -> frozenset[str] | None:
    """For a researcher who may not read a restricted record: the public catalogue fields
    (``LANTAI_DISCOVERY_FIELDS``) and nothing else; None when the whole description may show."""
    user = current_user()
    if readable or user is None or user.role != Role.RESEARCHER or record.access_level != RESTRICTED:
        return None
    fields = parse_fields(lantai().settings.discovery_fields)
    return frozenset({*fields, "access_level", *(("year",) if "date" in fields else ())})


def may_request(session: Session, record: Record) -> bool:
    """Whether the caller may ask for access to this record (a researcher, a restricted record)."""
    return bool(can_request(current_user(), record, session))


def require_staff() -> Any:
    """The current user if staff; ``SignInRequired`` for anonymous callers, else ``StaffOnly``."""
    user = current_user()
    if user is None:
        raise SignInRequired()
    if not getattr(user, "is_staff", False):
        raise StaffOnly()
    return user


def _researcher() -> Any:
    user = current_user()
    return user if user is not None and user.active and user.role == Role.RESEARCHER else None


def purpose_for(session: Session, record: Record) -> str | None:
    """The purpose (利用目的) of the researcher's approved request that opens this restricted record."""
    user = _researcher()
    if user is None or record.access_level != RESTRICTED:
        return None
    return session.scalar(
        select(AccessRequest.purpose)
        .join(Grant, Grant.request_id == AccessRequest.id)
        .where(Grant.user_id == user.id, Grant.record_id == record.id, Grant.revoked_at.is_(None),
               Grant.expires_at > utcnow())
        .order_by(Grant.expires_at.desc())
        .limit(1)
    )


def note_expired_grants(session: Session, record: Record) -> int:
    """Record ``access_expire`` for the caller's grants on ``record`` that ran out and were not yet recorded."""
    from archive.audit.service import Actor
    from archive.grants import GRANT, record_expiries, unrecorded_expiries
    from portal.audit.web import audit_or_refuse

    user = _researcher()
    if user is None or record.access_level != RESTRICTED:
        return 0
    grants = unrecorded_expiries(session, user_id=user.id, record_id=record.id)

    def write(db: Session, grant: Grant, found: Record | None, details: dict[str, object]) -> object:
        purpose = details.pop("purpose", None)
        details["username"] = user.username
        # The expiry is the system's doing, seen during this user's request (whose IP etc. it keeps).
        return audit_or_refuse(db, AuditAction.ACCESS_EXPIRE, record=found, object_type=GRANT, object_id=grant.id,
                               purpose=str(purpose) if purpose else None, details=details,
                               actor=Actor.system("system"))

    return record_expiries(session, grants, write)


@contextmanager
def denials_recorded(action: str, record_id: int, **details: Any) -> Iterator[None]:
    """Record a refused content access (403) as a ``denied`` event, then let the refusal through.

    Wrap the route's whole transaction: the event is written in a fresh one after the route's
    has rolled back. A failed write turns the 403 into a 503 (still a refusal).
    """
    from portal.audit.web import audit_or_refuse

    try:
        yield
    except AccessDenied:
        with lantai().catalog.session() as session:
            record = session.get(Record, record_id)
            if record is not None:
                note_expired_grants(session, record)
            audit_or_refuse(session, action, record=record, record_id=record_id, outcome=Outcome.DENIED,
                            details={k: v for k, v in details.items() if v is not None})
        raise


@contextmanager
def reading(action: str, record_id: int, **details: Any) -> Iterator[tuple[Session, Record]]:
    """A transaction with the record the caller may read; a refusal (403) is recorded as denied."""
    with denials_recorded(action, record_id, **details), lantai().catalog.session() as session:
        yield session, readable_record(session, record_id)
