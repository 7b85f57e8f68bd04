"""The description form of one record: every DA/T 18 field, checked by the schema."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from archive.access import RecordHidden, level_for
from archive.catalog.models import Record
from archive.description.records import edit_record as edit_fields
from archive.description.review import as_text, normalize_field, pending_fields
from archive.description.schema import EDITABLE_FIELDS, MANDATORY_FIELDS, DescriptionError
from config.errors import InputError
from portal.auth import current_user, lantai, staff_required
from portal.describe.common import bilingual, bp, editor, field_label, may_see
from portal.describe.forms import DescriptionForm, description_values


def _load(db: Any, record_id: int) -> Record:
    record = db.get(Record, record_id)
    if record is None or not may_see(current_user(), record):
        raise RecordHidden()
    return record


def check_values(values: dict[str, Any]) -> dict[str, str]:
    """Every field whose value the schema refuses, with the reason in both languages."""
    errors: dict[str, str] = {}
    for name, value in values.items():
        try:
            normalize_field(name, value)
        except DescriptionError as exc:
            errors[name] = bilingual(exc)
    return errors


def settings_default() -> str:
    """The archive's default access level (``LANTAI_DEFAULT_ACCESS_LEVEL``)."""
    return str(current_app.extensions["lantai"].settings.default_access_level)


@bp.route("/records/<int:record_id>", methods=["GET", "POST"])
@staff_required
def edit_record(record_id: int) -> Any:
    """Show and save the description of one record; each changed field is an audit event."""
    form = DescriptionForm()
    status = 200
    with lantai().catalog.session() as db:
        record = _load(db, record_id)
        if request.method == "GET":
            for name in EDITABLE_FIELDS:
                getattr(form, name).data = as_text(getattr(record, name)) or ""
    if form.validate_on_submit():
        values = description_values(form)
        if not str(values.get("page_count", "")).strip():
            values.pop("page_count", None)  # a count, never empty: an empty box leaves it as it is
        errors = check_values(values)
        if not errors:
            settings = current_app.extensions["lantai"].settings
            try:
                with lantai().catalog.session() as db:
                    changes = edit_fields(db, record_id, values, editor(), settings=settings)
            except InputError as exc:  # an access change the rule refuses, a 档号 conflict
                flash(bilingual(exc), "error")
                status = 400
            else:
                if changes:
                    flash(_("已保存 %(n)s 项修改。", n=len(changes)), "success")
                else:
                    flash(_("没有修改。"), "info")
                return redirect(url_for("describe.edit_record", record_id=record_id), 303)
        for name, message in errors.items():
            getattr(form, name).errors = [message]
        status = 400
    elif form.is_submitted():
        status = 400
    with lantai().catalog.session() as db:
        record = _load(db, record_id)
        info = {
            "id": record.id,
            "title": record.title,
            "reference_code": record.reference_code,
            "item_number": record.item_number,
            "access_level": record.access_level,
            "access_rule": level_for(record.classification, record.openness, settings_default()).value,
            "access_override": record.access_override,
            "needs_review": record.needs_review,
            "missing": [field_label(n) for n in (record.extra or {}).get("review", {}).get("missing", [])],
            "pending": [field_label(n) for n in pending_fields(db, record.id)],
        }
    return (
        render_template(
            "describe/record.html",
            form=form,
            record=info,
            fields=EDITABLE_FIELDS,
            mandatory=set(MANDATORY_FIELDS),
        ),
        status,
    )


@bp.get("/records")
@staff_required
def find_record() -> Any:
    """Go to the description form of the record id typed on the overview page."""
    record_id = request.args.get("id", type=int)
    if record_id is None:
        flash(_("请输入记录号。"), "error")
        return redirect(url_for("describe.index"))
    return redirect(url_for("describe.edit_record", record_id=record_id))
