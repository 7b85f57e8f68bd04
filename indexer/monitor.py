"""Watching one document while it is processed: heartbeat, memory cap, time limits.

The worker (``indexer.tasks``) and ``lantai ingest --inline`` (``indexer.inline``) both run
each document under a ``JobMonitor``: a thread that refreshes the job's lease and, when the
process outgrows ``LANTAI_DOCUMENT_MEMORY_MB`` or (inline; Celery has its own) runs past the
hard time limit, marks the job failed with its reason and kills the process. The process's
supervisor then hands out the next document; the job is not tried again because it is
already failed. ``soft_time_limit`` asks the document to stop politely first.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from sqlalchemy.exc import OperationalError

from config.errors import LantaiError
from indexer.context import Lantai
from indexer.extract.base import ResourceLimitExceeded

log = logging.getLogger(__name__)


class SoftTimeLimitExceeded(Exception):  # named as Celery names the same event
    """Raised in the main thread when a document's soft time limit is reached."""


def rss_mb() -> float:
    """This process's resident memory in MiB (Linux /proc)."""
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024


class JobMonitor(threading.Thread):
    """Refreshes a job's heartbeat; stops the process when it outgrows its memory cap or
    passes ``hard_limit`` seconds (None: someone else enforces it)."""

    def __init__(self, lantai: Lantai, job_id: str, hard_limit: float | None = None) -> None:
        super().__init__(daemon=True, name=f"monitor-{job_id[:8]}")
        self.lantai, self.job_id, self.hard_limit = lantai, job_id, hard_limit
        self.started_at = time.monotonic()
        self.stopped = threading.Event()

    def run(self) -> None:
        settings = self.lantai.settings
        interval = max(1.0, settings.job_lease_seconds / 4)
        beat = 0.0
        while True:
            if rss_mb() > settings.document_memory_mb:
                self._stop_process(
                    ResourceLimitExceeded(
                        f"The document needed more than {settings.document_memory_mb} MiB of memory",
                        f"处理此文件所需内存超过 {settings.document_memory_mb} MiB",
                    )
                )
            if self.hard_limit is not None and time.monotonic() - self.started_at > self.hard_limit:
                from indexer.process import TimeLimitExceeded

                self._stop_process(TimeLimitExceeded())
            if self.stopped.wait(1.0):
                return
            beat += 1.0
            if beat >= interval:
                beat = 0.0
                try:
                    _touch(self.lantai, self.job_id)
                except OperationalError:
                    log.warning("heartbeat of job %s failed", self.job_id)

    def _stop_process(self, error: LantaiError) -> None:
        from indexer.process import fail_job

        if self.stopped.is_set():
            return
        # The job is marked failed first, so that whoever hands it out again finds it finished.
        fail_job(self.lantai, self.job_id, error)
        os.kill(os.getpid(), signal.SIGKILL)

    def stop(self) -> None:
        """End the monitor."""
        self.stopped.set()


def _touch(lantai: Lantai, job_id: str) -> None:
    from sqlalchemy import update

    from archive.catalog.models import Job, utcnow
    from archive.vocabulary import JobStatus

    with lantai.catalog.session() as session:
        session.execute(
            update(Job).where(Job.id == job_id, Job.status == JobStatus.RUNNING).values(heartbeat_at=utcnow())
        )


@contextmanager
def soft_time_limit(seconds: float) -> Iterator[None]:
    """Raise ``SoftTimeLimitExceeded`` in this (main) thread after ``seconds``."""

    def expired(_signum: int, _frame: FrameType | None) -> None:
        raise SoftTimeLimitExceeded()

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
