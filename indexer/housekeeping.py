"""The worker's housekeeping: the lease reaper, the periodic scheduler and the inbox watcher,
in a process of their own beside Celery's.

They must not be threads of Celery's main process: that process forks a new pool process
whenever one dies, and a fork copies every lock as it is at that instant. A reaper thread
halfway through a SQLite call (or a kombu send) at the moment of the fork leaves the new pool
process a lock nobody will ever release, and the pool process hangs on its first query: the
document of a killed pool process was then never finished. A process started with ``spawn``
shares no memory with the worker, so there is nothing to inherit.

The housekeeping process ends when asked (SIGTERM), and on its own when its parent is gone.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from multiprocessing.process import BaseProcess
from typing import Protocol

from config.settings import Settings
from indexer.context import Lantai, set_current

log = logging.getLogger(__name__)


class Service(Protocol):
    """A loop of the housekeeping process (a thread with ``stop``)."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


def services(lantai: Lantai) -> list[Service]:
    """What the housekeeping process runs for these settings."""
    from indexer.inbox import InboxThread
    from indexer.lease import Reaper
    from indexer.periodic import Scheduler

    found: list[Service] = [Reaper(lantai), Scheduler(lantai)]
    if lantai.settings.inbox_dir is not None:
        found.append(InboxThread(lantai, lantai.settings.inbox_dir))
    return found


def run(settings: Settings, parent: int, prepare: Callable[[Settings], None] | None = None) -> None:
    """The housekeeping process's body: run the services until SIGTERM or until ``parent`` exits."""
    if prepare is not None:
        prepare(settings)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda _signum, _frame: stopped.set())
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group; the worker decides
    lantai = Lantai(settings)
    set_current(lantai)
    loops = services(lantai)
    for loop in loops:
        loop.start()
    try:
        while not stopped.wait(1.0):
            if os.getppid() != parent:  # the worker was killed outright: do not outlive it
                log.warning("the worker %s is gone; housekeeping stops", parent)
                break
    finally:
        for loop in loops:
            loop.stop()
        lantai.close()


def start(settings: Settings, prepare: Callable[[Settings], None] | None = None) -> BaseProcess:
    """Start the housekeeping process (``prepare``, a module-level function, runs in it first)."""
    process = multiprocessing.get_context("spawn").Process(
        target=run, args=(settings, os.getpid(), prepare), name="lantai-housekeeping", daemon=False
    )
    process.start()
    return process


def stop(process: BaseProcess, grace: float = 30.0) -> None:
    """Ask the housekeeping process to end, then insist."""
    if process.is_alive() and process.pid is not None:
        os.kill(process.pid, signal.SIGTERM)
        process.join(grace)
    if process.is_alive():
        process.kill()
        process.join()
