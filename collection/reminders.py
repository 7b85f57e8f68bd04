"""Chasing (催交): reminders to a department's clerks by e-mail and in the portal, a configurable
number of days before and after a task's due date, at most once a day per task.

The daily pass (``reminder_pass``, a ``PeriodicTask`` in ``cli/schedule.py``) also derives the
new periods' tasks and runs the receipt checks the pipeline has made ready. Every reminder is
an audit event (``reminder``) and a ``ReminderSent`` row, which the department's page shows.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.audit import service as audit
from archive.audit.service import Actor, Target
from archive.catalog.collection import Department, FilingTask, ReminderSent
from archive.departments import department_clerks
from archive.mail import MailError, send_mail
from archive.vocabulary import AuditAction
from collection.tasks import OWED, derive_tasks
from config.settings import Settings
from indexer.context import Lantai

log = logging.getLogger(__name__)
SCHEDULER = Actor.system("scheduler")


def _days(text: str) -> list[int]:
    return sorted({int(x) for x in text.split(",") if x.strip()})


def milestones(task: FilingTask, settings: Settings) -> list[dt.date]:
    """The days a task is reminded on: N days before and M days after its due date."""
    before = [task.due_date - dt.timedelta(days=d) for d in _days(settings.reminder_days_before)]
    after = [task.due_date + dt.timedelta(days=d) for d in _days(settings.reminder_days_after)]
    return sorted(set(before + after))


def due_reminder(session: Session, task: FilingTask, settings: Settings, today: dt.date) -> dt.date | None:
    """The milestone a reminder is owed for today (the latest one reached and not yet reminded), or None."""
    reached = [m for m in milestones(task, settings) if m <= today]
    if not reached:
        return None
    last = session.scalar(
        select(ReminderSent.sent_on)
        .where(ReminderSent.task_id == task.id)
        .order_by(ReminderSent.sent_on.desc())
        .limit(1)
    )
    if last is not None and last >= reached[-1]:
        return None  # this milestone (or a later day) was reminded already
    return reached[-1]


def _message(task: FilingTask, department: Department, days: int) -> tuple[str, str]:
    if days >= 0:
        subject = f"【归档提醒】{task.title}（{task.period}）将于 {task.due_date} 截止 / Filing due {task.due_date}"
        state = f"距截止还有 {days} 天 / due in {days} days"
    else:
        subject = f"【逾期催交】{task.title}（{task.period}）已逾期 {-days} 天 / Filing {-days} days overdue"
        state = f"已逾期 {-days} 天 / {-days} days overdue"
    body = (
        f"{department.name}：\n\n归档任务“{task.title}”（{task.period}）截止日期为 {task.due_date}，{state}。\n"
        f"请登录兰台，在“移交”中提交本部门的档案及移交清册。\n\n"
        f"Filing task {task.title!r} ({task.period}) of {department.code} is due on {task.due_date}: {state}.\n"
        f"Please submit your records with their transfer list in Lantai (Collection).\n"
    )
    return subject, body


def send_reminders(lantai: Lantai, today: dt.date) -> list[ReminderSent]:
    """Remind every owed task that reached a milestone today; e-mail to its clerks (and the department)."""
    sent: list[ReminderSent] = []
    with lantai.catalog.session() as session:
        tasks = list(
            session.scalars(
                select(FilingTask).where(FilingTask.status.in_(OWED)).order_by(FilingTask.due_date, FilingTask.id)
            )
        )
        for task in tasks:
            if due_reminder(session, task, lantai.settings, today) is None:
                continue
            department = task.department
            recipients = [u.email for u in department_clerks(session, department.id) if u.email]
            if department.contact_email and department.contact_email not in recipients:
                recipients.append(department.contact_email)
            days = (task.due_date - today).days
            row = ReminderSent(task_id=task.id, sent_on=today, days=days, recipients=recipients)
            subject, body = _message(task, department, days)
            errors = []
            for address in recipients:
                try:
                    send_mail(lantai.settings, address, subject, body)
                except MailError as exc:  # the reminder stands in the portal; the failure is on its row
                    errors.append(exc.message)
            row.mailed = bool(recipients) and not errors and bool(lantai.settings.smtp_url)
            row.error = "; ".join(errors) or None
            session.add(row)
            session.flush()
            audit.record(
                session,
                AuditAction.REMINDER,
                SCHEDULER,
                Target.of("filing_task", task.id),
                {
                    "department": department.code,
                    "due": task.due_date.isoformat(),
                    "days": days,
                    "recipients": recipients,
                    "mailed": row.mailed,
                    "error": row.error,
                },
            )
            sent.append(row)
        session.expunge_all()
    return sent


def reminder_pass(lantai: Lantai, now: dt.datetime) -> str:
    """The daily pass: derive new tasks, run ready receipt checks, send the reminders due today."""
    from collection.checks import check_ready_transfers

    today = now.date()
    with lantai.catalog.session() as session:
        made = len(derive_tasks(session, today))
    checked = check_ready_transfers(lantai, now)
    sent = send_reminders(lantai, today)
    return f"{made} tasks derived, {checked} transfers checked, {len(sent)} reminders sent"


def reminders_of(session: Session, department_id: int | None = None) -> list[ReminderSent]:
    """Reminders sent (to one department), newest first."""
    query = select(ReminderSent).join(FilingTask, FilingTask.id == ReminderSent.task_id)
    if department_id is not None:
        query = query.where(FilingTask.department_id == department_id)
    return list(session.scalars(query.order_by(ReminderSent.sent_on.desc(), ReminderSent.id.desc())))
