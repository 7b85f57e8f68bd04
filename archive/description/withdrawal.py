"""Withdrawing a record from the portal (撤下), and restoring it: never a deletion.

A withdrawn record keeps its description, files and pages; it leaves search before the
change is visible (``mark_changed`` with the record now out of the index), and only archive
staff still see it (``archive.access``), with who withdrew it, when and why. Both steps are
audited by the actor the caller names (web, API, CLI alike).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from archive.audit import service as audit
from archive.audit.service import Target
from archive.catalog.db import mark_changed
from archive.catalog.models import Record, utcnow
from archive.clock import Clock
from archive.description.records import Editor, visible_records
from archive.vocabulary import AuditAction
from config.errors import InputError

MAX_REASON = 2000


class WithdrawalError(InputError):
    """A withdrawal or restore the archive refuses (no reason, already withdrawn, not withdrawn)."""

    code = "withdrawal_refused"


def withdraw_record(
    session: Session, record_id: int, reason: str, editor: Editor, *, clock: Clock | None = None
) -> Record:
    """Withdraw one record from the portal with ``reason``; audited, and out of search."""
    reason = (reason or "").strip()
    if not reason:
        raise WithdrawalError("Give a reason for withdrawing the record", "请填写撤下档案的原因")
    if len(reason) > MAX_REASON:
        raise WithdrawalError(f"The reason is longer than {MAX_REASON} characters",
                              f"原因超过 {MAX_REASON} 个字符")
    (record,) = visible_records(session, [record_id], editor)
    if record.withdrawn_at is not None:
        raise WithdrawalError(f"Record {record_id} is already withdrawn", f"档案 {record_id} 已经撤下")
    record.withdrawn_at = clock.now() if clock is not None else utcnow()
    record.withdrawn_by, record.withdrawn_reason = editor.name, reason
    record.touch()
    session.flush()
    mark_changed(session, record.id, record.access_level)
    audit.record(session, AuditAction.RECORD_WITHDRAW, editor.actor, Target.record(record),
                 {"reason": reason}, where=editor.where)
    return record


def restore_record(session: Session, record_id: int, editor: Editor) -> Record:
    """Bring a withdrawn record back to the portal and into search; audited."""
    (record,) = visible_records(session, [record_id], editor)
    if record.withdrawn_at is None:
        raise WithdrawalError(f"Record {record_id} is not withdrawn", f"档案 {record_id} 未被撤下")
    reason = record.withdrawn_reason
    record.withdrawn_at = record.withdrawn_by = record.withdrawn_reason = None
    record.touch()
    session.flush()
    mark_changed(session, record.id, record.access_level)
    audit.record(session, AuditAction.RECORD_RESTORE, editor.actor, Target.record(record),
                 {"withdrawn_reason": reason}, where=editor.where)
    return record
