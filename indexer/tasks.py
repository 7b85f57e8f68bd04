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

from indexer.context import Lantai, current
from indexer.jobs import celery_app, configure_celery
from indexer.monitor import JobMonitor
from indexer.process import process_job, report_progress

log = logging.getLogger(__name__)

TASK_NAME = "lantai.process_document"


@celery_app.task(
    name=TASK_NAME,
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


def dispatch_job(lantai: Lantai, job_id: str) -> None:
    """Send a job to the workers through the configured broker."""
    configure_celery(lantai.settings)
    process_document.apply_async(args=[job_id], queue="lantai")


__all__ = ["dispatch_job", "process_document", "report_progress"]
