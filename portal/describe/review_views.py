"""The review queue: machine suggestions below the confidence threshold, for staff to decide."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from archive.access import RecordHidden
from archive.catalog.description import ReviewItem, ReviewStatus
from archive.catalog.models import LARGEST_ID, Record
from archive.description.records import confirm_review, reject_review
from archive.description.review import REVIEWABLE_FIELDS, as_text, get_field
from config.errors import InputError
from portal.auth import current_user, lantai, staff_required
from portal.describe.common import PAGE_SIZE, ButtonForm, bilingual, bp, editor, field_label, may_see
from portal.describe.forms import CorrectForm


def _visible(query: Any) -> Any:
    """Hide suggestions on secret records from archivists (they may not know such records exist)."""
    user = current_user()
    if user is None or user.role != "admin":
        query = query.where(Record.access_level != "secret")
    return query


@bp.get("/review")
@staff_required
def review() -> Any:
    """Pending suggestions, lowest confidence first, with forms to confirm, correct or reject."""
    field = request.args.get("field", "")
    field = field if field in REVIEWABLE_FIELDS else ""
    page = min(max(1, request.args.get("page", 1, type=int) or 1), LARGEST_ID // PAGE_SIZE)
    base = select(ReviewItem, Record).join(Record, Record.id == ReviewItem.record_id)
    base = _visible(base.where(ReviewItem.status == ReviewStatus.PENDING))
    if field:
        base = base.where(ReviewItem.field == field)
    with lantai().catalog.session() as db:
        total = db.scalar(select(func.count()).select_from(base.subquery())) or 0
        rows = db.execute(
            base.order_by(ReviewItem.confidence, ReviewItem.id).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
        ).all()
        items = [
            {
                "id": item.id,
                "record_id": record.id,
                "record_title": record.title,
                "reference_code": record.reference_code,
                "field": item.field,
                "label": field_label(item.field),
                "current": as_text(get_field(record, item.field)),
                "suggested": item.suggested_value,
                "confidence": item.confidence,
                "source": item.source,
            }
            for item, record in rows
        ]
    return render_template(
        "describe/review.html",
        items=items,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        field=field,
        fields=[(name, field_label(name)) for name in REVIEWABLE_FIELDS],
        form=CorrectForm(),
        button=ButtonForm(),
    )


def _back() -> Any:
    """Back to the queue page (and field filter) the decision was made on."""
    kept: dict[str, Any] = {k: v for k, v in request.args.items() if k in ("field", "page")}
    return redirect(url_for("describe.review", **kept), 303)


def _check_item(db: Any, item_id: int) -> None:
    """404 for an item on a record the user may not know of (like a missing item)."""
    item = db.get(ReviewItem, item_id)
    record = db.get(Record, item.record_id) if item is not None else None
    if record is None or not may_see(current_user(), record):
        raise RecordHidden()


@bp.post("/review/<int:item_id>/confirm")
@staff_required
def confirm(item_id: int) -> Any:
    """Accept the suggestion, or the value the user typed over it (a correction)."""
    form = CorrectForm()
    if not form.validate_on_submit():
        flash(_("表单已过期或无效，请重新提交。"), "error")
        return _back()
    settings = current_app.extensions["lantai"].settings
    try:
        with lantai().catalog.session() as db:
            _check_item(db, item_id)
            change = confirm_review(db, item_id, editor(), form.value.data or None, settings=settings)
    except InputError as exc:
        flash(bilingual(exc), "error")
        return _back()
    flash(_("已确认：%(field)s = %(value)s", field=field_label(change.field), value=change.new or ""), "success")
    return _back()


@bp.post("/review/<int:item_id>/reject")
@staff_required
def reject(item_id: int) -> Any:
    """Reject the suggestion: the field stays as it is and the value is not suggested again."""
    if not ButtonForm().validate_on_submit():
        flash(_("表单已过期或无效，请重新提交。"), "error")
        return _back()
    settings = current_app.extensions["lantai"].settings
    try:
        with lantai().catalog.session() as db:
            _check_item(db, item_id)
            item = reject_review(db, item_id, editor(), settings=settings)
            name = item.field
    except InputError as exc:
        flash(bilingual(exc), "error")
        return _back()
    flash(_("已拒绝对“%(field)s”的建议。", field=field_label(name)), "success")
    return _back()
