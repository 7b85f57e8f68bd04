"""``lantai collect``: departments and clerks, the filing schedule, tasks, submissions, receipt
checks, acceptance or return, the 移交清册, reminders and statistics (收集、移交与接收)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import click
from sqlalchemy import select

from archive.catalog.accounts import User
from archive.clock import SYSTEM
from archive.departments import assign_clerk, list_departments, save_department
from archive.resources import department_json, schedule_line_json, task_json, transfer_json
from cli.main import pass_lantai
from cli.operator import CLI
from cli.params import CATALOG_ID, COUNT, YEAR
from collection import decisions
from collection.checks import report, run_checks
from collection.reminders import reminder_pass
from collection.schedules import (
    COLUMNS,
    active_lines,
    delete_line,
    export_xlsx,
    import_xlsx,
    load_starter,
    save_line,
)
from collection.statistics import statistics, statistics_xlsx
from collection.submission import read_list, submit_transfer
from collection.tasks import add_task, days_overdue, derive_tasks, list_tasks, overdue, task_status
from collection.transfer_list import transfer_list, transfer_list_pdf, transfer_list_xlsx
from config.errors import InputError, NotFoundError
from indexer.context import Lantai


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@click.group("collect")
def collect() -> None:
    """Collection and transfer (收集、移交与接收): departments, schedules, tasks, transfers."""


@collect.command("departments")
@click.option("--json", "as_json", is_flag=True)
@pass_lantai
def departments(lantai: Lantai, as_json: bool) -> None:
    """List the departments (机构)."""
    with lantai.catalog.session() as session:
        rows = [department_json(d) for d in list_departments(session)]
    if as_json:
        _echo_json(rows)
        return
    for row in rows:
        click.echo(f"{row['code']:<8} {row['name']}  {'、'.join(row['aliases'])}  {row['contact_email'] or ''}")


@collect.command("department")
@click.argument("code")
@click.argument("name")
@click.option("--alias", "aliases", multiple=True, help="Another name (repeatable).")
@click.option("--parent", help="Parent department (code, name or alias).")
@click.option("--email", help="Contact e-mail address.")
@pass_lantai
def department(lantai: Lantai, code: str, name: str, aliases: tuple[str, ...], parent: str | None,
               email: str | None) -> None:
    """Add a department, or change the one with CODE."""
    with lantai.catalog.session() as session:
        found = save_department(session, code=code, name=name, aliases=aliases, parent=parent, contact_email=email,
                                actor=CLI)
        click.echo(f"{found.code} {found.name}")


@collect.command("clerk")
@click.argument("username")
@click.argument("department_name")
@pass_lantai
def clerk(lantai: Lantai, username: str, department_name: str) -> None:
    """Make USERNAME (role clerk) the clerk of a department."""
    with lantai.catalog.session() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFoundError(f"No user {username}", f"用户 {username} 不存在")
        assign_clerk(session, user, department_name, actor=CLI)
    click.echo(f"{username} → {department_name}")


@collect.group("schedule")
def schedule() -> None:
    """The filing schedule (归档范围与保管期限表)."""


@schedule.command("load")
@click.argument("which", type=click.Choice(["government", "school"]))
@pass_lantai
def schedule_load(lantai: Lantai, which: str) -> None:
    """Load a shipped starter schedule."""
    with lantai.catalog.session() as session:
        click.echo(f"{len(load_starter(session, which, actor=CLI))} lines loaded ({which})")


@schedule.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--name", default="default", show_default=True, help="Which schedule the lines replace.")
@pass_lantai
def schedule_import(lantai: Lantai, path: Path, name: str) -> None:
    """Replace a schedule with the lines of an XLSX file (all or nothing; bad rows are named)."""
    with lantai.catalog.session() as session:
        click.echo(f"{len(import_xlsx(session, name, path.read_bytes(), actor=CLI))} lines imported")


@schedule.command("lines")
@click.option("--json", "as_json", is_flag=True)
@pass_lantai
def schedule_lines(lantai: Lantai, as_json: bool) -> None:
    """List the active schedule lines: id, schedule, 门类, 保管期限, rule, name."""
    with lantai.catalog.session() as session:
        rows = [schedule_line_json(line) for line in active_lines(session)]
    if as_json:
        _echo_json(rows)
        return
    for r in rows:
        click.echo(f"{r['id']:>5}  {r['schedule']:<10} {r['category_code']:<3} {r['retention']:<4} {r['rule']:<12} "
                   f"{r['name']}")


def _line_options(command: Any) -> Any:
    """The options of ``schedule add`` and ``schedule set`` (the XLSX columns; labels or codes accepted)."""
    for name, zh, _en in reversed(COLUMNS):
        command = click.option(f"--{name.replace('_', '-')}", name, help=f"{zh}")(command)
    return command


@schedule.command("add")
@click.option("--schedule", "schedule_name", default="default", show_default=True, help="Which schedule.")
@_line_options
@pass_lantai
def schedule_add(lantai: Lantai, schedule_name: str, **values: Any) -> None:
    """Add a line (checked like an imported row; audited)."""
    with lantai.catalog.session() as session:
        line = save_line(session, values, schedule=schedule_name, actor=CLI)
        click.echo(f"line {line.id} added to {line.schedule}")


@schedule.command("set")
@click.argument("line_id", type=CATALOG_ID)
@_line_options
@pass_lantai
def schedule_set(lantai: Lantai, line_id: int, **values: Any) -> None:
    """Change a line; options not given keep their value (tasks already derived keep theirs)."""
    with lantai.catalog.session() as session:
        current = next((r for r in map(schedule_line_json, active_lines(session)) if r["id"] == line_id), None)
        if current is None:
            raise NotFoundError(f"No schedule line {line_id}", f"归档范围条目 {line_id} 不存在")
        department = next((d["code"] for d in map(department_json, list_departments(session))
                           if d["id"] == current["department_id"]), None)
        merged = {"department": department, "category": current["category_code"], **current}
        merged.update({k: v for k, v in values.items() if v is not None})
        line = save_line(session, merged, line_id=line_id, actor=CLI)
        click.echo(f"line {line.id} changed")


@schedule.command("delete")
@click.argument("line_id", type=CATALOG_ID)
@pass_lantai
def schedule_delete(lantai: Lantai, line_id: int) -> None:
    """Take a line out of its schedule (tasks made from it keep it; audited)."""
    with lantai.catalog.session() as session:
        delete_line(session, line_id, actor=CLI)
    click.echo(f"line {line_id} deleted")


@schedule.command("export")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@pass_lantai
def schedule_export(lantai: Lantai, output: Path) -> None:
    """Write the active schedule lines as XLSX."""
    with lantai.catalog.session() as session:
        output.write_bytes(export_xlsx(session))
    click.echo(str(output))


@collect.command("tasks")
@click.option("--department", help="Code, name or alias.")
@click.option("--status", help="open, submitted, returned, accepted or overdue.")
@click.option("--derive", is_flag=True, help="First derive the tasks of periods that ended.")
@click.option("--json", "as_json", is_flag=True)
@pass_lantai
def tasks(lantai: Lantai, department: str | None, status: str | None, derive: bool, as_json: bool) -> None:
    """Filing tasks with their due dates and state today."""
    from archive.departments import resolve

    today = SYSTEM.now().date()
    with lantai.catalog.session() as session:
        if derive:
            derive_tasks(session, today)
        department_id = resolve(session, department).id if department else None
        rows = [task_json(t, task_status(t, today).value, days_overdue(t, today))
                for t in list_tasks(session, department_id=department_id, status=status, today=today)]
    if as_json:
        _echo_json(rows)
        return
    for row in rows:
        click.echo(f"{row['id']:>5} {row['department']:<6} {row['due_date']} {row['status']:<10} "
                   f"{row['title']} ({row['period']})")


@collect.command("task")
@click.option("--department", required=True)
@click.option("--title", required=True)
@click.option("--due", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--expected", default=1, show_default=True, type=COUNT)
@click.option("--category")
@click.option("--retention")
@pass_lantai
def task(lantai: Lantai, department: str, title: str, due: dt.datetime, expected: int, category: str | None,
         retention: str | None) -> None:
    """Add a one-off task (a project or event with its own due date)."""
    with lantai.catalog.session() as session:
        made = add_task(session, department=department, title=title, due=due.date(), expected_count=expected,
                        category=category, retention=retention, actor=CLI)
        click.echo(f"task {made.id}")


@collect.command("overdue")
@click.option("--json", "as_json", is_flag=True)
@pass_lantai
def overdue_view(lantai: Lantai, as_json: bool) -> None:
    """Tasks past their due date: department, task, days overdue."""
    today = SYSTEM.now().date()
    with lantai.catalog.session() as session:
        rows = [task_json(t, "overdue", days) for t, days in overdue(session, today)]
    if as_json:
        _echo_json(rows)
        return
    for row in rows:
        click.echo(f"{row['department']:<6} {row['days_overdue']:>4} 天/days  {row['title']} ({row['period']})")


@collect.command("submit")
@click.argument("task_id", type=CATALOG_ID)
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--list", "list_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Transfer list (移交清册) as CSV or XLSX.")
@click.option("--as", "username", help="Submit as this clerk (default: the operator, who may submit for any).")
@click.option("--inline", is_flag=True, help="Process and check here instead of on the worker.")
@pass_lantai
def submit(lantai: Lantai, task_id: int, files: tuple[Path, ...], list_path: Path | None, username: str | None,
           inline: bool) -> None:
    """Submit FILES against TASK_ID with their transfer list."""
    from indexer.process import process_job

    user = None
    if username:
        with lantai.catalog.session() as session:
            user = session.scalar(select(User).where(User.username == username))
            if user is None:
                raise NotFoundError(f"No user {username}", f"用户 {username} 不存在")
            session.expunge(user)
    rows = read_list(list_path) if list_path else None
    result = submit_transfer(lantai, task_id, [(p, p.name) for p in files], user=user, transfer_list=rows,
                             now=SYSTEM.now(), dispatch=not inline)
    if inline:
        for job in result.job_ids:
            process_job(lantai, job)
        run_checks(lantai, result.transfer_id, SYSTEM.now())
    click.echo(f"transfer {result.transfer_id}: {result.items} items")
    for name in result.missing:
        click.echo(f"  清册所列文件未收到 / listed, not in the batch: {name}")
    for name in result.unlisted:
        click.echo(f"  清册外文件 / not on the list: {name}")


@collect.command("report")
@click.argument("transfer_id", type=CATALOG_ID)
@click.option("--json", "as_json", is_flag=True)
@pass_lantai
def report_command(lantai: Lantai, transfer_id: int, as_json: bool) -> None:
    """The receipt report of a transfer: every item's checks with their explanations."""
    with lantai.catalog.session() as session:
        body = transfer_json(decisions.get_transfer(session, transfer_id), report(session, transfer_id))
    if as_json:
        _echo_json(body)
        return
    click.echo(f"transfer {body['id']} {body['status']}")
    for item in [{"position": "*", "title": "(batch)", "checks": body["checks"]}, *body["items"]]:
        click.echo(f"{item['position']}. {item['title']}")
        for check in item["checks"]:
            click.echo(f"   [{check['result']}] {check['property']}/{check['check']}: {check['explanation_zh']} / "
                       f"{check['explanation_en']}")


@collect.command("accept")
@click.argument("transfer_id", type=CATALOG_ID)
@click.option("--fonds", help="全宗号 of the accepted records (default: the archive's usual one).")
@pass_lantai
def accept(lantai: Lantai, transfer_id: int, fonds: str | None) -> None:
    """Accept a checked transfer: its items become archive records with 档号."""
    with lantai.catalog.session() as session:
        records = decisions.accept(session, transfer_id, user=None, actor=CLI, settings=lantai.settings,
                                   now=SYSTEM.now(), fonds=fonds)
        for record in records:
            click.echo(f"{record.id} {record.reference_code or '（档号未分配 / no reference code yet）'}")


@collect.command("return")
@click.argument("transfer_id", type=CATALOG_ID)
@click.option("--item", "items", multiple=True, help="N=reason for item N (repeatable).")
@click.option("--reason", help="The general reason.")
@pass_lantai
def return_command(lantai: Lantai, transfer_id: int, items: tuple[str, ...], reason: str | None) -> None:
    """Return a transfer for correction (without --item: every failed item with its failed checks)."""
    reasons: dict[int, str] = {}
    for text in items:
        number, _, why = text.partition("=")
        if not number.strip().isdigit() or not why.strip():
            raise InputError(f"--item takes N=reason, not {text!r}", f"--item 应写作 序号=理由，而不是 {text!r}")
        reasons[int(number)] = why.strip()
    with lantai.catalog.session() as session:
        decisions.return_transfer(session, transfer_id, reasons, user=None, actor=CLI, now=SYSTEM.now(),
                                  reason=reason)
    click.echo(f"transfer {transfer_id} returned")


@collect.command("list")
@click.argument("transfer_id", type=CATALOG_ID)
@click.option("--format", "fmt", type=click.Choice(["xlsx", "pdf"]), default="xlsx", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@pass_lantai
def list_command(lantai: Lantai, transfer_id: int, fmt: str, output: Path) -> None:
    """Write the 移交清册 of a transfer as XLSX or PDF."""
    with lantai.catalog.session() as session:
        data = transfer_list(session, transfer_id)
    output.write_bytes(transfer_list_xlsx(data) if fmt == "xlsx" else transfer_list_pdf(data))
    click.echo(str(output))


@collect.command("stats")
@click.option("--year", type=YEAR, default=None, help="Default: this year.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write XLSX here.")
@pass_lantai
def stats(lantai: Lantai, year: int | None, output: Path | None) -> None:
    """Statistics for review and appraisal (统计与考核) as JSON, or XLSX with -o."""
    today = SYSTEM.now().date()
    with lantai.catalog.session() as session:
        data = statistics(session, year or today.year, today)
    if output:
        output.write_bytes(statistics_xlsx(data))
        click.echo(str(output))
    else:
        _echo_json(data)


@collect.command("remind")
@pass_lantai
def remind(lantai: Lantai) -> None:
    """Run the daily pass now: derive tasks, run ready checks, send the reminders due today."""
    click.echo(reminder_pass(lantai, SYSTEM.now()))


commands: list[click.Command] = [collect]
