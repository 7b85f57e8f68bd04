"""Changing records' description: the one service every path goes through.

The description form, batch editing, the catalogue import (portal and command line), the review
queue, the API, the command line, ingest manifests and machine description all change records
here, and ``settle`` brings the derived state along in the same transaction:

* the year follows the date;
* the access level follows 密级 and 开放标识 by the one rule (``archive.access.record_level``);
  when it changes, an ``access_level_change`` audit event records old and new level and why;
* a department named by its name or an alias gets its code (``archive.departments``);
* an empty 门类 or 保管期限 gets the matching filing-schedule line's value proposed in the review
  queue (``archive.description.schedule``; machine description fills them itself);
* the 档号 is assigned once all its parts are known, and once the record is part of the
  archive (a record in a transfer awaiting acceptance gets none); the review flag is refreshed;
* the record is marked changed, so the search index follows (before the commit when the
  change closes the record further, ``archive.catalog.db.mark_changed``).

Every change a person makes is one ``metadata_edit`` audit event, written here, by the actor
the caller names (``Editor``): the portal's user with the request's address, the operator at
the command line (``cli``), the worker.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.access import level_for, record_level
from archive.audit import service as audit
from archive.audit.service import Actor, Target, Where
from archive.catalog.db import mark_changed
from archive.catalog.description import ReviewItem
from archive.catalog.models import Record
from archive.departments import fill_record_department
from archive.description.provenance import MACHINE, set_provenance, update_extra
from archive.description.reference import assign_reference_code
from archive.description.review import (
    FieldChange,
    apply_changes,
    decide_review,
    normalize_field,
    pending_fields,
)
from archive.description.schedule import propose_from_schedule
from archive.description.schema import DescriptionError, Vocabulary, missing_mandatory
from archive.vocabulary import AccessLevel, AuditAction, Classification
from config.errors import NotFoundError, message_halves
from config.settings import Settings

SECRET_CLASSIFICATIONS = frozenset(c.value for c in Classification if c.is_secret)


@dataclass(frozen=True)
class Editor:
    """Who changes records, from where, and which records they may know of."""

    actor: Actor
    may_see: Callable[[Record], bool]
    where: Where | None = None

    @property
    def name(self) -> str:
        """The name recorded as who set a value."""
        return self.actor.name or "unknown"


def everything(_record: Record) -> bool:
    """``may_see`` of editors who know of every record: the worker and the command-line operator."""
    return True


@dataclass
class Settled:
    """What ``settle`` derived for one record."""

    level_before: str | None
    level: str
    errors: list[str] = field(default_factory=list)  # e.g. a 件号 conflict, in both languages


def settle(
    session: Session,
    record: Record,
    settings: Settings | None,
    editor: Editor,
    *,
    via: str,
    level_before: str | None = None,
) -> Settled:
    """Bring a changed record's derived state along (see the module docstring); safe to call again.

    ``level_before`` is the access level the record had before this transaction changed it
    (default: its level now); pass None for a record the transaction created.
    """
    before = record.access_level if level_before is None and record.id is not None else level_before
    errors: list[str] = []
    if record.year is None and record.date is not None:
        record.year = record.date.year
        set_provenance(record, {"year": (MACHINE, "date")})
    default = settings.default_access_level if settings is not None else AccessLevel.INTERNAL.value
    level = record_level(session, record, default).value
    if level != record.access_level:
        old = record.access_level
        record.access_level = level
        if record.id is not None and before is not None:
            audit.record(
                session,
                AuditAction.ACCESS_LEVEL_CHANGE,
                editor.actor,
                Target.record(record),
                {
                    "old": old,
                    "new": level,
                    "via": via,
                    "classification": record.classification,
                    "openness": record.openness,
                    "override": record.access_override,
                },
                where=editor.where,
            )
    problem = fill_record_department(session, record)
    if problem is not None:
        errors.append(problem)
    if via != "machine":  # machine description offers the schedule's values itself (indexer.describe)
        propose_from_schedule(session, record)
    if settings is not None and not record.reference_code and record.custody is None:
        try:
            assign_reference_code(session, record, settings.reference_code_pattern)
        except DescriptionError as exc:
            errors.append(exc.message)
    flag_review(session, record)
    record.touch()
    session.flush()
    mark_changed(session, record.id, before)
    return Settled(before, level, errors)


def flag_review(session: Session, record: Record) -> list[str]:
    """Set ``needs_review`` and ``extra["review"]`` from missing mandatory fields and pending items.

    A flag another area set before description ran (metadata problems, page errors) is kept.
    """
    missing = missing_mandatory(record)
    pending = pending_fields(session, record.id) if record.id is not None else []
    previous = (record.extra or {}).get("review")
    other = bool(record.needs_review) if previous is None else bool(previous.get("other", False))
    update_extra(record, "review", {"missing": missing, "pending": pending, "other": other})
    record.needs_review = bool(missing or pending or other)
    return missing


def check_access_change(record: Record, values: Mapping[str, Any], default: str) -> None:
    """Refuse what would open a record its 密级 closes, except by changing 密级 and 开放标识.

    * 密级 秘密/机密/绝密 cannot be cleared (declassify by setting 公开 or 内部);
    * a level set by a person (``access_override``) may close a record further, never open it
      beyond what its 密级 and 开放标识 give.
    """
    if "classification" in values and values["classification"] in (None, "") and (
        record.classification in SECRET_CLASSIFICATIONS
    ):
        raise DescriptionError(
            f"密级 {record.classification} cannot be cleared; to declassify, set it to 公开 or 内部",
            f"密级“{record.classification}”不能清空；解密请改为“公开”或“内部”",
            column="classification",
        )
    override = values.get("access_override", record.access_override)
    if not override:
        return
    classification = values.get("classification", record.classification)
    openness = values.get("openness", record.openness)
    ruled = level_for(classification, openness, default)
    decided = classification not in (None, "") or openness not in (None, "")
    if decided and AccessLevel(override).rank < ruled.rank:
        raise DescriptionError(
            f"密级 {classification or '—'} and 开放标识 {openness or '—'} make this record {ruled.en.lower()}; "
            f"it cannot be set to {AccessLevel(override).en.lower()} by hand. "
            "To open it, change its 密级 and 开放标识.",
            f"按密级“{classification or '—'}”和开放标识“{openness or '—'}”，此档案为“{ruled.zh}”，不能手工设为"
            f"“{AccessLevel(override).zh}”；如需开放，请修改密级和开放标识。",
            column="access_override",
        )


def audit_changes(session: Session, changes: Sequence[FieldChange], editor: Editor) -> None:
    """One ``metadata_edit`` event per changed field, in the change's own transaction."""
    records: dict[int, Record | None] = {}
    for change in changes:
        if change.record_id not in records:
            records[change.record_id] = session.get(Record, change.record_id)
        record = records[change.record_id]
        target = Target.record(record) if record is not None else Target("record", change.record_id, change.record_id)
        audit.record(session, AuditAction.METADATA_EDIT, editor.actor, target, change.to_dict(), where=editor.where)


def visible_records(session: Session, record_ids: Sequence[int], editor: Editor) -> list[Record]:
    """The records of ``record_ids`` in that order; ``NotFoundError`` naming those missing or hidden.

    A record the editor may not know of is reported exactly like one that does not exist.
    """
    ids = list(dict.fromkeys(record_ids))
    found = {r.id: r for r in session.scalars(select(Record).where(Record.id.in_(ids)))}
    hidden = [i for i in ids if i in found and not editor.may_see(found[i])]
    for record_id in hidden:
        audit.record(session, AuditAction.RECORD_HIDDEN, editor.actor, Target("record", record_id, record_id),
                     {"via": "edit"}, where=editor.where)
    unknown = [i for i in ids if i not in found or i in hidden]
    if unknown:
        raise NotFoundError(f"No records with ids {unknown}", f"档案不存在：{unknown}")
    return [found[i] for i in ids]


def _refusal(errors: list[str]) -> DescriptionError:
    """One error naming every stored "中文 / English" message of ``errors``, each half in its language."""
    halves = [message_halves(e) for e in errors]
    return DescriptionError("; ".join(en for _zh, en in halves), "；".join(zh for zh, _en in halves))


def edit_records(
    session: Session,
    records: Sequence[Record],
    changes: Mapping[str, Any],
    editor: Editor,
    *,
    via: str,
    settings: Settings | None,
    vocabulary: Vocabulary | None = None,
) -> list[FieldChange]:
    """Set the same fields on records as a person; every change is audited and the index follows.

    Values are checked first (``DescriptionError``), then each record's access change
    (``check_access_change``): a bad value changes nothing. 档号 and 件号 cannot be set here.
    """
    values = {name: normalize_field(name, value, vocabulary) for name, value in changes.items()}
    default = settings.default_access_level if settings is not None else AccessLevel.INTERNAL.value
    for record in records:
        check_access_change(record, values, default)
    before = {record.id: record.access_level for record in records}
    done = apply_changes(session, list(records), values, editor.name, via, vocabulary)
    changed_ids = {change.record_id for change in done}
    errors: list[str] = []
    for record in records:
        if record.id in changed_ids:
            errors += settle(session, record, settings, editor, via=via, level_before=before[record.id]).errors
    audit_changes(session, done, editor)
    if errors:
        raise _refusal(errors)
    return done


def edit_record(
    session: Session,
    record_id: int,
    changes: Mapping[str, Any],
    editor: Editor,
    *,
    settings: Settings | None,
    via: str = "form",
) -> list[FieldChange]:
    """Edit one record's description (the portal's form, the API, ``lantai records set``)."""
    records = visible_records(session, [record_id], editor)
    return edit_records(session, records, changes, editor, via=via, settings=settings)


def batch_update(
    session: Session,
    record_ids: Sequence[int],
    changes: Mapping[str, Any],
    editor: Editor,
    *,
    settings: Settings | None,
    vocabulary: Vocabulary | None = None,
) -> list[FieldChange]:
    """Set the same fields on several records (batch editing); unknown or hidden ids change nothing.

    A "batch" of one record is a single edit, and audited as one (``via`` form).
    """
    records = visible_records(session, record_ids, editor)
    via = "batch" if len(records) > 1 else "form"
    return edit_records(session, records, changes, editor, via=via, settings=settings, vocabulary=vocabulary)


def confirm_review(
    session: Session,
    item_id: int,
    editor: Editor,
    value: Any = None,
    *,
    settings: Settings | None = None,
    vocabulary: Vocabulary | None = None,
) -> FieldChange:
    """Accept a suggestion (or enter ``value`` instead); audited, derived state and index follow."""
    item = _review_item(session, item_id, editor)
    record = session.get(Record, item.record_id)
    before = record.access_level if record is not None else None
    if record is not None and item.field in ("classification", "openness", "access_override"):
        raw = item.suggested_value if value in (None, "") else value
        default = settings.default_access_level if settings is not None else AccessLevel.INTERNAL.value
        check_access_change(record, {item.field: normalize_field(item.field, raw, vocabulary)}, default)
    _item, record, change = decide_review(session, item_id, editor.name, True, value, vocabulary)
    settle(session, record, settings, editor, via="review", level_before=before)
    assert change is not None  # noqa: S101 - accept always changes or confirms the field
    audit_changes(session, [change], editor)
    return change


def reject_review(session: Session, item_id: int, editor: Editor, *, settings: Settings | None = None) -> ReviewItem:
    """Reject a suggestion: the field stays as it is, and the value is not suggested again."""
    _review_item(session, item_id, editor)
    item, record, _change = decide_review(session, item_id, editor.name, False)
    settle(session, record, settings, editor, via="review")
    return item


def take_into_archive(
    session: Session,
    records: Sequence[Record],
    changes: Mapping[str, Any],
    editor: Editor,
    *,
    settings: Settings | None,
    via: str = "transfer",
) -> list[FieldChange]:
    """Accept submitted records into the archive: set ``changes`` (fonds, 门类, 保管期限 ...), end
    their custody, and settle them, so each gets its 档号 and joins search; audited like any edit.
    """
    for record in records:
        record.custody = None
    done = edit_records(session, records, changes, editor, via=via, settings=settings) if changes else []
    changed = {change.record_id for change in done}
    errors: list[str] = []
    for record in records:
        if record.id not in changed:
            errors += settle(session, record, settings, editor, via=via).errors
    if errors:
        raise _refusal(errors)
    return done


def _review_item(session: Session, item_id: int, editor: Editor) -> ReviewItem:
    """The review item, if its record is one the editor may know of (else as if it did not exist)."""
    item = session.get(ReviewItem, item_id)
    record = session.get(Record, item.record_id) if item is not None else None
    if item is None or record is None or not editor.may_see(record):
        raise NotFoundError(f"No review item {item_id}", f"待审核项 {item_id} 不存在")
    return item


__all__ = [
    "Editor",
    "FieldChange",
    "Settled",
    "audit_changes",
    "batch_update",
    "check_access_change",
    "confirm_review",
    "edit_record",
    "edit_records",
    "everything",
    "flag_review",
    "reject_review",
    "settle",
    "take_into_archive",
    "visible_records",
]
