"""``lantai lifecycle``: due lists, the opening review, appraisal, destruction batches, the 销毁清册
and legal holds (鉴定、开放审核、销毁). Approvals name the person who signs (``--as``)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.audit.service import Actor
from archive.catalog.accounts import User
from archive.clock import SYSTEM
from cli.main import pass_lantai
from cli.operator import CLI, operator_clearance
from cli.params import CATALOG_ID, YEAR
from config.errors import InputError, NotFoundError
from indexer.context import Lantai
from lifecycle import appraisal, destruction, holds, opening
from lifecycle.due import DueFilter, disposal_due, grouped, matching, opening_due
from lifecycle.register import destruction_register, register_pdf, register_xlsx
from lifecycle.resources import batch_json, due_json, hold_json, proposal_json, tombstone_json


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        raise NotFoundError(f"No active user {username}", f"用户 {username} 不存在或已停用")
    session.expunge(user)
    return user


def _actor(session: Session, username: str | None) -> Actor:
    return Actor.of(_user(session, username)) if username else CLI


def _now(on: dt.datetime | None) -> dt.datetime:
    return on.replace(tzinfo=dt.UTC) if on is not None else SYSTEM.now()


AS_OPTION = click.option("--as", "username", help="Act as this user (default: the operator, audited as cli).")
FILTERS = (
    click.option("--fonds", help="Only this 全宗号."),
    click.option("--department", help="Only this department code."),
    click.option("--year", type=YEAR, help="Only this 年度."),
    click.option("--query", help="Only the records a full-text search finds (a batch from a search)."),
)


def _where(lantai: Lantai, fonds: str | None, department: str | None, year: int | None,
           query: str | None) -> DueFilter:
    found = matching(lantai, query, operator_clearance()) if query else None
    return DueFilter(fonds, department, year, found)


def _filters(func: Any) -> Any:
    for option in reversed(FILTERS):
        func = option(func)
    return func


@click.group("lifecycle")
def lifecycle() -> None:
    """Appraisal, opening and disposal (鉴定、开放审核、销毁)."""


@lifecycle.command("due")
@click.argument("kind", type=click.Choice(["disposal", "opening"]))
@_filters
@click.option("--by", type=click.Choice(["fonds", "department", "year"]), help="Counts by fonds, department or year.")
@click.option("--on", type=click.DateTime(["%Y-%m-%d"]), help="As of this day (default: today).")
@click.option("--json", "as_json", is_flag=True)
@pass_lantai
def due(lantai: Lantai, kind: str, fonds: str | None, department: str | None, year: int | None,
        query: str | None, by: str | None, on: dt.datetime | None, as_json: bool) -> None:
    """Records due for appraisal (disposal) or for the opening review (opening)."""
    where = _where(lantai, fonds, department, year, query)
    with lantai.catalog.session() as session:
        now = _now(on)
        records = (disposal_due(session, now, where) if kind == "disposal"
                   else opening_due(session, now, lantai.settings, where))
        rows = [due_json(r, lantai.settings.opening_age_years) for r in records]
    if by:
        counts = grouped(records, by)
        if as_json:
            _echo_json(counts)
        else:
            for key, count in counts.items():
                click.echo(f"{key}\t{count}")
        return
    if as_json:
        _echo_json(rows)
        return
    for row in rows:
        click.echo(f"{row['id']:>6} {row['reference_code'] or '—':<32} {row['year']} {row['retention'] or '—':<4} "
                   f"{row['title'] or ''}")
    click.echo(f"共 {len(rows)} 件 / {len(rows)} records")


@lifecycle.command("propose-opening")
@click.argument("record_ids", nargs=-1, type=CATALOG_ID)
@click.option("--decision", required=True, help="open (开放), controlled (控制) or defer (延期).")
@click.option("--reason", required=True, help="Why (审核理由).")
@click.option("--defer-years", type=int, help="Years until a deferred record returns (default: the setting).")
@click.option("--due", "from_due", is_flag=True, help="Every record of the opening due list (filters apply).")
@_filters
@AS_OPTION
@pass_lantai
def propose_opening(lantai: Lantai, record_ids: tuple[int, ...], decision: str, reason: str,
                    defer_years: int | None, from_due: bool, fonds: str | None, department: str | None,
                    year: int | None, query: str | None, username: str | None) -> None:
    """Propose opening, keeping controlled or deferring records (one proposal per record)."""
    now = SYSTEM.now()
    with lantai.catalog.session() as session:
        ids = list(record_ids)
        if from_due:
            where = _where(lantai, fonds, department, year, query)
            ids += [r.id for r in opening_due(session, now, lantai.settings, where)]
        if not ids:
            raise InputError("Name records, or --due for the whole due list", "请指定档案，或用 --due 选择整个到期清单")
        made = opening.propose(session, ids, decision, reason, actor=_actor(session, username), now=now,
                               defer_years=defer_years)
        click.echo(f"{len(made)} 条审核意见 / proposals: {', '.join(str(p.id) for p in made)}")


@lifecycle.command("sign-opening")
@click.argument("proposal_ids", nargs=-1, type=CATALOG_ID, required=True)
@click.option("--as", "username", required=True, help="The department's clerk or an administrator who signs.")
@pass_lantai
def sign_opening(lantai: Lantai, proposal_ids: tuple[int, ...], username: str) -> None:
    """Sign opening proposals; with both signatures the decision takes effect."""
    with lantai.catalog.session() as session:
        signed = opening.sign(session, list(proposal_ids), user=_user(session, username), settings=lantai.settings,
                              now=SYSTEM.now())
        for proposal in signed:
            click.echo(f"{proposal.id} {proposal.status} {proposal.decision}")


@lifecycle.command("proposals")
@click.option("--status", help="proposed or approved.")
@click.option("--json", "as_json", is_flag=True)
@pass_lantai
def proposals(lantai: Lantai, status: str | None, as_json: bool) -> None:
    """Opening proposals, newest first."""
    with lantai.catalog.session() as session:
        rows = [proposal_json(p) for p in opening.list_proposals(session, status)]
    if as_json:
        _echo_json(rows)
        return
    for row in rows:
        click.echo(f"{row['id']:>5} record {row['record_id']:<6} {row['decision']:<10} {row['status']:<9} "
                   f"dept:{row['department_signed_by'] or '—'} admin:{row['admin_signed_by'] or '—'}  {row['reason']}")


@lifecycle.command("appraise")
@click.argument("record_ids", nargs=-1, type=CATALOG_ID, required=True)
@click.option("--decision", required=True, help="extend (延长保管期限) or destroy (拟销毁).")
@click.option("--reason", required=True, help="The appraisal opinion (鉴定意见).")
@click.option("--retention", help="New period when extending: D10, D30 or Y.")
@AS_OPTION
@pass_lantai
def appraise(lantai: Lantai, record_ids: tuple[int, ...], decision: str, reason: str, retention: str | None,
             username: str | None) -> None:
    """Appraise records whose retention has expired."""
    with lantai.catalog.session() as session:
        done = appraisal.appraise(session, list(record_ids), decision, reason, actor=_actor(session, username),
                                  settings=lantai.settings, now=SYSTEM.now(), retention=retention)
        click.echo(f"{len(done)} 件已鉴定 / appraised")


@lifecycle.command("propose-destruction")
@click.argument("record_ids", nargs=-1, type=CATALOG_ID, required=True)
@click.option("--title", default="", help="The batch's title.")
@AS_OPTION
@pass_lantai
def propose_destruction(lantai: Lantai, record_ids: tuple[int, ...], title: str, username: str | None) -> None:
    """Gather records appraised for destruction into a batch that two other people approve."""
    with lantai.catalog.session() as session:
        batch = destruction.propose_batch(session, list(record_ids), title, actor=_actor(session, username),
                                          now=SYSTEM.now())
        click.echo(f"销毁批次 / batch {batch.id}")


@lifecycle.command("approve-destruction")
@click.argument("batch_id", type=CATALOG_ID)
@click.option("--as", "username", required=True, help="The member of staff who approves.")
@pass_lantai
def approve_destruction(lantai: Lantai, batch_id: int, username: str) -> None:
    """Approve a destruction batch (two people other than the proposer)."""
    with lantai.catalog.session() as session:
        batch = destruction.approve_batch(session, batch_id, user=_user(session, username), now=SYSTEM.now())
        click.echo(f"{batch.id} {batch.status} ({len(batch.approvals)}/{destruction.APPROVALS_NEEDED})")


@lifecycle.command("destroy")
@click.argument("batch_id", type=CATALOG_ID)
@click.option("--witness", required=True, help="监销人: who witnessed the destruction.")
@AS_OPTION
@pass_lantai
def destroy(lantai: Lantai, batch_id: int, witness: str, username: str | None) -> None:
    """Carry out an approved destruction batch: originals and derivatives removed, tombstones kept."""
    with lantai.catalog.session() as session:
        actor = _actor(session, username)
    done = destruction.execute_batch(lantai, batch_id, actor=actor, witness=witness, now=SYSTEM.now())
    click.echo(f"已销毁 {len(done.tombstones)} 件，删除原件 {len(done.originals_removed)} 个 / "
               f"destroyed {len(done.tombstones)} records, {len(done.originals_removed)} originals removed")


@lifecycle.command("batches")
@click.option("--json", "as_json", is_flag=True)
@pass_lantai
def batches(lantai: Lantai, as_json: bool) -> None:
    """Destruction batches, newest first."""
    with lantai.catalog.session() as session:
        rows = [batch_json(b, [a.record_id for a in destruction.batch_appraisals(session, b.id)])
                for b in destruction.list_batches(session)]
    if as_json:
        _echo_json(rows)
        return
    for row in rows:
        click.echo(f"{row['id']:>4} {row['status']:<9} {len(row['records'])} 件  {row['title']}  "
                   f"approved: {'、'.join(a['by'] for a in row['approvals']) or '—'}")


@lifecycle.command("register")
@click.argument("batch_id", type=CATALOG_ID)
@click.option("--format", "fmt", type=click.Choice(["xlsx", "pdf"]), default="xlsx")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@pass_lantai
def register(lantai: Lantai, batch_id: int, fmt: str, output: Path) -> None:
    """Write a batch's 销毁清册 (destruction register) as XLSX or PDF."""
    with lantai.catalog.session() as session:
        data = destruction_register(session, batch_id)
    output.write_bytes(register_xlsx(data) if fmt == "xlsx" else register_pdf(data))
    click.echo(str(output))


@lifecycle.command("tombstones")
@click.option("--json", "as_json", is_flag=True)
@pass_lantai
def tombstones(lantai: Lantai, as_json: bool) -> None:
    """What the catalog keeps of destroyed records."""
    with lantai.catalog.session() as session:
        rows = [tombstone_json(t) for t in destruction.tombstones(session)]
    if as_json:
        _echo_json(rows)
        return
    for row in rows:
        click.echo(f"{row['record_id']:>6} {row['reference_code'] or '—':<32} {row['destroyed_at'][:10]} "
                   f"{row['title'] or ''}")


@lifecycle.command("hold")
@click.argument("record_id", type=CATALOG_ID)
@click.option("--reason", required=True)
@click.option("--release", is_flag=True, help="Release the record's hold instead.")
@AS_OPTION
@pass_lantai
def hold(lantai: Lantai, record_id: int, reason: str, release: bool, username: str | None) -> None:
    """Set (or --release) a legal hold (法律冻结) on a record."""
    with lantai.catalog.session() as session:
        actor = _actor(session, username)
        if release:
            holds.release_hold(session, record_id, reason, actor=actor, now=SYSTEM.now())
            click.echo(f"{record_id} 已解除法律冻结 / hold released")
        else:
            holds.set_hold(session, record_id, reason, actor=actor, now=SYSTEM.now())
            click.echo(f"{record_id} 已设置法律冻结 / on legal hold")


@lifecycle.command("holds")
@click.option("--json", "as_json", is_flag=True)
@pass_lantai
def holds_in_force(lantai: Lantai, as_json: bool) -> None:
    """The legal holds in force."""
    with lantai.catalog.session() as session:
        rows = [hold_json(h) for h in holds.active_holds(session)]
    if as_json:
        _echo_json(rows)
        return
    for row in rows:
        click.echo(f"{row['record_id']:>6} {row['set_at'][:10]} {row['set_by']}  {row['reason']}")


commands = [lifecycle]
