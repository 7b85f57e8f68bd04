"""Collection pages: a clerk's own tasks, submission and returns; the archive's tasks, overdue
view, receipt reports, acceptance and return; statistics. Every change goes through ``collection``."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.utils import secure_filename

from archive.catalog.collection import Department, Transfer
from archive.clock import SYSTEM
from archive.departments import Directory, clerk_department
from archive.vocabulary import CheckProperty, CheckResult, Role, TaskStatus, TransferStatus
from collection import decisions
from collection.checks import report, run_checks
from collection.reminders import reminders_of
from collection.statistics import statistics, statistics_xlsx
from collection.submission import read_list, submit_transfer
from collection.tasks import days_overdue, get_task, list_tasks, overdue, task_status
from collection.transfer_list import transfer_list, transfer_list_pdf, transfer_list_xlsx
from config.errors import LantaiError
from portal.audit.web import current_actor, where
from portal.auth import current_user, lantai, role_required, staff_required
from portal.i18n import localized

bp = Blueprint("collection", __name__, url_prefix="/collection")
member_required = role_required("admin", "archivist", "clerk")


def _labels() -> dict[str, Any]:
    language = "en" if str(get_locale()) == "en" else "zh"
    return {
        "task_label": lambda s: TaskStatus(s).label(language),
        "transfer_label": lambda s: TransferStatus(s).label(language),
        "property_label": lambda s: CheckProperty(s).label(language),
        "result_label": lambda s: CheckResult(s).label(language),
        "explain": lambda c: c.explanation_en if language == "en" else c.explanation_zh,
        # Chinese text takes full-width punctuation, English text ASCII punctuation and a space.
        "colon": ": " if language == "en" else "：",
        "comma": ", " if language == "en" else "，",
    }


def _own_department(session: Any) -> Any:
    """The clerk's department (None for staff); a clerk without one may see nothing."""
    user = current_user()
    if user is not None and user.role == Role.CLERK:
        department = clerk_department(session, user)
        if department is None:
            abort(403)
        return department
    return None


@bp.get("/")
@member_required
def index() -> Any:
    """Tasks with due dates and states; for staff the overdue view too; a clerk sees their own
    department's page, staff any department's (``?department=`` code, name or alias)."""
    today = SYSTEM.now().date()
    with lantai().catalog.session() as session:
        department = _own_department(session)
        chosen = request.args.get("department")
        if department is None and chosen:
            found = Directory.load(session).find(chosen)
            if found is None:
                abort(404)
            department = session.get(Department, found.id)
        tasks = [(t, task_status(t, today).value, days_overdue(t, today))
                 for t in list_tasks(session, department_id=department.id if department else None, today=today)]
        late = [(t, d) for t, d in overdue(session, today) if department is None or t.department_id == department.id]
        if current_user() is not None and current_user().role == Role.CLERK:  # type: ignore[union-attr]
            late = []  # the overdue view is the archive's; a clerk sees the state of each own task
        reminders = reminders_of(session, department.id) if department else []
        transfers: dict[int, list[Transfer]] = {}
        for transfer in session.scalars(select(Transfer).order_by(Transfer.id.desc())):
            transfers.setdefault(transfer.task_id, []).append(transfer)
        return render_template("collection/index.html", tasks=tasks, late=late, department=department,
                               reminders=reminders[:20], transfers=transfers, **_labels())


@bp.route("/tasks/<int:task_id>/submit", methods=["GET", "POST"])
@member_required
def submit(task_id: int) -> Any:
    """Submit files and their transfer list against a task."""
    with lantai().catalog.session() as session:
        department = _own_department(session)
        task = get_task(session, task_id)
        if department is not None and task.department_id != department.id:
            abort(404)
        title, due = task.title, task.due_date
    error = None
    if request.method == "POST":
        from flask_wtf.csrf import validate_csrf

        validate_csrf(request.form.get("csrf_token", ""))
        uploads = [f for f in request.files.getlist("files") if f.filename]
        listing = request.files.get("list")
        if not uploads:
            error = _("请选择要移交的文件")
        else:
            with tempfile.TemporaryDirectory(prefix="lantai-transfer-") as folder:
                files = []
                for number, upload in enumerate(uploads):
                    path = Path(folder) / f"{number}-{secure_filename(upload.filename or 'file') or 'file'}"
                    upload.save(path)
                    files.append((path, Path(upload.filename or path.name).name))
                rows = None
                if listing is not None and listing.filename:
                    list_path = Path(folder) / ("list" + Path(listing.filename).suffix.lower())
                    listing.save(list_path)
                    try:
                        rows = read_list(list_path)
                    except LantaiError as exc:
                        error = localized(exc)
                if error is None:
                    try:
                        result = submit_transfer(lantai(), task_id, files, user=current_user(), transfer_list=rows,
                                                 channel="upload", now=SYSTEM.now(), where=where())
                    except LantaiError as exc:
                        error = localized(exc)
                    else:
                        flash(_("已提交移交，正在处理和检测。"))
                        return redirect(url_for("collection.transfer", transfer_id=result.transfer_id))
    return render_template("collection/submit.html", task_id=task_id, title=title, due=due, error=error), (
        400 if error else 200)


@bp.get("/transfers/<int:transfer_id>")
@member_required
def transfer(transfer_id: int) -> Any:
    """The receipt report of a transfer; staff accept or return it here."""
    with lantai().catalog.session() as session:
        department = _own_department(session)
        found = decisions.get_transfer(session, transfer_id)
        if department is not None and found.department_id != department.id:
            abort(404)
    if found.status == TransferStatus.SUBMITTED:
        run_checks(lantai(), transfer_id, SYSTEM.now())  # when the pipeline has finished
    with lantai().catalog.session() as session:
        found = decisions.get_transfer(session, transfer_id)
        checks = report(session, transfer_id)
        by_item: dict[int | None, list[Any]] = {}
        for check in checks:
            by_item.setdefault(check.item_id, []).append(check)
        return render_template("collection/transfer.html", transfer=found, by_item=by_item,
                               is_staff=current_user() is not None and current_user().is_staff,  # type: ignore[union-attr]
                               **_labels())


@bp.post("/transfers/<int:transfer_id>/accept")
@staff_required
def accept(transfer_id: int) -> Any:
    """Accept a checked transfer: its items become archive records with 档号."""
    try:
        with lantai().catalog.session() as session:
            decisions.accept(session, transfer_id, user=current_user(), actor=current_actor(),
                             settings=lantai().settings, now=SYSTEM.now(), fonds=request.form.get("fonds") or None,
                             where=where())
        flash(_("已接收，档号已分配。"))
    except LantaiError as exc:
        flash(localized(exc), "error")
    return redirect(url_for("collection.transfer", transfer_id=transfer_id))


@bp.post("/transfers/<int:transfer_id>/return")
@staff_required
def return_transfer(transfer_id: int) -> Any:
    """Return a transfer with a reason per item (fields ``reason-N``) and overall."""
    reasons = {int(k.split("-", 1)[1]): v.strip() for k, v in request.form.items()
               if k.startswith("reason-") and k.split("-", 1)[1].isdigit() and v.strip()}
    try:
        with lantai().catalog.session() as session:
            decisions.return_transfer(session, transfer_id, reasons, user=current_user(), actor=current_actor(),
                                      now=SYSTEM.now(), reason=request.form.get("reason") or None, where=where())
        flash(_("已退回，部门将看到退回理由。"))
    except LantaiError as exc:
        flash(localized(exc), "error")
    return redirect(url_for("collection.transfer", transfer_id=transfer_id))


@bp.post("/transfers/<int:transfer_id>/confirm")
@member_required
def confirm(transfer_id: int) -> Any:
    """One side confirms the transfer list."""
    try:
        with lantai().catalog.session() as session:
            decisions.confirm_list(session, transfer_id, user=current_user(), actor=current_actor(), where=where())
    except LantaiError as exc:
        flash(localized(exc), "error")
    return redirect(url_for("collection.transfer", transfer_id=transfer_id))


@bp.get("/transfers/<int:transfer_id>/list.<fmt>")
@member_required
def list_file(transfer_id: int, fmt: str) -> Any:
    """The 移交清册 as XLSX or PDF."""
    if fmt not in ("xlsx", "pdf"):
        abort(404)
    with lantai().catalog.session() as session:
        department = _own_department(session)
        found = decisions.get_transfer(session, transfer_id)
        if department is not None and found.department_id != department.id:
            abort(404)
        data = transfer_list(session, transfer_id)
    body = transfer_list_xlsx(data) if fmt == "xlsx" else transfer_list_pdf(data)
    import io

    return send_file(io.BytesIO(body), download_name=f"移交清册-{transfer_id}.{fmt}", as_attachment=True)


@bp.get("/statistics")
@staff_required
def stats() -> Any:
    """Statistics for review and appraisal, with bar charts; ``?format=xlsx`` exports them."""
    today = SYSTEM.now().date()
    year = request.args.get("year", type=int) or today.year
    if not dt.MINYEAR <= year <= dt.MAXYEAR:
        abort(404)  # no such year's statistics
    with lantai().catalog.session() as session:
        data = statistics(session, year, today)
    if request.args.get("format") == "xlsx":
        import io

        return send_file(io.BytesIO(statistics_xlsx(data)), download_name=f"统计-{year}.xlsx", as_attachment=True)
    return render_template("collection/statistics.html", data=data, year=year)


from portal.collection import schedule_views as _schedule_views  # noqa: E402,F401  (registers the schedule editor)
