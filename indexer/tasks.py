"""Celery tasks. Each takes a job id, is idempotent, and keeps the job's heartbeat fresh while
it works so that a crashed worker's job is handed out again (``indexer/lease.py``).

Retries with backoff only for transient faults (the catalog or search engine unreachable),
never for a bad file: a bad file ends as a failed record with its reason.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Task
from celery.signals import worker_process_init
from sqlalchemy.exc import OperationalError

from indexer.context import current
from indexer.jobs import PROCESS_DOCUMENT, celery_app
from indexer.monitor import JobMonitor
from indexer.process import process_job, report_progress

log = logging.getLogger(__name__)



@celery_app.task(
    name=PROCESS_DOCUMENT,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=5,
)
def process_document(self: Task, job_id: str) -> dict[str, Any]:
    """Process one ingest job by id (safe to run again)."""
    lantai = current()
    monitor = JobMonitor(lantai, job_id)
    monitor.start()
    try:
        outcome = process_job(lantai, job_id)
    finally:
        monitor.stop()
    return {"job_id": outcome.job_id, "status": outcome.status, "pages": outcome.pages}


@worker_process_init.connect
def _after_fork(**_: Any) -> None:
    """Each pool process opens its own database connections and index."""
    current().after_fork()


__all__ = ["process_document", "report_progress"]
