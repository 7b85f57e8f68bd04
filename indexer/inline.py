"""Processing jobs here, in a pool of processes, without a background worker
(``lantai ingest --inline`` and benchmarks). Each pool process builds its own context."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context

from sqlalchemy import select

from indexer.catalog.models import Job, JobStatus


def _init() -> None:
    import os

    from indexer.context import Lantai, set_current

    os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # one core per tesseract: parallel by process
    set_current(Lantai.from_environment())


def _process(job_id: str) -> tuple[str, list[str]]:
    """Process a job in a pool process; the job ids of any children (ZIP entries) to do next."""
    from indexer.context import current
    from indexer.process import process_job

    lantai = current()
    outcome = process_job(lantai, job_id, dispatch_children=False)
    child_jobs: list[str] = []
    if outcome.children:
        with lantai.catalog.session() as session:
            child_jobs = list(
                session.scalars(
                    select(Job.id).where(Job.record_id.in_(outcome.children), Job.status == JobStatus.QUEUED)
                )
            )
    return outcome.status, child_jobs


def run_inline(jobs: list[str], workers: int, on_done: Callable[[int], None] | None = None) -> None:
    """Process ``jobs`` (and their children) in ``workers`` processes; ``on_done(n_new)`` per job."""
    with ProcessPoolExecutor(max_workers=max(1, workers), mp_context=get_context("spawn"), initializer=_init) as pool:
        pending: set[Future[tuple[str, list[str]]]] = {pool.submit(_process, job_id) for job_id in jobs}
        while pending:
            finished = {f for f in pending if f.done()}
            for future in finished:
                pending.remove(future)
                _status, children = future.result()
                pending.update(pool.submit(_process, child) for child in children)
                if on_done is not None:
                    on_done(len(children))
            if not finished:
                time.sleep(0.1)
