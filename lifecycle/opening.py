"""The opening review (开放审核): an archivist proposes, per record, to open it, keep it controlled
or defer it, with a reason; the clerk of the department that made the record and an administrator
sign; with both signatures the decision takes effect in the same transaction.

Opening sets 密级 公开 and 开放标识 开放 (and clears a level set by hand) through the record service,
so the access level follows by the one rule, the index follows and the change is audited like any
edit; keeping controlled sets 开放标识 控制. A deferred record returns to the due list after the
proposal's period (``LANTAI_OPENING_DEFER_YEARS`` by default).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.audit import service as audit
from archive.audit.service import Actor, Target, Where
from archive.catalog.accounts import User
from archive.catalog.collection import Department, DepartmentClerk
from archive.catalog.lifecycle import OpeningProposal
from archive.catalog.models import Record
from archive.description.records import Editor, edit_records, everything
from archive.vocabulary import (
    SECRET_CLASSIFICATIONS,
    AuditAction,
    Classification,
    OpeningDecision,
    Openness,
    ReviewStatus,
    Role,
)
from config.errors import InputError, NotFoundError
from config.settings import Settings
from lifecycle.errors import LifecycleRefused, NotYourSignature


def _record(session: Session, record_id: int) -> Record:
    record = session.get(Record, record_id)
    if record is None or record.custody is not None:
        raise NotFoundError(f"No record {record_id} in the archive", f"档案 {record_id} 不存在")
    return record


def propose(
    session: Session,
    record_ids: Sequence[int],
    decision: str,
    reason: str,
    *,
    actor: Actor,
    now: dt.datetime,
    defer_years: int | None = None,
    where: Where | None = None,
) -> list[OpeningProposal]:
    """Propose ``decision`` for each record (one proposal each); nothing is proposed if any is refused."""
    choice = OpeningDecision.parse(decision)
    if not reason.strip():
        raise InputError("An opening proposal needs a reason", "开放审核意见须说明理由")
    if defer_years is not None and not 1 <= defer_years <= 50:
        raise InputError("A deferral is 1 to 50 years", "延期年限须为 1 至 50 年")
    out = []
    for record_id in dict.fromkeys(record_ids):
        record = _record(session, record_id)
        label = record.reference_code or str(record.id)
        if record.classification in SECRET_CLASSIFICATIONS:
            raise LifecycleRefused(
                f"Record {label} is classified {record.classification}; declassify it first",
                f"档案 {label} 密级为“{record.classification}”，须先解密再作开放审核",
            )
        if not _has_clerk(session, record.department_code):
            raise LifecycleRefused(
                f"Record {label}'s department ({record.department_code or '—'}) has no clerk to sign the review; "
                "assign one first (lantai collect clerk)",
                f"档案 {label} 的形成部门（{record.department_code or '—'}）没有兼职档案员会签，"
                "请先指定（lantai collect clerk）",
            )
        pending = session.scalar(select(OpeningProposal.id).where(
            OpeningProposal.record_id == record.id, OpeningProposal.status == ReviewStatus.PROPOSED))
        if pending is not None:
            raise LifecycleRefused(
                f"Record {label} is already under review (proposal {pending})",
                f"档案 {label} 已在审核中（审核意见 {pending}）",
            )
        proposal = OpeningProposal(record_id=record.id, decision=choice.value, reason=reason.strip(),
                                   defer_years=defer_years if choice == OpeningDecision.DEFER else None,
                                   status=ReviewStatus.PROPOSED, proposed_by=actor.name or "unknown",
                                   proposed_at=now)
        session.add(proposal)
        session.flush()
        audit.record(session, AuditAction.OPENING_PROPOSE, actor, Target.of("opening_proposal", proposal.id, record),
                     {"decision": choice.value, "reason": proposal.reason, "defer_years": defer_years}, where=where)
        out.append(proposal)
    return out


def _has_clerk(session: Session, department_code: str | None) -> bool:
    if not department_code:
        return False
    found = session.scalar(
        select(DepartmentClerk.user_id)
        .join(Department, DepartmentClerk.department_id == Department.id)
        .where(Department.code == department_code)
        .limit(1)
    )
    return found is not None


def _clerk_department(session: Session, user: User) -> str | None:
    return session.scalar(
        select(Department.code)
        .join(DepartmentClerk, DepartmentClerk.department_id == Department.id)
        .where(DepartmentClerk.user_id == user.id)
    )


def get_proposal(session: Session, proposal_id: int, *, lock: bool = False) -> OpeningProposal:
    """An opening proposal by id (``NotFoundError`` otherwise); ``lock``: row-locked until the commit."""
    found = session.get(OpeningProposal, proposal_id, with_for_update=lock)
    if found is None:
        raise NotFoundError(f"No opening proposal {proposal_id}", f"开放审核意见 {proposal_id} 不存在")
    return found


def sign(
    session: Session,
    proposal_ids: Sequence[int],
    *,
    user: User,
    settings: Settings,
    now: dt.datetime,
    where: Where | None = None,
) -> list[OpeningProposal]:
    """Sign proposals as the record's department (its clerk) or as the archive (an administrator).

    A proposal with both signatures takes effect at once. Refused, changing nothing: signing one's
    own proposal, a proposal already decided, a side already signed, another department's record.
    """
    actor = Actor.of(user)
    proposals = [get_proposal(session, pid, lock=True) for pid in dict.fromkeys(proposal_ids)]
    clerk_of = _clerk_department(session, user) if user.role == Role.CLERK else None
    if user.role not in (Role.CLERK, Role.ADMIN):
        raise NotYourSignature("Only the department's clerk and an administrator sign an opening review",
                               "开放审核须由形成部门的兼职档案员和管理员会签")
    for proposal in proposals:
        record = _record(session, proposal.record_id)
        label = record.reference_code or str(record.id)
        if proposal.status != ReviewStatus.PROPOSED:
            raise LifecycleRefused(f"Proposal {proposal.id} ({label}) is already decided",
                                   f"审核意见 {proposal.id}（{label}）已经生效，不能再签")
        if proposal.proposed_by == user.username:
            raise NotYourSignature(f"You proposed {proposal.id} ({label}); someone else must approve it",
                                   f"审核意见 {proposal.id}（{label}）是您提出的，须由他人审批")
        if user.role == Role.CLERK and (clerk_of is None or clerk_of != record.department_code):
            raise NotYourSignature(f"Record {label} belongs to department {record.department_code or '—'}, not yours",
                                   f"档案 {label} 属于机构 {record.department_code or '—'}，不是您所在的部门")
        signed = proposal.department_signed_by if user.role == Role.CLERK else proposal.admin_signed_by
        if signed is not None:
            raise LifecycleRefused(f"Proposal {proposal.id} ({label}) is already signed for this side by {signed}",
                                   f"审核意见 {proposal.id}（{label}）此方已由 {signed} 签署，不能重复审批")
    for proposal in proposals:
        record = _record(session, proposal.record_id)
        side = "department" if user.role == Role.CLERK else "admin"
        if side == "department":
            proposal.department_signed_by, proposal.department_signed_at = user.username, now
        else:
            proposal.admin_signed_by, proposal.admin_signed_at = user.username, now
        audit.record(session, AuditAction.OPENING_APPROVE, actor, Target.of("opening_proposal", proposal.id, record),
                     {"side": side, "decision": proposal.decision}, where=where)
        if proposal.department_signed_by and proposal.admin_signed_by:
            _take_effect(session, proposal, record, actor=actor, settings=settings, now=now, where=where)
    return proposals


def _take_effect(session: Session, proposal: OpeningProposal, record: Record, *, actor: Actor,
                 settings: Settings, now: dt.datetime, where: Where | None) -> None:
    """Carry out a signed proposal through the record service (access, index and audit follow)."""
    before = record.access_level
    editor = Editor(actor, everything, where)
    if proposal.decision == OpeningDecision.OPEN:
        changes: dict[str, object] = {"openness": Openness.OPEN.value, "access_override": None}
        if record.classification != Classification.PUBLIC:
            changes["classification"] = Classification.PUBLIC.value
        edit_records(session, [record], changes, editor, via="opening_review", settings=settings)
    elif proposal.decision == OpeningDecision.CONTROLLED:
        edit_records(session, [record], {"openness": Openness.CONTROLLED.value}, editor, via="opening_review",
                     settings=settings)
    else:
        years = proposal.defer_years or settings.opening_defer_years
        proposal.revisit_on = _years_later(now.date(), years)
    proposal.status, proposal.decided_at = ReviewStatus.APPROVED, now
    audit.record(session, AuditAction.OPENING_DECIDE, actor, Target.record(record),
                 {"proposal": proposal.id, "decision": proposal.decision, "old": before, "new": record.access_level,
                  "revisit_on": proposal.revisit_on.isoformat() if proposal.revisit_on else None}, where=where)


def _years_later(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def list_proposals(session: Session, status: str | None = None) -> list[OpeningProposal]:
    """Opening proposals, newest first, optionally of one status."""
    query = select(OpeningProposal).order_by(OpeningProposal.id.desc())
    if status:
        query = query.where(OpeningProposal.status == ReviewStatus.parse(status).value)
    return list(session.scalars(query))
