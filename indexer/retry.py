"""Processing a failed record again (重新处理): a new ingest job, audited, sent to the workers.

The failed job stays as it was (its error is history); the record goes back to ``pending`` with
its error cleared, and the new job carries the options of the last one (a sealed password).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.audit import service as audit
from archive.audit.service import Target
from archive.catalog.models import Job
from archive.description.records import Editor, visible_records
from archive.vocabulary import AuditAction, RecordStatus
from config.errors import InputError
from indexer.context import Lantai
from indexer.jobs import dispatch_job


class NotFailed(InputError):
    """Only a record whose processing failed can be processed again."""

    code = "not_failed"


def queue_retry(session: Session, record_id: int, editor: Editor) -> str:
    """Put a failed record back in the queue with a new job (in ``session``); the job's id."""
    (record,) = visible_records(session, [record_id], editor)
    if record.status != RecordStatus.FAILED:
        raise NotFailed(f"Record {record_id} has not failed; nothing to retry",
                        f"档案 {record_id} 没有处理失败，无需重新处理")
    last = session.scalar(select(Job).where(Job.record_id == record.id).order_by(Job.created_at.desc()).limit(1))
    options = (last.result or {}).get("options") if last is not None else None
    job = Job(kind="ingest", record_id=record.id, batch_id=record.batch_id,
              result={"options": options} if options else {})
    session.add(job)
    error = {"code": record.error_code, "message": record.error_message}
    record.status, record.error_code, record.error_message = RecordStatus.PENDING, None, None
    session.flush()
    audit.record(session, AuditAction.RECORD_RETRY, editor.actor, Target.record(record),
                 {"error": error, "job": job.id}, where=editor.where)
    return job.id


def retry_record(lantai: Lantai, record_id: int, editor: Editor) -> str:
    """Queue a failed record again and send its job to the workers once committed; the job's id."""
    with lantai.catalog.session() as session:
        job_id = queue_retry(session, record_id, editor)
    dispatch_job(lantai.settings, job_id)
    return job_id
