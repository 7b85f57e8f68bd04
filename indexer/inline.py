"""Processing jobs here, in a pool of processes, without a background worker
(``lantai ingest --inline`` and benchmarks). Each pool process builds its own context."""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing import get_context
from multiprocessing.context import BaseContext

from sqlalchemy import select

from config.errors import LantaiError
from indexer.catalog.models import Job, JobStatus

log = logging.getLogger(__name__)


def _init() -> None:
    from indexer.context import Lantai, set_current

    os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # one core per tesseract: parallel by process
    set_current(Lantai.from_environment())
    # Load the pipeline now, while the parent is still storing the files it submits.
    import ocr.parallel  # noqa: F401
    from indexer.extract.base import load_builtin_extractors
    from indexer.process import process_job  # noqa: F401
    from ocr.tesseract import TesseractEngine

    load_builtin_extractors()
    with contextlib.suppress(LantaiError):  # no tesseract: the pages that need it say so
        TesseractEngine().installed_languages()  # kept for the process: one `tesseract --list-langs`


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


def pool_context() -> BaseContext:
    """How pool processes start: forked where that is safe (Linux, and this process runs a
    single thread, counted by the kernel so that threads of native libraries count too), so
    they start at once with everything imported; spawned (a fresh interpreter, ~1 s of
    imports each) elsewhere."""
    try:
        single = len(os.listdir("/proc/self/task")) == 1
    except OSError:
        single = False
    return get_context("fork" if single else "spawn")


def _ready() -> int:
    return os.getpid()


@contextmanager
def inline_pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """A pool of ``workers`` processes, all started now (they load the pipeline meanwhile).

    Start it before anything else opens threads (the search index does when records are
    indexed at submission) so that the processes can be forked; close the catalog's
    connections before, so that none is carried into a pool process.
    """
    count = max(1, workers)
    context = pool_context()
    log.info("starting %d pool processes (%s)", count, context.get_start_method())
    with ProcessPoolExecutor(max_workers=count, mp_context=context, initializer=_init) as pool:
        for _ in range(count):  # submitting starts the processes (forked all at once)
            pool.submit(_ready)
        yield pool


def run_inline(
    pool: ProcessPoolExecutor, jobs: list[str], on_done: Callable[[int], None] | None = None
) -> None:
    """Process ``jobs`` (and their children) in the pool's processes; ``on_done(n_new)`` per job."""
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
            time.sleep(0.05)
