"""Import of descriptions (CSV / XLSX), the import templates and the 归档文件目录 export."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.catalog.models import Record
from archive.description.catalogue import catalogue_pdf, catalogue_rows, catalogue_title, catalogue_xlsx
from archive.description.tabular import import_table, template_bytes
from archive.vocabulary import AuditAction, Role
from config.errors import InputError
from portal.audit.web import audit_or_refuse
from portal.auth import current_user, lantai, staff_required
from portal.describe.common import bilingual, bp, editor
from portal.describe.forms import ExportForm, ImportForm

MIME_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
    "pdf": "application/pdf",
}
TEMPLATE_NAMES = {"zh": "著录导入模板", "en": "description-import-template"}


def _page(
    import_form: ImportForm, export_form: ExportForm, status: int = 200, result: Any = None, error: str | None = None
) -> Any:
    return render_template(
        "describe/transfer.html", import_form=import_form, export_form=export_form, result=result, error=error
    ), status


@bp.get("/transfer")
@staff_required
def transfer() -> Any:
    """The import form, the template links and the catalogue export form."""
    return _page(ImportForm(), ExportForm(formdata=None))


@bp.post("/import")
@staff_required
def import_file() -> Any:
    """Import an uploaded CSV / XLSX: valid rows are saved, bad rows are listed with their reasons."""
    form = ImportForm()
    if not form.validate_on_submit():
        return _page(form, ExportForm(formdata=None), 400)
    upload = form.file.data
    suffix = Path(upload.filename or "").suffix.lower()
    settings = current_app.extensions["lantai"].settings
    with tempfile.TemporaryDirectory(prefix="lantai-import-") as folder:
        path = Path(folder) / f"import{suffix}"  # never trust the uploaded name as a path
        upload.save(path)
        try:
            with lantai().catalog.session() as db:
                result = import_table(db, path, settings, editor())
        except InputError as exc:  # the file as a whole cannot be read
            return _page(form, ExportForm(formdata=None), 400, error=bilingual(exc))
    summary = {
        "filename": upload.filename,
        "created": len(result.created),
        "updated": len(result.updated),
        "changes": len(result.changes),
        "errors": [error.text(str(get_locale())) for error in result.errors],  # the CLI and API keep both
    }
    return _page(ImportForm(formdata=None), ExportForm(formdata=None), result=summary)


@bp.get("/template")
@staff_required
def template() -> Any:
    """An empty import template: ``language`` zh or en, ``format`` xlsx or csv."""
    language = request.args.get("language", "zh")
    fmt = request.args.get("format", "xlsx")
    if language not in TEMPLATE_NAMES or fmt not in ("xlsx", "csv"):
        abort(404)
    data = template_bytes(fmt, language)
    return send_file(
        io.BytesIO(data),
        mimetype=MIME_TYPES[fmt],
        as_attachment=True,
        download_name=f"{TEMPLATE_NAMES[language]}.{fmt}",
    )


def _has_secret(db: Session, fonds: str, year: int | None, retention: str | None) -> bool:
    """Whether the catalogue of this fonds / year / retention lists a secret record."""
    query = select(Record.id).where(Record.fonds_code == fonds, Record.access_level == "secret")
    if year is not None:
        query = query.where(Record.year == year)
    if retention:
        query = query.where(Record.retention == retention.upper())
    return db.scalar(query.limit(1)) is not None


@bp.get("/export")
@staff_required
def export() -> Any:
    """The 归档文件目录 of a fonds (and year, retention) as XLSX or PDF, recorded as an export event."""
    form = ExportForm(request.args)
    if not form.validate():
        return _page(ImportForm(formdata=None), form, 400)
    fonds = (form.fonds.data or "").strip().upper()
    year, retention, fmt = form.year.data, form.retention.data or None, form.format.data or "xlsx"
    with lantai().catalog.session() as db:
        user = current_user()
        if (user is None or user.role != Role.ADMIN) and _has_secret(db, fonds, year, retention):
            # Secret records are known to administrators only (archive.access), their catalogue too.
            flash(_("此目录包含涉密档案，只有管理员可以导出。"), "error")
            return redirect(url_for("describe.transfer"), 303)
        rows = catalogue_rows(db, fonds, year, retention)
        if not rows:
            flash(_("没有符合条件的档案，未生成目录。"), "error")
            return redirect(url_for("describe.transfer"), 303)
        subtitle = catalogue_title(fonds, year, retention)
        data = catalogue_xlsx(rows, subtitle) if fmt == "xlsx" else catalogue_pdf(rows, subtitle)
        audit_or_refuse(
            db,
            AuditAction.EXPORT,
            object_type="catalogue",
            details={
                "what": "catalogue",
                "fonds": fonds,
                "year": year,
                "retention": retention,
                "format": fmt,
                "rows": len(rows),
            },
        )
    name = "-".join(str(part) for part in ("归档文件目录", fonds, year, retention) if part)
    return send_file(io.BytesIO(data), mimetype=MIME_TYPES[fmt], as_attachment=True, download_name=f"{name}.{fmt}")
