"""Appraisal (鉴定) of records whose retention has expired: per record, extend retention with a new
period and a reason, or propose destruction.

Extending to 永久 changes the record's 保管期限 through the record service; a fixed extension (D10,
D30) keeps the description and sets the year of the next appraisal. A destruction proposal keeps
the record's revision, so a record changed after it was appraised is not destroyed on it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy.orm import Session

from archive.audit import service as audit
from archive.audit.service import Actor, Target, Where
from archive.catalog.lifecycle import Appraisal
from archive.catalog.models import Record
from archive.description.records import Editor, edit_records, everything
from archive.vocabulary import AppraisalDecision, AuditAction, Retention
from config.errors import InputError, NotFoundError
from config.settings import Settings
from lifecycle.due import expiry_year
from lifecycle.errors import LifecycleRefused


def appraise(
    session: Session,
    record_ids: Sequence[int],
    decision: str,
    reason: str,
    *,
    actor: Actor,
    settings: Settings,
    now: dt.datetime,
    retention: str | None = None,
    where: Where | None = None,
) -> list[Appraisal]:
    """Appraise each record; all are checked first, so a refused one leaves every record as it was."""
    choice = AppraisalDecision.parse(decision)
    if not reason.strip():
        raise InputError("An appraisal needs a reason (鉴定意见)", "鉴定须填写鉴定意见")
    period: Retention | None = None
    if choice == AppraisalDecision.EXTEND:
        if not retention:
            raise InputError("Extending retention needs the new period (D10, D30 or Y)",
                             "延长保管期限须指定新的期限（定期10年、定期30年或永久）")
        period = Retention.parse(retention)
    records = []
    for record_id in dict.fromkeys(record_ids):
        record = session.get(Record, record_id)
        if record is None or record.custody is not None:
            raise NotFoundError(f"No record {record_id} in the archive", f"档案 {record_id} 不存在")
        label = record.reference_code or str(record.id)
        if record.retention == Retention.PERMANENT:
            raise LifecycleRefused(f"Record {label} is kept permanently; it is never appraised for destruction",
                                   f"档案 {label} 保管期限为永久，不能鉴定销毁")
        due = expiry_year(record.year, record.retention)
        if due is None or due > now.year:
            raise LifecycleRefused(
                f"Record {label}'s retention has not expired (due {due or '—'})",
                f"档案 {label} 尚未到期（{due or '—'} 年到期），不能鉴定",
            )
        records.append(record)
    out = []
    for record in records:
        next_due = None
        if period == Retention.PERMANENT:
            edit_records(session, [record], {"retention": Retention.PERMANENT.value}, Editor(actor, everything, where),
                         via="appraisal", settings=settings)
        elif period is not None:
            next_due = now.year + (period.years or 0) + 1
        row = Appraisal(record_id=record.id, decision=choice.value, retention=period.value if period else None,
                        next_due_year=next_due, reason=reason.strip(), revision=record.revision,
                        appraised_by=actor.name or "unknown", appraised_at=now)
        session.add(row)
        session.flush()
        audit.record(session, AuditAction.APPRAISAL, actor, Target.record(record),
                     {"appraisal": row.id, "decision": choice.value, "retention": row.retention,
                      "next_due_year": next_due, "reason": row.reason}, where=where)
        out.append(row)
    return out
