"""Celery tasks. Each takes a job id, is idempotent, and keeps the job's heartbeat fresh while
it works so that a crashed worker's job is handed out again (``indexer/lease.py``).

Retries with backoff only for transient faults (the catalog or search engine unreachable),
never for a bad file: a bad file ends as a failed record with its reason.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from typing import Any

from celery import Task
from celery.signals import worker_process_init
from sqlalchemy.exc import OperationalError

from indexer.context import Lantai, current
from indexer.extract.base import ResourceLimitExceeded
from indexer.jobs import celery_app, configure_celery
from indexer.process import fail_job, process_job, report_progress

log = logging.getLogger(__name__)

TASK_NAME = "lantai.process_document"


def _rss_mb() -> float:
    """This process's resident memory in MiB (Linux /proc)."""
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024


class JobMonitor(threading.Thread):
    """Refreshes a job's heartbeat and stops the process when it outgrows its memory cap."""

    def __init__(self, lantai: Lantai, job_id: str) -> None:
        super().__init__(daemon=True, name=f"monitor-{job_id[:8]}")
        self.lantai, self.job_id = lantai, job_id
        self.stopped = threading.Event()

    def run(self) -> None:
        interval = max(1.0, self.lantai.settings.job_lease_seconds / 4)
        beat = 0.0
        while not self.stopped.wait(1.0):
            if _rss_mb() > self.lantai.settings.document_memory_mb:
                fail_job(
                    self.lantai,
                    self.job_id,
                    ResourceLimitExceeded(
                        f"The document needed more than {self.lantai.settings.document_memory_mb} MiB of memory",
                        f"处理此文件所需内存超过 {self.lantai.settings.document_memory_mb} MiB",
                    ),
                )
                # The job is marked failed first, so the redelivered message finds it finished.
                os.kill(os.getpid(), signal.SIGKILL)
            beat += 1.0
            if beat >= interval:
                beat = 0.0
                try:
                    _touch(self.lantai, self.job_id)
                except OperationalError:
                    log.warning("heartbeat of job %s failed", self.job_id)

    def stop(self) -> None:
        """End the monitor."""
        self.stopped.set()


def _touch(lantai: Lantai, job_id: str) -> None:
    from sqlalchemy import update

    from indexer.catalog.models import Job, JobStatus, utcnow

    with lantai.catalog.session() as session:
        session.execute(
            update(Job).where(Job.id == job_id, Job.status == JobStatus.RUNNING).values(heartbeat_at=utcnow())
        )


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
