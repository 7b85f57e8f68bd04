"""The lease reaper: hands out again the jobs whose worker stopped sending heartbeats, and,
when a worker starts, the queued jobs whose message may be gone.

Brokers differ in what they do with the message of a worker killed mid-task (Redis restores
it after its visibility timeout; the embedded file transport loses it). The catalog's job
row is the source of truth, so every worker runs this reaper and no job is lost on any broker.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading

from sqlalchemy import or_, select, update

from archive.catalog.models import Job, utcnow
from archive.vocabulary import JobStatus
from indexer.context import Lantai

log = logging.getLogger(__name__)


def reap_stale_jobs(lantai: Lantai) -> list[str]:
    """Requeue running jobs whose heartbeat is older than the lease; returns their ids."""
    from indexer.jobs import dispatch_job
    from indexer.process import owner_alive

    cutoff = utcnow() - dt.timedelta(seconds=lantai.settings.job_lease_seconds)
    requeued: list[str] = []
    with lantai.catalog.session() as session:
        candidates = session.execute(
            select(Job.id, Job.worker, Job.heartbeat_at).where(Job.status == JobStatus.RUNNING)
        ).all()
    for job_id, owner, heartbeat in candidates:
        stale = heartbeat is None or (heartbeat if heartbeat.tzinfo else heartbeat.replace(tzinfo=dt.UTC)) < cutoff
        if not stale and owner_alive(owner):
            continue
        with lantai.catalog.session() as session:
            # Conditional update: of several reapers, exactly one wins each job.
            # An UPDATE gives a CursorResult, which has rowcount.
            won = session.execute(  # type: ignore[attr-defined]
                update(Job)
                .where(
                    Job.id == job_id,
                    Job.status == JobStatus.RUNNING,
                    or_(Job.heartbeat_at.is_(None), Job.heartbeat_at == heartbeat),
                )
                .values(status=JobStatus.QUEUED, heartbeat_at=utcnow())
            ).rowcount
        if won:
            log.warning("job %s lost its worker %s; handing it out again", job_id, owner)
            dispatch_job(lantai.settings, job_id)
            requeued.append(job_id)
    return requeued


def redispatch_queued(lantai: Lantai, older_than: dt.timedelta) -> list[str]:
    """Send again every job queued since before ``older_than`` ago; returns their ids.

    Its message may be gone: taken by a worker killed outright before the document started
    (the embedded broker deletes a message when it hands it out), or never sent because the
    broker was down when the file was submitted. A job sent twice still runs once
    (``indexer.process.start_job``), so a message that was only waiting costs a no-op task.
    Run once when a worker starts, not in every pass: a long queue is not sent again and again.
    """
    from indexer.jobs import dispatch_job

    cutoff = utcnow() - older_than
    with lantai.catalog.session() as session:
        waiting = list(
            session.scalars(
                select(Job.id).where(Job.status == JobStatus.QUEUED, Job.created_at < cutoff).order_by(Job.created_at)
            )
        )
    for job_id in waiting:
        dispatch_job(lantai.settings, job_id)
    if waiting:
        log.warning("%d queued job(s) sent again in case their message was lost", len(waiting))
    return waiting


class Reaper(threading.Thread):
    """In the worker's housekeeping process: first ``redispatch_queued``, then ``reap_stale_jobs``
    every few seconds."""

    def __init__(self, lantai: Lantai) -> None:
        super().__init__(daemon=True, name="lantai-reaper")
        self.lantai = lantai
        self.stopped = threading.Event()

    def run(self) -> None:
        interval = max(1.0, self.lantai.settings.job_lease_seconds / 3)
        try:
            redispatch_queued(self.lantai, dt.timedelta(seconds=self.lantai.settings.job_lease_seconds))
        except Exception:  # a broker or database down at start-up must not end the reaper
            log.exception("sending queued jobs again failed")
        while not self.stopped.wait(interval):
            try:
                reap_stale_jobs(self.lantai)
            except Exception:  # the reaper must outlive a passing database fault
                log.exception("lease reaper pass failed")

    def stop(self) -> None:
        """End the reaper."""
        self.stopped.set()
