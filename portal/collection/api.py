"""``/api/v1/collection``: an office system submits against a task and reads its status
(token auth as the rest of the API; JSON shapes of ``archive.resources``)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, request
from werkzeug.utils import secure_filename

from archive.clock import SYSTEM
from archive.departments import clerk_department
from archive.resources import schedule_line_json, task_json, transfer_json
from archive.vocabulary import STAFF_ROLES, Role
from collection import decisions
from collection.checks import report
from collection.schedules import active_lines
from collection.submission import read_list, submit_transfer
from collection.tasks import days_overdue, get_task, list_tasks, task_status
from config.errors import InputError
from portal.audit.web import where
from portal.auth import authenticate_request, lantai

bp = Blueprint("collection_api", __name__, url_prefix="/api/v1/collection")


@bp.before_request
def _authenticate() -> None:
    user = authenticate_request()
    if user is None:
        abort(401)
    if user.role not in STAFF_ROLES and user.role != Role.CLERK:
        abort(403)


def _department_id(session: Any) -> int | None:
    from portal.auth import current_user

    user = current_user()
    if user is not None and user.role == Role.CLERK:
        department = clerk_department(session, user)
        if department is None:
            abort(403)
        return department.id
    return None


@bp.get("/tasks")
def tasks() -> Any:
    """Filing tasks (a clerk's own department only) with their state today."""
    today = SYSTEM.now().date()
    with lantai().catalog.session() as session:
        rows = list_tasks(session, department_id=_department_id(session), status=request.args.get("status"),
                          today=today)
        return {"tasks": [task_json(t, task_status(t, today).value, days_overdue(t, today)) for t in rows]}


@bp.get("/tasks/<int:task_id>")
def task(task_id: int) -> Any:
    """One task and its transfers' ids."""
    today = SYSTEM.now().date()
    with lantai().catalog.session() as session:
        own = _department_id(session)
        found = get_task(session, task_id)
        if own is not None and found.department_id != own:
            abort(404)
        return task_json(found, task_status(found, today).value, days_overdue(found, today))


@bp.post("/tasks/<int:task_id>/transfers")
def submit(task_id: int) -> Any:
    """Submit files (field ``files``, repeatable) and an optional transfer list (field ``list``)."""
    from portal.auth import current_user

    uploads = [f for f in request.files.getlist("files") if f.filename]
    if not uploads:
        raise InputError("No files in the request (field name: files)", "请求中没有文件（字段名 files）")
    with tempfile.TemporaryDirectory(prefix="lantai-transfer-") as folder:
        files = []
        for number, upload in enumerate(uploads):
            path = Path(folder) / f"{number}-{secure_filename(upload.filename or 'file') or 'file'}"
            upload.save(path)
            files.append((path, Path(upload.filename or path.name).name))
        rows = None
        listing = request.files.get("list")
        if listing is not None and listing.filename:
            list_path = Path(folder) / ("list" + Path(listing.filename).suffix.lower())
            listing.save(list_path)
            rows = read_list(list_path)
        result = submit_transfer(lantai(), task_id, files, user=current_user(), transfer_list=rows, channel="api",
                                 now=SYSTEM.now(), where=where())
    return {"transfer_id": result.transfer_id, "items": result.items, "missing": result.missing,
            "unlisted": result.unlisted}, 202


@bp.get("/transfers/<int:transfer_id>")
def transfer(transfer_id: int) -> Any:
    """A transfer with its items and receipt-check results."""
    with lantai().catalog.session() as session:
        own = _department_id(session)
        found = decisions.get_transfer(session, transfer_id)
        if own is not None and found.department_id != own:
            abort(404)
        return transfer_json(found, report(session, transfer_id))


@bp.get("/schedule")
def schedule() -> Any:
    """The active lines of the filing schedule (what must be filed, 门类, 保管期限, rule)."""
    with lantai().catalog.session() as session:
        return {"lines": [schedule_line_json(line) for line in active_lines(session)]}
