"""Processing one ingest job: the life of the job (taken, heartbeat, done or failed, handed out
again after a crash) around the ordered steps of ``indexer.steps``.

Safe to run twice: a finished job is left alone, and a job run again after a crash replaces
the pages it may have half written, so its result is recorded exactly once.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import update

from archive.catalog.db import mark_changed
from archive.catalog.models import Job, Record, utcnow
from archive.vocabulary import JobStatus, PageSource, RecordStatus
from config.errors import LantaiError
from indexer.context import Lantai
from indexer.extract.base import is_time_limit
from indexer.steps import AFTER_STEPS, RECORD_STEPS, WORK_STEPS, Document

log = logging.getLogger(__name__)


class WorkerCrashed(LantaiError):
    code = "worker_crashed"
    default_zh = "处理此文件时工作进程多次崩溃，已停止重试"
    default_en = "The worker crashed repeatedly on this file; it is not tried again"


class TimeLimitExceeded(LantaiError):
    code = "time_limit"
    default_zh = "处理超时"
    default_en = "Processing took longer than the time limit"


class UnexpectedError(LantaiError):
    code = "unexpected"
    default_zh = "处理时发生意外错误"
    default_en = "An unexpected error occurred while processing"


@dataclass
class ProcessOutcome:
    """How a job ended."""

    job_id: str
    status: str
    record_id: int | None
    pages: int = 0
    children: list[int] = field(default_factory=list)
    error: str | None = None


def worker_identity() -> str:
    """``host:pid`` of this process, stored on the jobs it runs."""
    return f"{socket.gethostname()}:{os.getpid()}"


def owner_alive(owner: str | None) -> bool:
    """Whether the process named by ``host:pid`` still runs (unknown hosts count as alive)."""
    if not owner or ":" not in owner:
        return False
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def start_job(lantai: Lantai, job_id: str) -> Job | None:
    """Take a job; None when it is finished, owned by a live worker, or crashed too often."""
    with lantai.catalog.session() as session:
        job = session.get(Job, job_id, with_for_update=True)
        if job is None or job.status in (JobStatus.DONE, JobStatus.FAILED):
            return None
        if job.status == JobStatus.RUNNING and job.heartbeat_at is not None:
            age = (utcnow() - _aware(job.heartbeat_at)).total_seconds()
            if age < lantai.settings.job_lease_seconds and owner_alive(job.worker):
                return None  # another live worker holds it; the lease reaper watches it
        job.attempts += 1
        job.status = JobStatus.RUNNING
        job.worker = worker_identity()
        job.started_at = job.heartbeat_at = utcnow()
        if job.attempts > lantai.settings.task_max_retries + 1:
            _fail(session, job, WorkerCrashed())
            return None
        session.flush()
        session.expunge(job)
        return job


def _aware(moment: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; the catalog stores UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _fail(session: Any, job: Job, error: LantaiError) -> None:
    job.status, job.error_code, job.error_message = JobStatus.FAILED, error.code, error.message
    job.finished_at = utcnow()
    job.result = {}
    record = session.get(Record, job.record_id) if job.record_id else None
    if record is not None:
        record.status, record.error_code, record.error_message = RecordStatus.FAILED, error.code, error.message
        record.touch()
        mark_changed(session, record.id, record.access_level)  # the index shows it as failed


def fail_job(lantai: Lantai, job_id: str, error: LantaiError) -> None:
    """Record a job's failure with its clear message, on the job and on its record."""
    with lantai.catalog.session() as session:
        job = session.get(Job, job_id)
        if job is not None and job.status != JobStatus.DONE:
            _fail(session, job, error)


def report_progress(lantai: Lantai, job_id: str, done: int, total: int | None) -> None:
    """Store pages done of total (and refresh the job's heartbeat)."""
    with lantai.catalog.session() as session:
        session.execute(
            update(Job).where(Job.id == job_id).values(pages_done=done, pages_total=total, heartbeat_at=utcnow())
        )


def process_job(lantai: Lantai, job_id: str, dispatch_children: bool = True) -> ProcessOutcome:
    """Run one ingest job to its end (done or failed with a clear reason): the steps of
    ``indexer.steps`` in order, the record steps in one transaction."""
    job = start_job(lantai, job_id)
    if job is None:
        return _outcome(lantai, job_id)
    with lantai.catalog.session() as session:
        record = session.get(Record, job.record_id)
        if record is None or record.original is None:
            current_job = session.get(Job, job_id)
            if current_job is not None:
                _fail(session, current_job, LantaiError("The record of this job is gone", "此任务的档案已不存在"))
            return _outcome(lantai, job_id)
        record.status = RecordStatus.PROCESSING
        original = record.original
        session.expunge_all()
    try:
        with lantai.storage.temp_dir() as tmp:
            doc = Document(
                job=job,
                record=record,
                storage_key=original.storage_key,
                mime_type=original.mime_type,
                workdir=Path(tmp),
                report=lambda done, total: report_progress(lantai, job_id, done, total),
                dispatch_children=dispatch_children,
            )
            for step in WORK_STEPS:
                doc.results[step.__name__] = step(lantai, doc)
    except LantaiError as exc:
        fail_job(lantai, job_id, exc)
        return _outcome(lantai, job_id)
    except Exception as exc:
        if is_time_limit(exc):
            fail_job(lantai, job_id, TimeLimitExceeded())
            return _outcome(lantai, job_id)
        log.exception("job %s failed unexpectedly", job_id)
        fail_job(
            lantai,
            job_id,
            UnexpectedError(f"Unexpected error: {type(exc).__name__}: {exc}", "意外错误"),
        )
        return _outcome(lantai, job_id)
    if _finish(lantai, job_id, doc):
        for after in AFTER_STEPS:
            doc.results[after.__name__] = after(lantai, doc)
    return _outcome(lantai, job_id)


def _finish(lantai: Lantai, job_id: str, doc: Document) -> bool:
    """The record steps and the job's end, in one transaction; whether this call finished the job
    (a job already done is left alone)."""
    with lantai.catalog.session() as session:
        job = session.get(Job, job_id, with_for_update=True)
        if job is None or job.status == JobStatus.DONE:
            return False
        record = session.get(Record, doc.record.id)
        if record is None:  # deleted while it was being processed
            job.status, job.finished_at = JobStatus.FAILED, utcnow()
            return False
        record.status, record.error_code, record.error_message = RecordStatus.DONE, None, None
        for step in RECORD_STEPS:
            doc.results[step.__name__] = step(lantai, session, record, doc)
        record.touch()
        job.status, job.finished_at, job.pages_done = JobStatus.DONE, utcnow(), len(doc.pages)
        job.pages_total = len(doc.pages)
        job.result = {  # the options (a sealed password) are dropped with the job's end
            "pages": len(doc.pages),
            "ocr_pages": sum(p.source == PageSource.OCR for p in doc.pages),
            "children": doc.child_ids,
        }
    return True


def _outcome(lantai: Lantai, job_id: str) -> ProcessOutcome:
    with lantai.catalog.session() as session:
        job = session.get(Job, job_id)
        if job is None:
            return ProcessOutcome(job_id, "missing", None)
        return ProcessOutcome(
            job_id,
            job.status,
            job.record_id,
            job.pages_done,
            list((job.result or {}).get("children", [])),
            job.error_message,
        )
