"""The filing-schedule editor (归档范围与保管期限表): archivists add, change and delete lines, import
and export the schedule as XLSX. Every change goes through ``collection.schedules`` (checked like an
imported row, audited); a bad value is shown on its own line, in the user's language."""

from __future__ import annotations

import io
from typing import Any

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from archive.catalog.collection import Department
from archive.vocabulary import CATEGORIES, FilingRule, Retention
from collection.schedules import COLUMNS, active_lines, delete_line, export_xlsx, import_xlsx, save_line
from config.errors import LantaiError
from portal.audit.web import current_actor, where
from portal.auth import lantai, staff_required
from portal.collection.views import bp
from portal.i18n import localized

FIELDS = tuple(name for name, _zh, _en in COLUMNS)


def _form_values() -> dict[str, Any]:
    return {name: request.form.get(name, "").strip() for name in FIELDS}


def _page(errors: dict[str, str] | None = None, values: dict[str, dict[str, Any]] | None = None,
          status: int = 200) -> Any:
    language = "en" if str(get_locale()) == "en" else "zh"
    with lantai().catalog.session() as session:
        lines = active_lines(session)
        departments = list(session.scalars(select(Department).where(Department.active).order_by(Department.code)))
        by_id = {d.id: d.name for d in departments}
        schedules = sorted({line.schedule for line in lines}) or ["default"]
        body = render_template(
            "collection/schedule.html",
            lines=lines,
            departments=departments,
            department_of=lambda line: by_id.get(line.department_id or 0, ""),
            categories=[(c.code, c.label(language)) for c in CATEGORIES.categories],
            retentions=[(r.value, r.label(language)) for r in Retention],
            rules=[(r.value, r.label(language)) for r in FilingRule],
            schedules=schedules,
            errors=errors or {},
            values=values or {},
        )
    return body, status


@bp.get("/schedule")
@staff_required
def schedule() -> Any:
    """Every active line of the schedule, each editable in place, and a form for a new line."""
    return _page()


@bp.post("/schedule/lines")
@bp.post("/schedule/lines/<int:line_id>")
@staff_required
def save_schedule_line(line_id: int | None = None) -> Any:
    """Add a line, or change one; a bad value is shown on that line and nothing is changed."""
    values = _form_values()
    key = str(line_id) if line_id is not None else "new"
    try:
        with lantai().catalog.session() as session:
            save_line(session, values, line_id=line_id, schedule=request.form.get("schedule") or "default",
                      actor=current_actor(), where=where())
    except LantaiError as exc:
        return _page({key: localized(exc)}, {key: values}, status=400)
    flash(_("归档范围已保存。"))
    return redirect(url_for("collection.schedule"))


@bp.post("/schedule/lines/<int:line_id>/delete")
@staff_required
def delete_schedule_line(line_id: int) -> Any:
    """Take a line out of the schedule (tasks made from it keep it)."""
    try:
        with lantai().catalog.session() as session:
            delete_line(session, line_id, actor=current_actor(), where=where())
        flash(_("条目已删除。"))
    except LantaiError as exc:
        flash(localized(exc), "error")
    return redirect(url_for("collection.schedule"))


@bp.post("/schedule/import")
@staff_required
def import_schedule() -> Any:
    """Replace a schedule with an XLSX workbook, all or nothing; every bad row named."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("请选择 XLSX 文件。"), "error")
        return redirect(url_for("collection.schedule"))
    try:
        with lantai().catalog.session() as session:
            lines = import_xlsx(session, request.form.get("schedule") or "default", upload.read(),
                                actor=current_actor(), where=where())
        flash(_("已导入 %(n)d 条。", n=len(lines)))
    except LantaiError as exc:
        return _page({"import": localized(exc)}, status=400)
    return redirect(url_for("collection.schedule"))


@bp.get("/schedule.xlsx")
@staff_required
def export_schedule() -> Any:
    """The schedule as a workbook (importable again)."""
    with lantai().catalog.session() as session:
        data = export_xlsx(session)
    return send_file(io.BytesIO(data), download_name="归档范围与保管期限表.xlsx", as_attachment=True)
