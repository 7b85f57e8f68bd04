"""What the portal's bell tells each user, and what they have read (per user, per kind).

Nothing is copied into an inbox: each kind is a query over the tables that already hold the
facts (access requests, review items, filing reminders), counted from the moment the user last
marked that kind read (``NotificationRead``). Who sees which kind follows the role:

* staff (archivists, administrators): access requests waiting, review items, filing reminders;
* researchers: decisions on their own requests;
* department clerks: the filing reminders of their department.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.catalog.accounts import AccessRequest, User
from archive.catalog.collection import DepartmentClerk, FilingTask, ReminderSent
from archive.catalog.description import ReviewItem, ReviewStatus
from archive.catalog.models import Record, utcnow
from archive.catalog.portal_work import NotificationRead
from archive.clock import Clock
from archive.vocabulary import STAFF_ROLES, AccessLevel, NotificationKind, RequestStatus, Role

SHOWN = 20  # items listed per kind on the notifications page


@dataclass(frozen=True)
class Notice:
    """One item of a kind: the row (a request, a review item, a reminder), when it happened, whether unread."""

    item: Any
    at: dt.datetime | None
    new: bool


@dataclass
class Notices:
    """One kind for one user: how many unread, and the newest items."""

    kind: NotificationKind
    unread: int = 0
    items: list[Notice] = field(default_factory=list)


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    """SQLite gives naive UTC datetimes, PostgreSQL aware ones: compare them as aware."""
    return moment.replace(tzinfo=dt.UTC) if moment is not None and moment.tzinfo is None else moment


def kinds_for(user: User) -> tuple[NotificationKind, ...]:
    """The kinds ``user``'s role is told about."""
    if user.role in STAFF_ROLES:
        return (NotificationKind.REQUESTS, NotificationKind.REVIEW, NotificationKind.DEADLINES)
    if user.role == Role.RESEARCHER:
        return (NotificationKind.DECISIONS,)
    if user.role == Role.CLERK:
        return (NotificationKind.DEADLINES,)
    return ()


def _query(session: Session, user: User, kind: NotificationKind) -> tuple[Any, Any]:
    """(select of the kind's items, the column that dates them)."""
    if kind == NotificationKind.REQUESTS:
        return select(AccessRequest).where(AccessRequest.status == RequestStatus.PENDING), AccessRequest.created_at
    stmt: Any
    if kind == NotificationKind.DECISIONS:
        stmt = select(AccessRequest).where(AccessRequest.user_id == user.id,
                                           AccessRequest.status != RequestStatus.PENDING)
        return stmt, AccessRequest.decided_at
    if kind == NotificationKind.REVIEW:
        stmt = select(ReviewItem).where(ReviewItem.status == ReviewStatus.PENDING)
        if user.role != Role.ADMIN:  # a secret record's suggestions are for administrators alone
            stmt = stmt.join(Record, Record.id == ReviewItem.record_id).where(Record.access_level != AccessLevel.SECRET)
        return stmt, ReviewItem.created_at
    stmt = select(ReminderSent).join(FilingTask, FilingTask.id == ReminderSent.task_id)
    if user.role not in STAFF_ROLES:
        departments = select(DepartmentClerk.department_id).where(DepartmentClerk.user_id == user.id)
        stmt = stmt.where(FilingTask.department_id.in_(departments))
    return stmt, ReminderSent.created_at


def read_marks(session: Session, user: User) -> dict[str, dt.datetime]:
    """When ``user`` last marked each kind read."""
    rows = session.scalars(select(NotificationRead).where(NotificationRead.user_id == user.id))
    return {row.kind: row.read_at for row in rows}


def unread_counts(session: Session, user: User) -> dict[NotificationKind, int]:
    """Unread items of each kind ``user`` is told about (the bell's figures)."""
    marks = read_marks(session, user)
    counts: dict[NotificationKind, int] = {}
    for kind in kinds_for(user):
        stmt, when = _query(session, user, kind)
        if kind in marks:
            stmt = stmt.where(when > marks[kind])
        counts[kind] = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    return counts


def notices(session: Session, user: User, limit: int = SHOWN) -> list[Notices]:
    """Every kind ``user`` is told about, with its unread count and newest items."""
    marks = read_marks(session, user)
    counts = unread_counts(session, user)
    found = []
    for kind in kinds_for(user):
        stmt, when = _query(session, user, kind)
        mark = _aware(marks.get(kind))
        items = []
        for row in session.scalars(stmt.order_by(when.desc()).limit(limit)):
            at = _aware(getattr(row, when.key))
            items.append(Notice(row, at, mark is None or (at is not None and at > mark)))
        found.append(Notices(kind, counts[kind], items))
    return found


def mark_read(session: Session, user: User, kind: str | None = None, *, clock: Clock | None = None) -> None:
    """Mark one kind (``None``: every kind of the user) read up to now."""
    now = clock.now() if clock is not None else utcnow()
    wanted = kinds_for(user) if kind is None else (NotificationKind.parse(kind),)
    existing = {row.kind: row for row in
                session.scalars(select(NotificationRead).where(NotificationRead.user_id == user.id))}
    for each in wanted:
        row = existing.get(each.value)
        if row is None:
            session.add(NotificationRead(user_id=user.id, kind=each.value, read_at=now))
        else:
            row.read_at = now
    session.flush()
