"""Processing jobs here, in a pool of processes, without a background worker
(``lantai ingest --inline`` and benchmarks). Each pool process builds its own context.

Each document runs under the same watch as on a worker (``indexer.monitor``): memory cap,
soft and hard time limits, heartbeat. A pool process that dies (killed by its memory cap or
time limit, or a crash in a native library) takes the pool down with it; the runner then
starts a new pool and hands out again every job not finished. A job already marked failed is
left alone, and one whose process crashed is tried again up to ``LANTAI_TASK_MAX_RETRIES``
times (``indexer.process.start_job``), as on a worker: the batch always goes on.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from multiprocessing.context import BaseContext

from sqlalchemy import select

from archive.catalog.models import Job
from archive.vocabulary import JobStatus
from config.errors import LantaiError

log = logging.getLogger(__name__)


class PoolDied(LantaiError):
    code = "pool_died"
    default_zh = "处理进程反复退出"
    default_en = "The processing processes keep dying"


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
    """Process a job in a pool process, watched; the job ids of any children (ZIP entries)."""
    from indexer.context import current
    from indexer.monitor import JobMonitor, SoftTimeLimitExceeded, soft_time_limit
    from indexer.process import TimeLimitExceeded, UnexpectedError, fail_job, process_job

    lantai = current()
    settings = lantai.settings
    monitor = JobMonitor(lantai, job_id, hard_limit=settings.task_time_limit)
    monitor.start()
    try:
        with soft_time_limit(settings.task_soft_time_limit):
            outcome = process_job(lantai, job_id, dispatch_children=False)
    except SoftTimeLimitExceeded:  # outside the extraction, which reports it itself
        fail_job(lantai, job_id, TimeLimitExceeded())
        return JobStatus.FAILED, []
    except Exception as exc:  # the catalog or index failed: this document fails, the batch goes on
        log.exception("job %s failed unexpectedly", job_id)
        fail_job(lantai, job_id, UnexpectedError(f"Unexpected error: {exc}", "意外错误"))
        return JobStatus.FAILED, []
    finally:
        monitor.stop()
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


class InlinePool:
    """``workers`` pool processes, started at once (they load the pipeline meanwhile).

    Make it before anything else opens threads (the search index does when records are
    indexed) so that the processes can be forked, and after closing the catalog's
    connections, so that none is carried into a pool process. Use it as a context manager.
    """

    def __init__(self, workers: int, max_restarts: int = 100) -> None:
        self.workers = max(1, workers)
        self.restarts_left = max_restarts
        self.pending: dict[Future[tuple[str, list[str]]], str] = {}
        self.pool = self._start()

    def _start(self) -> ProcessPoolExecutor:
        context = pool_context()
        log.debug("starting %d pool processes (%s)", self.workers, context.get_start_method())
        pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context, initializer=_init)
        for _ in range(self.workers):  # submitting starts the processes (forked all at once)
            pool.submit(_ready)
        return pool

    def __enter__(self) -> InlinePool:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

    def add(self, job_id: str) -> None:
        """Hand a job to the pool (processing starts at once)."""
        try:
            self.pending[self.pool.submit(_process, job_id)] = job_id
        except BrokenProcessPool:
            self._restart([*self.pending.values(), job_id])

    def run(self, jobs: Iterable[str] = (), on_done: Callable[[int], None] | None = None) -> None:
        """Process ``jobs`` and those already added (and their children) to the end;
        ``on_done(n_new_children)`` once per job."""
        for job_id in jobs:
            self.add(job_id)
        while self.pending:
            finished, _ = wait(self.pending, timeout=1.0, return_when=FIRST_COMPLETED)
            broken = False
            for future in finished:
                job_id = self.pending.pop(future)
                try:
                    _status, children = future.result()
                except BrokenProcessPool:
                    self.pending[future] = job_id  # handed out again below
                    broken = True
                    continue
                for child in children:
                    self.add(child)
                if on_done is not None:
                    on_done(len(children))
            if broken:
                self._restart(list(self.pending.values()))

    def _restart(self, jobs: list[str]) -> None:
        """A pool process died: a new pool, and every job not finished handed out again."""
        log.warning("a pool process died; %d unfinished documents are handed out again", len(jobs))
        self.pool.shutdown(wait=True, cancel_futures=True)
        self.restarts_left -= 1
        if self.restarts_left < 0:  # dying before any document (a broken installation)
            raise PoolDied(
                f"The processing processes keep dying; {len(jobs)} documents were not processed "
                "(see the log; `lantai ingest` again goes on where this stopped)",
                f"处理进程反复退出，{len(jobs)} 个文件未处理（请查看日志；再次运行 `lantai ingest` 可接着处理）",
            )
        self.pool = self._start()
        self.pending = {}
        for job_id in jobs:
            self.add(job_id)
