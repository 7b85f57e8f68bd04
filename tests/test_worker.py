"""A real Celery worker on the embedded broker and on Redis: jobs run, and a job whose worker
is killed with SIGKILL mid-task is delivered again and its result recorded exactly once."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import psutil
import pytest
import redis
from sqlalchemy import select, update

from archive.audit.service import CLI
from archive.catalog.models import Job, Page, Record, utcnow
from indexer.context import Lantai, set_current
from indexer.ingest import submit_file
from tests.conftest import REDIS_URL, ROOT, make_settings
from tests.docgen import LINES, scanned_pdf

pytestmark = [pytest.mark.worker, pytest.mark.slow]

REDIS_TEST_DB = 11  # the suite owns databases 11-15 (Redis has 16) and empties them before each test


def _redis_broker() -> str:
    """The test's Redis database: the one LANTAI_TEST_REDIS_URL names, else database 11 (12,
    13, ... 15 for the second, third, ... parallel test process, then round again: with
    ``--dist loadfile`` this file runs in one process anyway)."""
    base = REDIS_URL.rstrip("/")
    parallel = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    url = base if urlsplit(base).path.strip("/") else f"{base}/{REDIS_TEST_DB + parallel % 5}"
    redis.Redis.from_url(url).flushdb()
    return url


BROKERS: dict[str, Callable[[], str | None]] = {
    "embedded": lambda: None,
    "redis": _redis_broker,
}


class WorkerProcess:
    """``lantai worker`` as a child process in its own process group."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        handle = self.log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "cli", "worker", "--concurrency", "1"],
            env=self.env,
            cwd=ROOT,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill_all(self) -> None:
        """SIGKILL the whole worker: main process, pool and housekeeping (its process group)."""
        if self.proc:
            with contextlib.suppress(ProcessLookupError):  # the whole group is gone already
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill_all()


@pytest.fixture(params=sorted(BROKERS))
def env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Lantai, dict[str, str], Path]]:
    broker = BROKERS[request.param]()
    overrides = {
        "job_lease_seconds": "6",
        "task_soft_time_limit": "240",
        "task_time_limit": "300",
        "worker_concurrency": "1",
        "ocr_languages": "chi_sim",
    }
    if broker:
        overrides["broker_url"] = broker
    settings = make_settings(tmp_path / "var", **overrides)
    env = {
        **os.environ,
        **{f"LANTAI_{k.upper()}": v for k, v in overrides.items()},
        "LANTAI_DATA_DIR": str(settings.data_dir),
    }
    lantai = Lantai(settings)
    lantai.catalog.upgrade()
    set_current(lantai)
    yield lantai, env, tmp_path
    set_current(None)
    lantai.close()


def _wait_for(predicate: Callable[[], bool], timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
    raise AssertionError(f"timed out waiting for {what}\nworker log:\n{tail}")


def _job(lantai: Lantai, job_id: str) -> Job:
    with lantai.catalog.session() as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job


def test_worker_processes_queued_documents(env: tuple[Lantai, dict[str, str], Path]) -> None:
    lantai, worker_env, tmp = env
    files = []
    for n, text in enumerate(["第一份通知：归档范围", "第二份通知：移交清单", "plain English memo"]):
        path = tmp / f"doc{n}.txt"
        path.write_text(text, encoding="utf-8")
        files.append(path)
    jobs = [submit_file(lantai, p, actor=CLI).job_id for p in files]
    worker = WorkerProcess(worker_env, tmp / "worker.log")
    worker.start()
    try:
        _wait_for(lambda: all(_job(lantai, j).status == "done" for j in jobs if j), 120, "3 jobs done", worker.log)
    finally:
        worker.stop()
    with lantai.catalog.session() as session:
        texts = sorted(p.text for p in session.scalars(select(Page)))
    assert texts == sorted(["第一份通知：归档范围", "第二份通知：移交清单", "plain English memo"])


@pytest.mark.parametrize("victim", ["pool-process", "whole-worker"])
def test_killed_worker_job_is_delivered_again_and_recorded_once(
    env: tuple[Lantai, dict[str, str], Path], victim: str
) -> None:
    lantai, worker_env, tmp = env
    pages = [[LINES[i % len(LINES)], LINES[(i + 1) % len(LINES)]] for i in range(4)]
    submission = submit_file(lantai, scanned_pdf(tmp / "scan.pdf", pages), actor=CLI)
    job_id = submission.job_id
    assert job_id
    log = tmp / "worker.log"
    worker = WorkerProcess(worker_env, log)
    worker.start()
    try:
        # Wait until the worker is inside the task: one page done of four.
        _wait_for(lambda: _job(lantai, job_id).pages_done >= 1, 120, "first page", log)
        owner = _job(lantai, job_id).worker or ""
        if victim == "pool-process":
            os.kill(int(owner.rpartition(":")[2]), signal.SIGKILL)
        else:
            worker.kill_all()
            worker = WorkerProcess(worker_env, log)
            worker.start()
        # Well inside the test's own time limit, so that a hang shows the worker's log.
        _wait_for(lambda: _job(lantai, job_id).status in ("done", "failed"), 150, "job finished", log)
    finally:
        worker.stop()
    job = _job(lantai, job_id)
    assert job.status == "done", job.error_message
    assert job.attempts == 2  # delivered again after the kill, not more
    with lantai.catalog.session() as session:
        record = session.get(Record, submission.record_id)
        assert record is not None and record.status == "done" and record.page_count == 4
        numbers = [p.number for p in session.scalars(select(Page).where(Page.record_id == record.id))]
        assert sorted(numbers) == [1, 2, 3, 4]  # each page recorded exactly once
        assert "档案" in "".join(p.text for p in record.pages)


@pytest.mark.parametrize("env", ["embedded"], indirect=True)
def test_housekeeping_runs_beside_the_worker_and_ends_with_it(env: tuple[Lantai, dict[str, str], Path]) -> None:
    """The reaper, scheduler and inbox live in a spawned process, never as threads of the
    process that forks Celery's pool (a fork copies their locks); killed outright, the worker
    takes its housekeeping process with it."""
    _lantai, worker_env, tmp = env
    log = tmp / "worker.log"
    worker = WorkerProcess(worker_env, log)
    worker.start()
    assert worker.proc is not None
    try:
        main = psutil.Process(worker.proc.pid)

        def keeper() -> psutil.Process | None:
            found = [p for p in main.children() if "spawn_main" in " ".join(p.cmdline())]
            return found[0] if found else None

        _wait_for(lambda: keeper() is not None, 60, "the housekeeping process", log)
        housekeeping = keeper()
        assert housekeeping is not None
        os.kill(main.pid, signal.SIGKILL)  # the main process alone
        worker.proc.wait()
        housekeeping.wait(timeout=30)  # psutil.TimeoutExpired if it outlived its worker
    finally:
        worker.kill_all()


@pytest.mark.parametrize("env", ["embedded"], indirect=True)
def test_a_queued_job_whose_message_is_gone_runs_when_a_worker_starts(
    env: tuple[Lantai, dict[str, str], Path],
) -> None:
    """A job left queued with no message (a worker killed with it in hand, a broker down at
    submission) is sent again by the next worker that starts, and runs once."""
    lantai, worker_env, tmp = env
    path = tmp / "lost.txt"
    path.write_text("消息丢失后重新派发的文件", encoding="utf-8")
    job_id = submit_file(lantai, path, actor=CLI, dispatch=False).job_id  # no message at all
    assert job_id
    with lantai.catalog.session() as session:  # queued for longer than the lease
        session.execute(update(Job).where(Job.id == job_id).values(created_at=utcnow() - dt.timedelta(minutes=5)))
    log = tmp / "worker.log"
    worker = WorkerProcess(worker_env, log)
    worker.start()
    try:
        _wait_for(lambda: _job(lantai, job_id).status in ("done", "failed"), 120, "the lost job finished", log)
    finally:
        worker.stop()
    job = _job(lantai, job_id)
    assert job.status == "done" and job.attempts == 1, job.error_message
