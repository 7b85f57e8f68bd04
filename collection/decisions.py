"""The archive's decision on a checked transfer: accept it (its items become archive records
with 档号, through the record service, so access, audit and the index follow) or return it with
reasons item by item; both sides confirm the transfer list (移交清册)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.audit import service as audit
from archive.audit.service import Actor, Target, Where
from archive.catalog.accounts import User
from archive.catalog.collection import FilingTask, Transfer, TransferItem
from archive.catalog.models import Record
from archive.description.records import Editor, everything, take_into_archive
from archive.vocabulary import STAFF_ROLES, AuditAction, Role, TaskStatus, TransferStatus
from collection.submission import NotYourDepartment, SubmissionRefused
from config.errors import ExitCode, InputError, NotFoundError
from config.settings import Settings


class DecisionRefused(InputError):
    """A decision that cannot be taken in the transfer's state (already decided, not yet checked)."""

    code = "decision_refused"
    exit_code = ExitCode.USAGE
    http_status = 409
    default_zh = "当前状态下不能执行此操作"
    default_en = "Not possible in the transfer's current state"


def get_transfer(session: Session, transfer_id: int) -> Transfer:
    """A transfer by id (``NotFoundError`` otherwise)."""
    transfer = session.get(Transfer, transfer_id)
    if transfer is None:
        raise NotFoundError(f"No transfer {transfer_id}", f"移交 {transfer_id} 不存在")
    return transfer


def _staff(user: User | None) -> None:
    if user is not None and user.role not in STAFF_ROLES:
        raise NotYourDepartment("Only archive staff accept or return transfers", "只有档案室工作人员可以接收或退回移交")


def accept(
    session: Session,
    transfer_id: int,
    *,
    user: User | None,
    actor: Actor,
    settings: Settings,
    now: dt.datetime,
    fonds: str | None = None,
    where: Where | None = None,
) -> list[Record]:
    """Accept a checked transfer: every arrived item becomes an archive record with its 档号.

    The item's 门类 and 保管期限 (as listed, else the task's or the schedule's) and ``fonds``
    (default: the 全宗号 most records of the archive carry) are set through the record service.
    """
    _staff(user)
    transfer = get_transfer(session, transfer_id)
    if transfer.status != TransferStatus.CHECKED:
        raise DecisionRefused(
            f"Transfer {transfer.id} is {transfer.status}; only a checked transfer can be accepted",
            f"移交 {transfer.id} 的状态为“{TransferStatus(transfer.status).zh}”，只有已检测的移交可以接收",
        )
    editor = Editor(actor, everything, where)
    records: list[Record] = []
    fonds = fonds or _usual_fonds(session)
    for item in transfer.items:
        record = session.get(Record, item.record_id) if item.record_id else None
        if record is None or record.custody is None:
            continue
        changes: dict[str, object] = {}
        if item.category_code and not record.category_code:
            changes["category_code"] = item.category_code
        if item.retention and not record.retention:
            changes["retention"] = item.retention
        if fonds and not record.fonds_code:
            changes["fonds_code"] = fonds
        take_into_archive(session, [record], changes, editor, settings=settings, via="transfer")
        records.append(record)
    transfer.status, transfer.decided_by, transfer.decided_at = TransferStatus.ACCEPTED, actor.name, now
    transfer.confirmed_by_archive = actor.name
    task = session.get(FilingTask, transfer.task_id)
    assert task is not None  # noqa: S101 - a transfer's task is kept while it exists
    task.status, task.accepted_on = TaskStatus.ACCEPTED, now.date()
    audit.record(
        session,
        AuditAction.TRANSFER_ACCEPT,
        actor,
        Target.of("transfer", transfer.id),
        {"task": task.id, "records": [r.id for r in records], "reference_codes": [r.reference_code for r in records]},
        where=where,
    )
    return records


def _usual_fonds(session: Session) -> str | None:
    from sqlalchemy import func

    return session.scalar(
        select(Record.fonds_code)
        .where(Record.fonds_code.is_not(None))
        .group_by(Record.fonds_code)
        .order_by(func.count().desc())
        .limit(1)
    )


def return_transfer(
    session: Session,
    transfer_id: int,
    reasons: Mapping[int, str],
    *,
    user: User | None,
    actor: Actor,
    now: dt.datetime,
    reason: str | None = None,
    where: Where | None = None,
) -> Transfer:
    """Return a transfer for correction with a reason per item (position -> reason) and overall.

    Without reasons, every item whose checks failed is returned with its failed checks as reason.
    The task goes back to ``returned``; the transfer stays as history.
    """
    _staff(user)
    transfer = get_transfer(session, transfer_id)
    if transfer.status not in (TransferStatus.SUBMITTED, TransferStatus.CHECKED):
        raise DecisionRefused(
            f"Transfer {transfer.id} is already {transfer.status}",
            f"移交 {transfer.id} 已{TransferStatus(transfer.status).zh}，不能退回",
        )
    positions = {item.position: item for item in transfer.items}
    unknown = [p for p in reasons if p not in positions]
    if unknown:
        raise InputError(
            f"Transfer {transfer.id} has no items numbered {unknown}", f"移交 {transfer.id} 中没有序号为 {unknown} 的项"
        )
    if not reasons and not reason:
        reasons = _failed_reasons(session, transfer)
        if not reasons:
            raise InputError("Give a reason for returning the transfer", "请填写退回理由")
    for position, text in reasons.items():
        positions[position].return_reason = text
    transfer.status, transfer.decided_by, transfer.decided_at = TransferStatus.RETURNED, actor.name, now
    transfer.reason = reason
    task = session.get(FilingTask, transfer.task_id)
    assert task is not None  # noqa: S101
    task.status = TaskStatus.RETURNED
    audit.record(
        session,
        AuditAction.TRANSFER_RETURN,
        actor,
        Target.of("transfer", transfer.id),
        {"task": task.id, "reason": reason, "items": {str(k): v for k, v in reasons.items()}},
        where=where,
    )
    return transfer


def _failed_reasons(session: Session, transfer: Transfer) -> dict[int, str]:
    from collection.checks import report

    by_item: dict[int, list[str]] = {}
    for check in report(session, transfer.id):
        if check.result == "failed" and check.item_id is not None:
            by_item.setdefault(check.item_id, []).append(check.explanation_zh)
    return {item.position: " ".join(by_item[item.id]) for item in transfer.items if item.id in by_item}


def confirm_list(
    session: Session, transfer_id: int, *, user: User | None, actor: Actor, where: Where | None = None
) -> Transfer:
    """A side confirms the transfer list: the department's clerk, or the archive's staff."""
    transfer = get_transfer(session, transfer_id)
    if user is not None and user.role == Role.CLERK:
        from archive.departments import clerk_department

        own = clerk_department(session, user)
        if own is None or own.id != transfer.department_id:
            raise NotYourDepartment("This transfer is another department's", "该移交属于其他机构")
        transfer.confirmed_by_department = actor.name
        side = "department"
    elif user is None or user.role in STAFF_ROLES:
        if transfer.status != TransferStatus.ACCEPTED:
            raise SubmissionRefused("The archive confirms the list on acceptance", "档案室在接收时确认移交清册")
        transfer.confirmed_by_archive = actor.name
        side = "archive"
    else:
        raise NotYourDepartment()
    audit.record(
        session, AuditAction.TRANSFER_CONFIRM, actor, Target.of("transfer", transfer.id), {"side": side}, where=where
    )
    return transfer


def items_of(session: Session, transfer_id: int) -> list[TransferItem]:
    """The items of a transfer, by 序号."""
    return list(
        session.scalars(
            select(TransferItem).where(TransferItem.transfer_id == transfer_id).order_by(TransferItem.position)
        )
    )
