"""Destruction (销毁): a batch of records appraised for destruction, approved by two people other
than the proposer, carried out under a witness (监销人).

Carrying it out is the one path that deletes originals (``Storage.destroy_original``). In one
catalog transaction every record is checked (approved batch, no legal hold, unchanged since its
appraisal), a tombstone is written with the originals' SHA-256, one ``destruction`` audit event per
record, and the record is removed, so the search index drops it before the commit. Only once that
transaction has committed are the files deleted: a failure there leaves a file the fixity check
reports, never a catalog that claims a record which is gone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.audit import service as audit
from archive.audit.service import Actor, Target, Where
from archive.catalog.accounts import User
from archive.catalog.db import mark_changed
from archive.catalog.lifecycle import Appraisal, DestructionBatch, Tombstone
from archive.catalog.models import Record
from archive.vocabulary import STAFF_ROLES, AppraisalDecision, AuditAction, ReviewStatus
from config.errors import InputError, NotFoundError
from indexer.context import Lantai
from indexer.search.purge import request_purge
from lifecycle.errors import LifecycleRefused, NotYourSignature
from lifecycle.holds import active_hold

APPROVALS_NEEDED = 2


def get_batch(session: Session, batch_id: int, *, lock: bool = False) -> DestructionBatch:
    """A destruction batch by id (``NotFoundError`` otherwise); ``lock``: row-locked until the commit
    (PostgreSQL), so two approvals or executions at once cannot both go through."""
    found = session.get(DestructionBatch, batch_id, with_for_update=lock)
    if found is None:
        raise NotFoundError(f"No destruction batch {batch_id}", f"销毁批次 {batch_id} 不存在")
    return found


def batch_appraisals(session: Session, batch_id: int) -> list[Appraisal]:
    """The appraisals of a batch, in the order they were added."""
    return list(session.scalars(select(Appraisal).where(Appraisal.batch_id == batch_id).order_by(Appraisal.id)))


def propose_batch(session: Session, record_ids: Sequence[int], title: str, *, actor: Actor, now: dt.datetime,
                  where: Where | None = None) -> DestructionBatch:
    """Gather records appraised for destruction into a batch awaiting two approvals."""
    if not record_ids:
        raise InputError("A destruction batch needs at least one record", "销毁批次至少包含一件档案")
    chosen: list[Appraisal] = []
    for record_id in dict.fromkeys(record_ids):
        latest = session.scalar(select(Appraisal).where(Appraisal.record_id == record_id)
                                .order_by(Appraisal.id.desc()).limit(1))
        if latest is None or latest.decision != AppraisalDecision.DESTROY:
            raise LifecycleRefused(f"Record {record_id} has not been appraised for destruction",
                                   f"档案 {record_id} 未经鉴定为拟销毁，不能列入销毁批次")
        record = session.get(Record, record_id)
        if record is not None and record.revision != latest.revision:
            raise LifecycleRefused(f"Record {record.reference_code or record_id} changed after it was appraised; "
                                   "appraise it again",
                                   f"档案 {record.reference_code or record_id} 在鉴定后被修改过，须重新鉴定")
        if latest.batch_id is not None:
            raise LifecycleRefused(f"Record {record_id} is already in destruction batch {latest.batch_id}",
                                   f"档案 {record_id} 已在销毁批次 {latest.batch_id} 中")
        chosen.append(latest)
    batch = DestructionBatch(title=title.strip() or f"销毁批次 {now:%Y-%m-%d}", status=ReviewStatus.PROPOSED,
                             proposed_by=actor.name or "unknown", proposed_at=now, approvals=[])
    session.add(batch)
    session.flush()
    for appraisal in chosen:
        appraisal.batch_id = batch.id
    audit.record(session, AuditAction.DESTRUCTION_PROPOSE, actor, Target.of("destruction_batch", batch.id),
                 {"records": [a.record_id for a in chosen], "title": batch.title}, where=where)
    return batch


def approve_batch(session: Session, batch_id: int, *, user: User, now: dt.datetime,
                  where: Where | None = None) -> DestructionBatch:
    """Approve a batch as archive staff; the second approval by another person makes it approved."""
    batch = get_batch(session, batch_id, lock=True)
    if user.role not in STAFF_ROLES:
        raise NotYourSignature("Only archive staff approve a destruction", "只有档案室工作人员可以批准销毁")
    if batch.status != ReviewStatus.PROPOSED:
        raise LifecycleRefused(f"Destruction batch {batch.id} is {batch.status}; it needs no more approvals",
                               f"销毁批次 {batch.id} 状态为“{ReviewStatus(batch.status).zh}”，不需要再批准")
    if batch.proposed_by == user.username:
        raise NotYourSignature(f"You proposed destruction batch {batch.id}; two other people must approve it",
                               f"销毁批次 {batch.id} 是您提出的，须由另外两人批准")
    if any(a["by"] == user.username for a in batch.approvals):
        raise LifecycleRefused(f"You have already approved destruction batch {batch.id}",
                               f"您已批准过销毁批次 {batch.id}，不能重复批准")
    batch.approvals = [*batch.approvals, {"by": user.username, "at": now.isoformat()}]
    if len(batch.approvals) >= APPROVALS_NEEDED:
        batch.status = ReviewStatus.APPROVED
    audit.record(session, AuditAction.DESTRUCTION_APPROVE, Actor.of(user), Target.of("destruction_batch", batch.id),
                 {"approvals": [a["by"] for a in batch.approvals], "status": batch.status}, where=where)
    return batch


@dataclass(frozen=True)
class Executed:
    """What a destruction removed: the tombstones written and the originals deleted from disk."""

    tombstones: list[Tombstone]
    originals_removed: list[str]


def _check(session: Session, batch: DestructionBatch) -> list[tuple[Appraisal, Record]]:
    if batch.status != ReviewStatus.APPROVED:
        raise LifecycleRefused(
            f"Destruction batch {batch.id} is not approved ({len(batch.approvals)} of {APPROVALS_NEEDED} approvals)",
            f"销毁批次 {batch.id} 未经批准（已批准 {len(batch.approvals)} 人，需 {APPROVALS_NEEDED} 人），不能执行",
        )
    pairs = []
    for appraisal in batch_appraisals(session, batch.id):
        record = session.get(Record, appraisal.record_id)
        if record is None:
            raise LifecycleRefused(f"Record {appraisal.record_id} of batch {batch.id} no longer exists",
                                   f"销毁批次 {batch.id} 中的档案 {appraisal.record_id} 已不存在")
        label = record.reference_code or str(record.id)
        hold = active_hold(session, record.id)
        if hold is not None:
            raise LifecycleRefused(f"Record {label} is on legal hold ({hold.reason}); nothing was destroyed",
                                   f"档案 {label} 处于法律冻结（{hold.reason}），本批次未销毁任何档案")
        if record.revision != appraisal.revision:
            raise LifecycleRefused(
                f"Record {label} changed after it was appraised; appraise it again. Nothing was destroyed",
                f"档案 {label} 在鉴定后被修改过，须重新鉴定；本批次未销毁任何档案",
            )
        pairs.append((appraisal, record))
    return pairs


def execute_batch(lantai: Lantai, batch_id: int, *, actor: Actor, witness: str, now: dt.datetime,
                  where: Where | None = None) -> Executed:
    """Carry out an approved batch (see the module docstring); refused as a whole, or done as a whole."""
    if not witness.strip():
        raise InputError("A destruction needs a witness (监销人)", "执行销毁须填写监销人")
    keys: list[tuple[int, str]] = []
    tombstones: list[Tombstone] = []
    with lantai.catalog.session() as session:
        batch = get_batch(session, batch_id, lock=True)
        pairs = _check(session, batch)
        approvers = [a["by"] for a in batch.approvals]
        for appraisal, record in pairs:
            files = [{"sha256": f.sha256, "filename": f.original_filename, "size": f.size} for f in record.files]
            keys += [(record.id, f.storage_key) for f in record.files]
            stone = Tombstone(
                record_id=record.id, reference_code=record.reference_code, title=record.title,
                fonds_code=record.fonds_code, department_code=record.department_code, year=record.year,
                retention=record.retention, date=record.date, page_count=record.page_count or 0,
                opinion=appraisal.reason, files=files, batch_id=batch.id, approved_by=approvers,
                destroyed_by=actor.name or "unknown", witness=witness.strip(), destroyed_at=now,
            )
            session.add(stone)
            tombstones.append(stone)
            audit.record(session, AuditAction.DESTRUCTION, actor, Target.record(record),
                         {"batch": batch.id, "files": files, "approved_by": approvers, "witness": witness.strip(),
                          "title": record.title}, where=where)
            mark_changed(session, record.id, record.access_level)
            session.delete(record)
        batch.status, batch.executed_by, batch.executed_at = ReviewStatus.EXECUTED, actor.name, now
        batch.witness = witness.strip()
        session.flush()
    removed = []
    for record_id, key in keys:
        if lantai.storage.destroy_original(key):
            removed.append(key)
        lantai.storage.delete_derivatives(f"records/{record_id}")
    if keys:
        request_purge(lantai, sorted({record_id for record_id, _key in keys}))
    return Executed(tombstones, removed)


def list_batches(session: Session) -> list[DestructionBatch]:
    """Destruction batches, newest first."""
    return list(session.scalars(select(DestructionBatch).order_by(DestructionBatch.id.desc())))


def tombstones(session: Session) -> list[Tombstone]:
    """Every tombstone, newest first."""
    return list(session.scalars(select(Tombstone).order_by(Tombstone.id.desc())))
