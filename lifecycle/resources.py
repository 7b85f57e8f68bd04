"""One JSON shape per lifecycle resource, for the API and the command line."""

from __future__ import annotations

import datetime as dt
from typing import Any

from archive.catalog.lifecycle import Appraisal, DestructionBatch, LegalHold, OpeningProposal, Tombstone
from archive.catalog.models import Record
from lifecycle.due import expiry_year


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def due_json(record: Record, opening_age: int) -> dict[str, Any]:
    """A record on a due list: its description and the years it is due."""
    return {"id": record.id, "reference_code": record.reference_code, "title": record.title,
            "fonds_code": record.fonds_code, "department_code": record.department_code, "year": record.year,
            "retention": record.retention, "classification": record.classification, "openness": record.openness,
            "access_level": record.access_level, "page_count": record.page_count,
            "disposal_due_year": expiry_year(record.year, record.retention),
            "opening_due_year": None if record.year is None else record.year + opening_age + 1}


def proposal_json(proposal: OpeningProposal) -> dict[str, Any]:
    """An opening proposal (开放审核意见) with its signatures."""
    return {"id": proposal.id, "record_id": proposal.record_id, "decision": proposal.decision,
            "reason": proposal.reason, "defer_years": proposal.defer_years, "status": proposal.status,
            "proposed_by": proposal.proposed_by, "proposed_at": _iso(proposal.proposed_at),
            "department_signed_by": proposal.department_signed_by,
            "department_signed_at": _iso(proposal.department_signed_at),
            "admin_signed_by": proposal.admin_signed_by, "admin_signed_at": _iso(proposal.admin_signed_at),
            "decided_at": _iso(proposal.decided_at), "revisit_on": _iso(proposal.revisit_on)}


def appraisal_json(appraisal: Appraisal) -> dict[str, Any]:
    """An appraisal (鉴定)."""
    return {"id": appraisal.id, "record_id": appraisal.record_id, "decision": appraisal.decision,
            "retention": appraisal.retention, "next_due_year": appraisal.next_due_year, "reason": appraisal.reason,
            "appraised_by": appraisal.appraised_by, "appraised_at": _iso(appraisal.appraised_at),
            "batch_id": appraisal.batch_id}


def batch_json(batch: DestructionBatch, record_ids: list[int] | None = None) -> dict[str, Any]:
    """A destruction batch with its approvals and, when given, its records."""
    return {"id": batch.id, "title": batch.title, "status": batch.status, "proposed_by": batch.proposed_by,
            "proposed_at": _iso(batch.proposed_at), "approvals": list(batch.approvals), "witness": batch.witness,
            "executed_by": batch.executed_by, "executed_at": _iso(batch.executed_at),
            "records": record_ids if record_ids is not None else None}


def tombstone_json(stone: Tombstone) -> dict[str, Any]:
    """What the catalog keeps of a destroyed record."""
    return {"record_id": stone.record_id, "reference_code": stone.reference_code, "title": stone.title,
            "fonds_code": stone.fonds_code, "department_code": stone.department_code, "year": stone.year,
            "retention": stone.retention, "date": _iso(stone.date), "page_count": stone.page_count,
            "opinion": stone.opinion, "files": list(stone.files), "batch_id": stone.batch_id,
            "approved_by": list(stone.approved_by), "destroyed_by": stone.destroyed_by, "witness": stone.witness,
            "destroyed_at": _iso(stone.destroyed_at)}


def hold_json(hold: LegalHold) -> dict[str, Any]:
    """A legal hold (法律冻结)."""
    return {"id": hold.id, "record_id": hold.record_id, "reason": hold.reason, "set_by": hold.set_by,
            "set_at": _iso(hold.set_at), "released_by": hold.released_by, "released_at": _iso(hold.released_at),
            "release_reason": hold.release_reason}
