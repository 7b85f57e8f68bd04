"""The periodic tasks every worker runs, registered explicitly in one place (``indexer.periodic``).

Each area contributes its tasks here; ``lantai worker`` starts the scheduler over them and
``lantai tasks`` lists and runs them by hand.
"""

from __future__ import annotations

import datetime as dt

import click

from archive.grants import expire_grants
from cli.main import pass_lantai
from collection.checks import check_ready_transfers
from collection.reminders import reminder_pass
from config.errors import InputError
from indexer.alerts import alert_pass
from indexer.context import Lantai
from indexer.periodic import PeriodicTask, last_runs, register, registered, run_due
from indexer.search.purge import purge
from preservation.fixity import scheduled_pass


def _purge_sessions(lantai: Lantai, now: dt.datetime) -> str:
    from portal.auth.sessions import purge_expired

    with lantai.catalog.session() as session:
        return f"{purge_expired(session)} expired sessions removed"


def _expire_grants(lantai: Lantai, now: dt.datetime) -> str:
    with lantai.catalog.session() as session:
        return f"{expire_grants(session, now)} expired grants recorded"


def _receipt_checks(lantai: Lantai, now: dt.datetime) -> str:
    return f"{check_ready_transfers(lantai, now)} transfers checked"


BUILTIN: tuple[PeriodicTask, ...] = (
    PeriodicTask("index_purge", dt.timedelta(minutes=5), purge,
                 "Rebuild the index when records made secret may still have text in its files"),
    PeriodicTask("session_purge", dt.timedelta(hours=1), _purge_sessions,
                 "Remove expired portal sessions"),
    PeriodicTask("grant_expiry", dt.timedelta(hours=1), _expire_grants,
                 "Record an access_expire event for each grant that ran out"),
    PeriodicTask("receipt_checks", dt.timedelta(minutes=1), _receipt_checks,
                 "Run the receipt checks of submitted transfers the pipeline has finished"),
    PeriodicTask("collection_daily", dt.timedelta(days=1), reminder_pass,
                 "Derive filing tasks, run ready receipt checks, remind departments of due and overdue tasks"),
    PeriodicTask("fixity_daily", dt.timedelta(days=1), scheduled_pass,
                 "Re-hash today's share of the originals (all once per LANTAI_FIXITY_CYCLE_DAYS); watch free space"),
    PeriodicTask("search_alerts", dt.timedelta(hours=1), alert_pass,
                 "Tell users of new records matching their saved searches (in the portal; e-mail when SMTP is set)"),
)


def register_all() -> None:
    """Register every periodic task of Lantai (idempotent)."""
    for task in BUILTIN:
        register(task)


@click.group("tasks")
def tasks() -> None:
    """Periodic tasks (定时任务) the worker runs: list them, or run the due ones now."""


@tasks.command("list")
@pass_lantai
def list_tasks(lantai: Lantai) -> None:
    """Each task: how often it runs, when it last ran and what it reported."""
    register_all()
    runs = {run.name: run for run in last_runs(lantai)}
    for task in registered():
        run = runs.get(task.name)
        last = run.last_run_at.strftime("%Y-%m-%d %H:%M") if run and run.last_run_at else "—"
        state = "" if run is None else (" ok" if run.last_ok else " FAILED")
        click.echo(f"{task.name:<16} every {task.every}  last {last}{state}  {task.description}")
        if run and run.last_result:
            click.echo(f"{'':<16} {run.last_result}")


@tasks.command("run")
@click.argument("names", nargs=-1)
@pass_lantai
def run_tasks(lantai: Lantai, names: tuple[str, ...]) -> None:
    """Run the due tasks now (or only NAMES); a task not yet due is left for its time."""
    register_all()
    chosen = [t for t in registered() if not names or t.name in names]
    unknown = sorted(set(names) - {t.name for t in chosen})
    if unknown:
        raise InputError(f"Unknown tasks: {', '.join(unknown)}", f"未知的定时任务：{'、'.join(unknown)}")
    done = run_due(lantai, tasks=chosen)
    for name, result in done.items():
        click.echo(f"{name}: {result or '失败 / failed (see the log)'}")
    if not done:
        click.echo("没有到期的任务 / No task is due.")


commands: list[click.Command] = [tasks]
