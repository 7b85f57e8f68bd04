"""Setting description fields on a record, and the review queue of low-confidence suggestions.

Every change a person makes is returned as a ``FieldChange`` so that the caller (portal,
CLI) can write one audit event per change; the record's revision is bumped so the search
index picks the change up.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.catalog.description import ReviewItem, ReviewStatus
from archive.catalog.models import Record, utcnow
from archive.description.provenance import set_provenance, update_extra
from archive.description.schema import EDITABLE_FIELDS, Vocabulary, normalize_value
from config.errors import InputError, NotFoundError

# Suggestions kept in record.extra rather than in a column of their own.
EXTRA_FIELDS: tuple[str, ...] = ("addressee", "urgency")
REVIEWABLE_FIELDS: tuple[str, ...] = (*EDITABLE_FIELDS, *EXTRA_FIELDS)


@dataclass(frozen=True)
class FieldChange:
    """One field of one record changed by a person: the caller records it as an audit event."""

    record_id: int
    field: str
    old: str | None
    new: str | None
    user: str
    via: str  # "batch", "review", "import"

    def to_dict(self) -> dict[str, Any]:
        """The JSON form for audit events and API answers."""
        return {
            "record_id": self.record_id,
            "field": self.field,
            "old": self.old,
            "new": self.new,
            "user": self.user,
            "via": self.via,
        }


def as_text(value: Any) -> str | None:
    """A field value as stored in review items and audit events."""
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def get_field(record: Record, name: str) -> Any:
    """A description field of the record (columns, or ``extra`` for addressee and urgency)."""
    if name in EXTRA_FIELDS:
        return (record.extra or {}).get(name)
    return getattr(record, name)


def put_field(record: Record, name: str, value: Any) -> None:
    """Set a description field (value already normalised)."""
    if name in EXTRA_FIELDS:
        update_extra(record, name, value)
    else:
        setattr(record, name, value)


def normalize_field(name: str, value: Any, vocabulary: Vocabulary | None = None) -> Any:
    """``normalize_value`` that also accepts the extra fields; rejects fields staff may not set."""
    if name in EXTRA_FIELDS:
        return None if value in (None, "") else str(value).strip()
    if name not in EDITABLE_FIELDS:
        raise InputError(
            f"{name!r} cannot be set here (档号 and 件号 are assigned or imported, never edited)",
            f"不能在此修改字段 {name!r}（档号和件号由系统分配或导入，不可编辑）",
        )
    return normalize_value(name, value, vocabulary)


def pending_fields(session: Session, record_id: int) -> list[str]:
    """Fields of the record with a suggestion waiting for review."""
    query = select(ReviewItem.field).where(ReviewItem.record_id == record_id, ReviewItem.status == ReviewStatus.PENDING)
    return sorted(set(session.scalars(query)))


def queue_suggestion(
    session: Session, record: Record, name: str, value: str, confidence: float, source: str
) -> ReviewItem | None:
    """Put a suggestion in the review queue, unless staff already rejected that value.

    One pending item per record and field: a better suggestion replaces a weaker one.
    """
    existing = list(
        session.scalars(select(ReviewItem).where(ReviewItem.record_id == record.id, ReviewItem.field == name))
    )
    if any(i.status == ReviewStatus.REJECTED and i.suggested_value == value for i in existing):
        return None
    for item in existing:
        if item.status == ReviewStatus.PENDING:
            if confidence > item.confidence:
                item.suggested_value, item.confidence, item.source = value, confidence, source
            return item
    item = ReviewItem(
        record_id=record.id,
        field=name,
        suggested_value=value,
        confidence=round(confidence, 3),
        source=source,
        status=ReviewStatus.PENDING,
    )
    session.add(item)
    session.flush()
    return item


def list_review_items(
    session: Session,
    status: str | None = ReviewStatus.PENDING,
    record_id: int | None = None,
    field: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[ReviewItem]:
    """The review queue for the portal, lowest confidence first."""
    query = select(ReviewItem)
    if status:
        query = query.where(ReviewItem.status == status)
    if record_id is not None:
        query = query.where(ReviewItem.record_id == record_id)
    if field:
        query = query.where(ReviewItem.field == field)
    query = query.order_by(ReviewItem.confidence, ReviewItem.id).limit(limit).offset(offset)
    return list(session.scalars(query))


def _pending_item(session: Session, item_id: int) -> tuple[ReviewItem, Record]:
    item = session.get(ReviewItem, item_id)
    if item is None:
        raise NotFoundError(f"No review item {item_id}", f"待审核项 {item_id} 不存在")
    if item.status != ReviewStatus.PENDING:
        raise InputError(
            f"Review item {item_id} was already {item.status} by {item.decided_by}",
            f"待审核项 {item_id} 已由 {item.decided_by} 处理（{item.status}）",
        )
    record = session.get(Record, item.record_id)
    if record is None:
        raise NotFoundError(f"No record {item.record_id}", f"档案 {item.record_id} 不存在")
    return item, record


def decide_review(
    session: Session, item_id: int, user: str, accept: bool, value: Any = None, vocabulary: Vocabulary | None = None
) -> tuple[ReviewItem, Record, FieldChange | None]:
    """Accept (with the suggested or a corrected value) or reject one review item."""
    item, record = _pending_item(session, item_id)
    item.decided_by, item.decided_at = user, utcnow()
    if not accept:
        item.status = ReviewStatus.REJECTED
        return item, record, None
    raw = item.suggested_value if value is None or value == "" else value
    new = normalize_field(item.field, raw, vocabulary)
    corrected = as_text(new) != item.suggested_value
    item.status = ReviewStatus.CORRECTED if corrected else ReviewStatus.ACCEPTED
    item.final_value = as_text(new)
    old = get_field(record, item.field)
    put_field(record, item.field, new)
    set_provenance(record, {item.field: (user, "review")})
    record.touch()
    return item, record, FieldChange(record.id, item.field, as_text(old), as_text(new), user, "review")


def apply_changes(
    session: Session,
    records: list[Record],
    changes: dict[str, Any],
    user: str,
    via: str,
    vocabulary: Vocabulary | None = None,
) -> list[FieldChange]:
    """Set the same fields on several records as a person; every actual change is returned.

    All values are checked before any record is touched, so a bad value changes nothing.
    Pending review items of a field a person set are closed as corrected.
    """
    values = {name: normalize_field(name, value, vocabulary) for name, value in changes.items()}
    done: list[FieldChange] = []
    for record in records:
        changed: dict[str, tuple[str, str]] = {}
        for name, new in values.items():
            old = get_field(record, name)
            if as_text(old) == as_text(new):
                continue
            put_field(record, name, new)
            changed[name] = (user, via)
            done.append(FieldChange(record.id, name, as_text(old), as_text(new), user, via))
        if changed:
            set_provenance(record, changed)
            record.touch()
            for item in session.scalars(
                select(ReviewItem).where(
                    ReviewItem.record_id == record.id,
                    ReviewItem.field.in_(list(changed)),
                    ReviewItem.status == ReviewStatus.PENDING,
                )
            ):
                item.status, item.decided_by, item.decided_at = ReviewStatus.CORRECTED, user, utcnow()
                item.final_value = as_text(get_field(record, item.field))
    return done
