"""The staff dashboard's queues, read from the catalog: processing now, failed, awaiting review,
pending access requests, withdrawn. Each list is capped; its count is exact."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.catalog.accounts import AccessRequest
from archive.catalog.models import Job, Record
from archive.vocabulary import JobStatus, RecordStatus, RequestStatus

LIMIT = 50


@dataclass
class Queue:
    """One queue: how many, and the first of them."""

    count: int = 0
    items: list[Any] = field(default_factory=list)


@dataclass
class Queues:
    """Every queue of the dashboard."""

    processing: Queue
    failed: Queue
    review: Queue
    requests: Queue
    withdrawn: Queue
    progress: dict[int, Job] = field(default_factory=dict)  # record id -> its running job


def _queue(session: Session, stmt: Any, order: Any, limit: int) -> Queue:
    count = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    return Queue(int(count), list(session.scalars(stmt.order_by(*order).limit(limit))))


def load(session: Session, *, admin: bool, limit: int = LIMIT) -> Queues:
    """The queues as ``session`` sees them; secret records only for administrators."""
    records = select(Record)
    if not admin:
        records = records.where(Record.access_level != "secret")
    live = records.where(Record.withdrawn_at.is_(None))
    processing = _queue(session, live.where(Record.status.in_([RecordStatus.PENDING, RecordStatus.PROCESSING])),
                        (Record.created_at, Record.id), limit)
    failed = _queue(session, live.where(Record.status == RecordStatus.FAILED), (Record.updated_at.desc(),), limit)
    review = _queue(session, live.where(Record.needs_review.is_(True), Record.status == RecordStatus.DONE),
                    (Record.created_at, Record.id), limit)
    withdrawn = _queue(session, records.where(Record.withdrawn_at.is_not(None)), (Record.withdrawn_at.desc(),), limit)
    requests = _queue(session, select(AccessRequest).where(AccessRequest.status == RequestStatus.PENDING),
                      (AccessRequest.created_at,), limit)
    ids = [r.id for r in processing.items]
    jobs: list[Job] = list(session.scalars(
        select(Job).where(Job.record_id.in_(ids), Job.status == JobStatus.RUNNING))) if ids else []
    progress = {job.record_id: job for job in jobs if job.record_id is not None}
    return Queues(processing, failed, review, requests, withdrawn, progress)
