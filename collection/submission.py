"""Submission (移交): a department clerk hands over a batch of files with its transfer list
(移交清册: 序号, 题名, 文号, 日期, 页数, 件数, 保管期限, 备注) against a filing task.

The files go through the existing pipeline (``indexer.ingest.submit_file``) as records in the
transfer's custody: processed and described, but not yet part of the archive (no 档号, not in
search) until the archive accepts the transfer. What the list says is checked before anything
is stored: a bad row (unknown 保管期限 or 门类, a bad date or count) refuses the whole
submission with every bad row named, so nothing half-received is left behind. A listed file
that is not in the batch, or a file that is not listed, is kept and reported by the receipt
checks (integrity), item by item.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.audit import service as audit
from archive.audit.service import Actor, Target, Where
from archive.catalog.accounts import User
from archive.catalog.collection import FilingTask, Transfer, TransferItem
from archive.catalog.models import OriginalFile, Record
from archive.departments import clerk_department
from archive.description.schema import DescriptionError, normalize_value
from archive.vocabulary import STAFF_ROLES, AuditAction, Custody, Role, TaskStatus, TransferStatus
from config.errors import ExitCode, InputError, LantaiError, NotFoundError
from indexer.context import Lantai
from indexer.ingest import new_batch, submit_file

# Transfer-list header (Chinese or English) -> field
LIST_HEADERS: dict[str, str] = {
    "序号": "position",
    "no": "position",
    "position": "position",
    "文件": "filename",
    "文件名": "filename",
    "file": "filename",
    "filename": "filename",
    "题名": "title",
    "title": "title",
    "文号": "doc_number",
    "doc_number": "doc_number",
    "日期": "date",
    "成文日期": "date",
    "date": "date",
    "页数": "pages",
    "pages": "pages",
    "件数": "pieces",
    "pieces": "pieces",
    "保管期限": "retention",
    "retention": "retention",
    "门类": "category",
    "category": "category",
    "备注": "note",
    "note": "note",
    "remarks": "note",
    "责任者": "creator",
    "creator": "creator",
}


class SubmissionRefused(LantaiError):
    """The submission cannot be taken at all (wrong department, closed task, bad list rows)."""

    code = "submission_refused"
    exit_code = ExitCode.USAGE
    http_status = 400
    default_zh = "移交未被接受"
    default_en = "The submission was refused"


class NotYourDepartment(SubmissionRefused):
    """A clerk submitting for another department."""

    code = "not_your_department"
    exit_code = ExitCode.NO_PERMISSION
    http_status = 403


@dataclass
class ListRow:
    """One checked line of a transfer list."""

    row: int
    position: int
    filename: str | None
    title: str | None = None
    doc_number: str | None = None
    date: dt.date | None = None
    pages: int | None = None
    pieces: int = 1
    retention: str | None = None
    category: str | None = None
    note: str | None = None
    creator: str | None = None


@dataclass
class SubmitResult:
    """What a submission made: the transfer, its items and the jobs the pipeline runs."""

    transfer_id: int
    items: int
    job_ids: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # listed, not in the batch
    unlisted: list[str] = field(default_factory=list)  # in the batch, not listed


def read_list(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """(row number, {field: value}) of a transfer list in CSV or XLSX (Chinese or English headers)."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".xlsx":
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
            raw = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
            book.close()
        else:
            data = path.read_bytes()
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = data.decode("gb18030")
            raw = [list(r) for r in csv.reader(io.StringIO(text))]
    except (OSError, ValueError, KeyError, UnicodeDecodeError) as exc:
        raise SubmissionRefused(
            f"Cannot read the transfer list {path.name}: {exc}", f"无法读取移交清册 {path.name}"
        ) from exc
    if not raw:
        raise SubmissionRefused(f"The transfer list {path.name} is empty", f"移交清册 {path.name} 是空的")
    header = [LIST_HEADERS.get(str(h or "").strip().lower(), LIST_HEADERS.get(str(h or "").strip())) for h in raw[0]]
    rows = []
    for number, values in enumerate(raw[1:], start=2):
        mapped = {f: v for f, v in zip(header, values, strict=False) if f and v not in (None, "")}
        if mapped:
            rows.append((number, mapped))
    return rows


def _number(value: Any, zh: str, en: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(float(str(value).strip()))
    except ValueError:
        raise InputError(f"{en} must be a whole number, not {value!r}", f"{zh}应为整数，而不是 {value!r}") from None
    if number < 0:
        raise InputError(f"{en} cannot be negative", f"{zh}不能为负数")
    return number


def check_list(rows: Sequence[tuple[int, Mapping[str, Any]]]) -> list[ListRow]:
    """Every row checked; ``SubmissionRefused`` naming each bad row (nothing is stored then)."""
    out: list[ListRow] = []
    errors_zh: list[str] = []
    errors_en: list[str] = []
    for index, (number, values) in enumerate(rows, start=1):
        try:

            def text(name: str, v: Mapping[str, Any] = values) -> str | None:
                raw = v.get(name)
                return str(raw).strip() or None if raw not in (None, "") else None

            date = normalize_value("date", values.get("date"))
            out.append(
                ListRow(
                    row=number,
                    position=_number(values.get("position"), "序号", "No.") or index,
                    filename=text("filename"),
                    title=text("title"),
                    doc_number=text("doc_number"),
                    date=date,
                    pages=_number(values.get("pages"), "页数", "Pages"),
                    pieces=_number(values.get("pieces"), "件数", "Pieces") or 1,
                    retention=normalize_value("retention", values.get("retention")),
                    category=normalize_value("category_code", values.get("category")),
                    note=text("note"),
                    creator=text("creator"),
                )
            )
        except (InputError, DescriptionError) as exc:
            errors_zh.append(f"清册第 {number} 行：{exc.message_zh}")
            errors_en.append(f"list row {number}: {exc.message_en}")
    if errors_zh:
        raise SubmissionRefused("; ".join(errors_en), "；".join(errors_zh), rows=errors_zh)
    return out


def check_submitter(session: Session, user: User | None, task: FilingTask) -> None:
    """A clerk submits for their own department only; staff for any; nobody for a closed task."""
    if user is None or (user.role not in STAFF_ROLES and user.role != Role.CLERK):
        raise NotYourDepartment(
            "Only department clerks and archive staff submit transfers",
            "只有部门兼职档案员和档案室工作人员可以提交移交",
        )
    if user.role == Role.CLERK:
        own = clerk_department(session, user)
        if own is None or own.id != task.department_id:
            raise NotYourDepartment(
                f"Task {task.id} belongs to department {task.department.code}; you submit for "
                f"{own.code if own else 'no department'} only",
                f"归档任务 {task.id} 属于{task.department.name}，您只能为"
                f"{own.name if own else '（未指定机构）'}提交移交",
            )
    if task.status == TaskStatus.ACCEPTED:
        raise SubmissionRefused(
            f"Task {task.id} is already accepted; nothing more can be submitted for it",
            f"归档任务 {task.id} 已接收，不能再提交",
        )
    pending = session.scalar(
        select(Transfer.id).where(
            Transfer.task_id == task.id, Transfer.status.in_([TransferStatus.SUBMITTED, TransferStatus.CHECKED])
        )
    )
    if pending is not None:
        raise SubmissionRefused(
            f"Transfer {pending} of task {task.id} is still waiting for the archive's decision",
            f"该任务的移交 {pending} 尚待档案室处理，请等待接收或退回后再提交",
        )


def submit_transfer(
    lantai: Lantai,
    task_id: int,
    files: Sequence[tuple[Path, str]],
    *,
    user: User | None,
    transfer_list: Sequence[tuple[int, Mapping[str, Any]]] | None = None,
    channel: str = "cli",
    now: dt.datetime,
    where: Where | None = None,
    dispatch: bool = True,
) -> SubmitResult:
    """Submit ``files`` ((path, name) pairs) with their transfer list against a task; see the module docstring.

    Without a list, each file is one listed item titled by its name. ``now`` is the clock's time.
    """
    rows = (
        check_list(transfer_list)
        if transfer_list
        else [
            ListRow(row=i + 1, position=i + 1, filename=name, title=Path(name).stem)
            for i, (_p, name) in enumerate(files)
        ]
    )
    names = {name for _p, name in files}
    actor = Actor.of(user)
    with lantai.catalog.session() as session:
        task = session.get(FilingTask, task_id)
        if task is None:
            raise NotFoundError(f"No filing task {task_id}", f"归档任务 {task_id} 不存在")
        check_submitter(session, user, task)
        department = task.department
        previous = session.scalar(
            select(Transfer.id).where(Transfer.task_id == task.id).order_by(Transfer.id.desc()).limit(1)
        )
        department_code, category, retention = department.code, task.category_code, task.retention
    batch_id = new_batch(lantai, "transfer", label=f"task {task_id}", task=task_id)
    by_name = {row.filename: row for row in rows if row.filename}
    result = SubmitResult(0, 0)
    arrived: dict[str, tuple[int | None, str | None]] = {}
    for path, name in files:
        row = by_name.get(name)
        metadata = {
            "department_code": department_code,
            "category": (row and row.category) or category,
            "retention": (row and row.retention) or retention,
            "title": row.title if row else None,
            "doc_number": row.doc_number if row else None,
            "date": row.date.isoformat() if row and row.date else None,
            "creator": row.creator if row else None,
        }
        submission = submit_file(
            lantai,
            path,
            filename=name,
            metadata={k: v for k, v in metadata.items() if v},
            batch_id=batch_id,
            channel="transfer",
            actor=actor,
            where=where,
            custody=Custody.SUBMITTED,
            dispatch=dispatch,
            index=False,
        )
        arrived[name] = (submission.record_id, submission.sha256)
        if submission.job_id and submission.outcome in ("queued", "requeued"):
            result.job_ids.append(submission.job_id)
    with lantai.catalog.session() as session:
        task = session.get(FilingTask, task_id)
        assert task is not None  # noqa: S101 - read above in this request
        transfer = Transfer(
            task_id=task.id,
            department_id=task.department_id,
            previous_id=previous,
            batch_id=batch_id,
            channel=channel,
            status=TransferStatus.SUBMITTED,
            submitted_by=actor.name or "unknown",
            submitted_at=now,
        )
        session.add(transfer)
        for row in rows:
            record_id, sha = arrived.get(row.filename or "", (None, None))
            if row.filename and row.filename not in names:
                result.missing.append(row.filename)
            transfer.items.append(
                TransferItem(
                    position=row.position,
                    filename=row.filename,
                    title=row.title,
                    doc_number=row.doc_number,
                    date=row.date,
                    pages=row.pages,
                    pieces=row.pieces,
                    retention=row.retention or task.retention,
                    category_code=row.category or task.category_code,
                    note=row.note,
                    listed=True,
                    record_id=record_id,
                    sha256=sha,
                )
            )
        position = max((row.position for row in rows), default=0)
        for _path, name in files:
            if name not in by_name:
                position += 1
                result.unlisted.append(name)
                record_id, sha = arrived[name]
                transfer.items.append(
                    TransferItem(
                        position=position,
                        filename=name,
                        title=Path(name).stem,
                        listed=False,
                        record_id=record_id,
                        sha256=sha,
                        pieces=1,
                    )
                )
        _keep_in_custody(session, [i.record_id for i in transfer.items if i.record_id])
        if task.status in (TaskStatus.OPEN, TaskStatus.RETURNED):
            task.status = TaskStatus.SUBMITTED
        task.submitted_on = task.submitted_on or now.date()
        session.flush()
        audit.record(
            session,
            AuditAction.TRANSFER_SUBMIT,
            actor,
            Target.of("transfer", transfer.id),
            {
                "task": task.id,
                "department": department_code,
                "items": len(transfer.items),
                "files": len(files),
                "missing": result.missing,
                "unlisted": result.unlisted,
                "previous": previous,
            },
            where=where,
        )
        result.transfer_id, result.items = transfer.id, len(transfer.items)
    return result


def _keep_in_custody(session: Session, record_ids: list[int | None]) -> None:
    """A resubmitted file that is already a record still waiting in custody stays so; a record
    already in the archive is left alone (the authenticity check reports the duplicate)."""
    ids = [i for i in record_ids if i is not None]
    if not ids:
        return
    for record in session.scalars(select(Record).where(Record.id.in_(ids))):
        if record.custody is None and record.reference_code is None and record.status == "failed":
            record.custody = Custody.SUBMITTED


def original_sha(session: Session, record_id: int) -> str | None:
    """The SHA-256 the catalog holds for a record's original."""
    return session.scalar(select(OriginalFile.sha256).where(OriginalFile.record_id == record_id).limit(1))
