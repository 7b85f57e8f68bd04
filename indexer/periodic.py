"""Periodic tasks: the worker's own timer for work that is due by the clock, not by a request.

An area registers a ``PeriodicTask`` (a name, how often, and a function of the running Lantai
and the current time) with ``register``; ``lantai worker`` runs the ``Scheduler`` thread, which
asks the clock, claims each due task in the catalog (``periodic_runs``: of several workers
exactly one runs it) and runs it. ``run_due`` does one pass, so tests drive years of schedule
with a ``FixedClock`` in seconds, and ``lantai tasks run`` does the same by hand.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from archive.catalog.models import PeriodicRun
from archive.clock import SYSTEM, Clock
from indexer.context import Lantai

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicTask:
    """Work that is due every ``every``; ``run`` returns a short report (kept and logged)."""

    name: str
    every: dt.timedelta
    run: Callable[[Lantai, dt.datetime], str | None]
    description: str = ""


_TASKS: dict[str, PeriodicTask] = {}


def register(task: PeriodicTask) -> PeriodicTask:
    """Make ``task`` part of every worker's schedule (a name registered twice is a programming error)."""
    if task.name in _TASKS and _TASKS[task.name] is not task:
        raise ValueError(f"periodic task {task.name!r} is registered twice")
    _TASKS[task.name] = task
    return task


def registered() -> list[PeriodicTask]:
    """Every registered task, by name."""
    return [_TASKS[name] for name in sorted(_TASKS)]


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=dt.UTC)


def claim(lantai: Lantai, task: PeriodicTask, now: dt.datetime) -> bool:
    """Take ``task`` if it is due at ``now``; False when it is not, or another worker took it."""
    with lantai.catalog.session() as session:
        row = session.get(PeriodicRun, task.name)
        if row is None:
            try:
                with session.begin_nested():
                    session.add(PeriodicRun(name=task.name, last_run_at=now, last_ok=True))
                return True
            except IntegrityError:  # another worker inserted it first
                return False
        last = _aware(row.last_run_at)
        if last is not None and now < last + task.every:
            return False
        won = session.execute(  # type: ignore[attr-defined]
            update(PeriodicRun)
            .where(
                PeriodicRun.name == task.name,
                or_(PeriodicRun.last_run_at.is_(None), PeriodicRun.last_run_at == row.last_run_at),
            )
            .values(last_run_at=now)
        ).rowcount
        return bool(won)


def _report(lantai: Lantai, name: str, ok: bool, result: str | None) -> None:
    with lantai.catalog.session() as session:
        session.execute(
            update(PeriodicRun).where(PeriodicRun.name == name).values(last_ok=ok, last_result=(result or "")[:2000])
        )


def run_due(
    lantai: Lantai, clock: Clock = SYSTEM, tasks: Iterable[PeriodicTask] | None = None
) -> dict[str, str | None]:
    """Run every due task once (a failing task is logged and reported, the others still run)."""
    done: dict[str, str | None] = {}
    for task in registered() if tasks is None else list(tasks):
        now = clock.now()
        if not claim(lantai, task, now):
            continue
        try:
            result = task.run(lantai, now)
        except Exception as exc:  # one task's fault must not stop the schedule
            log.exception("periodic task %s failed", task.name)
            _report(lantai, task.name, False, f"{type(exc).__name__}: {exc}")
            done[task.name] = None
            continue
        _report(lantai, task.name, True, result)
        log.info("periodic task %s: %s", task.name, result or "done")
        done[task.name] = result
    return done


def last_runs(lantai: Lantai) -> list[PeriodicRun]:
    """The catalog's record of each task's last run."""
    with lantai.catalog.session() as session:
        rows = list(session.scalars(select(PeriodicRun).order_by(PeriodicRun.name)))
        session.expunge_all()
        return rows


class Scheduler(threading.Thread):
    """Runs ``run_due`` every ``interval`` seconds in a worker's main process."""

    def __init__(self, lantai: Lantai, interval: float = 60.0, clock: Clock = SYSTEM) -> None:
        super().__init__(daemon=True, name="lantai-scheduler")
        self.lantai = lantai
        self.interval = interval
        self.clock = clock
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                run_due(self.lantai, self.clock)
            except Exception:  # the scheduler must outlive a passing database fault
                log.exception("periodic pass failed")

    def stop(self) -> None:
        """End the scheduler."""
        self.stopped.set()
