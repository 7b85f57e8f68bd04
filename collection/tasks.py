"""Filing tasks (归档任务) and their deadlines: what each department owes for each period.

From the schedule, ``derive_tasks`` makes one task per department, periodic line and ended
period (idempotent: run daily by the reminder pass); archivists add one-off tasks for a project
or event. A task is open, submitted, returned or accepted; ``task_status`` adds overdue from the
due date and the clock (time is a parameter: every function takes ``today``).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.audit import service as audit
from archive.audit.service import Actor, Target, Where
from archive.catalog.collection import Department, FilingTask, ScheduleLine
from archive.departments import resolve
from archive.description.schema import DescriptionError, normalize_value
from archive.vocabulary import AuditAction, FilingRule, TaskStatus
from config.errors import InputError, NotFoundError

OWED = (TaskStatus.OPEN.value, TaskStatus.RETURNED.value)  # still waiting for the department


@dataclass(frozen=True)
class Period:
    """A filing period: its label, first and last day."""

    label: str
    start: dt.date
    end: dt.date


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def last_ended_period(rule: str, today: dt.date) -> Period | None:
    """The most recent period of a periodic rule that has ended by ``today`` (None for events)."""
    if rule == FilingRule.YEARLY:
        year = today.year - 1
        return Period(str(year), dt.date(year, 1, 1), dt.date(year, 12, 31))
    if rule == FilingRule.MONTHLY:
        first = today.replace(day=1) - dt.timedelta(days=1)
        return Period(f"{first.year}-{first.month:02d}", first.replace(day=1), first)
    if rule == FilingRule.QUARTERLY:
        quarter = (today.month - 1) // 3  # the quarter before the current one
        year = today.year if quarter else today.year - 1
        quarter = quarter or 4
        return Period(f"{year}-Q{quarter}", dt.date(year, 3 * quarter - 2, 1), _month_end(year, 3 * quarter))
    return None


def due_date(line: ScheduleLine, period: Period) -> dt.date:
    """When a period's records of ``line`` are due."""
    if line.rule == FilingRule.YEARLY:
        year = period.end.year + 1
        month = line.due_month or 3
        return dt.date(year, month, min(line.due_day or 31, calendar.monthrange(year, month)[1]))
    default = 15 if line.rule == FilingRule.MONTHLY else 30
    return period.end + dt.timedelta(days=line.within_days if line.within_days is not None else default)


def task_status(task: FilingTask, today: dt.date) -> TaskStatus:
    """The task's state today: its stored state, or overdue when still owed after the due date."""
    if task.status in OWED and today > task.due_date:
        return TaskStatus.OVERDUE
    return TaskStatus(task.status)


def days_overdue(task: FilingTask, today: dt.date) -> int:
    """Days past the due date (0 when not overdue)."""
    return max(0, (today - task.due_date).days) if task.status in OWED else 0


def derive_tasks(session: Session, today: dt.date) -> list[FilingTask]:
    """Make the tasks of every periodic line for every department for the last ended period; the new ones.

    A line for all departments applies to every active department; a task once made is never
    made again (unique per department, line and period), so this is safe to run daily.
    """
    departments = list(session.scalars(select(Department).where(Department.active)))
    lines = list(session.scalars(select(ScheduleLine).where(ScheduleLine.active)))
    existing = {
        (t.department_id, t.schedule_line_id, t.period)
        for t in session.scalars(select(FilingTask).where(FilingTask.schedule_line_id.is_not(None)))
    }
    made: list[FilingTask] = []
    for line in lines:
        period = last_ended_period(line.rule, today)
        if period is None:
            continue
        for department in departments:
            if line.department_id not in (None, department.id):
                continue
            key = (department.id, line.id, period.label)
            if key in existing:
                continue
            task = FilingTask(
                department_id=department.id,
                schedule_line_id=line.id,
                title=line.name,
                period=period.label,
                period_start=period.start,
                period_end=period.end,
                due_date=due_date(line, period),
                expected_count=line.expected_count,
                category_code=line.category_code,
                retention=line.retention,
                status=TaskStatus.OPEN,
                created_by="schedule",
            )
            session.add(task)
            existing.add(key)
            made.append(task)
    session.flush()
    return made


def add_task(
    session: Session,
    *,
    department: str,
    title: str,
    due: dt.date,
    expected_count: int = 1,
    category: str | None = None,
    retention: str | None = None,
    period: str | None = None,
    line_id: int | None = None,
    actor: Actor,
    where: Where | None = None,
) -> FilingTask:
    """A one-off task (a project or an event with its own due date); audited (``task_create``)."""
    found = resolve(session, department)
    if not title.strip():
        raise InputError("A task needs a title", "归档任务需要名称")
    if expected_count < 1:
        raise InputError("The expected count is at least 1", "应交件数至少为 1")
    try:
        category_code = normalize_value("category_code", category) if category else None
        retention_code = normalize_value("retention", retention) if retention else None
    except DescriptionError as exc:
        raise InputError(exc.message_en, exc.message_zh) from None
    if line_id is not None and session.get(ScheduleLine, line_id) is None:
        raise NotFoundError(f"No schedule line {line_id}", f"归档范围条目 {line_id} 不存在")
    task = FilingTask(
        department_id=found.id,
        schedule_line_id=line_id,
        title=title.strip(),
        period=period or title.strip()[:64],
        due_date=due,
        expected_count=expected_count,
        category_code=category_code,
        retention=retention_code,
        status=TaskStatus.OPEN,
        created_by=actor.name,
    )
    session.add(task)
    session.flush()
    audit.record(
        session,
        AuditAction.TASK_CREATE,
        actor,
        Target.of("filing_task", task.id),
        {"department": found.code, "title": task.title, "due": due.isoformat(), "expected_count": expected_count},
        where=where,
    )
    return task


def get_task(session: Session, task_id: int) -> FilingTask:
    """A task by id (``NotFoundError`` otherwise)."""
    task = session.get(FilingTask, task_id)
    if task is None:
        raise NotFoundError(f"No filing task {task_id}", f"归档任务 {task_id} 不存在")
    return task


def list_tasks(
    session: Session, *, department_id: int | None = None, status: str | None = None, today: dt.date
) -> list[FilingTask]:
    """Tasks (of one department, in one state as of ``today``), by due date."""
    query = select(FilingTask).order_by(FilingTask.due_date, FilingTask.id)
    if department_id is not None:
        query = query.where(FilingTask.department_id == department_id)
    tasks = list(session.scalars(query))
    if status:
        wanted = TaskStatus.parse(status)
        tasks = [t for t in tasks if task_status(t, today) is wanted]
    return tasks


def overdue(session: Session, today: dt.date) -> list[tuple[FilingTask, int]]:
    """The overdue view: every task still owed after its due date, with its days overdue, most overdue first."""
    rows = session.scalars(
        select(FilingTask)
        .where(FilingTask.status.in_(OWED), FilingTask.due_date < today)
        .order_by(FilingTask.due_date, FilingTask.id)
    )
    return [(task, days_overdue(task, today)) for task in rows]
