"""Batch editing: pick records (from a search or by id), set fields, preview, apply; one audit event per change."""

from __future__ import annotations

import re
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from archive.catalog.models import Record
from archive.description.records import batch_update
from archive.description.review import as_text, get_field, normalize_field
from archive.description.schema import EDITABLE_FIELDS
from config.errors import InputError, LantaiError
from portal.auth import current_user, lantai, staff_required
from portal.describe.common import ButtonForm, bilingual, bp, editor, field_label, may_see
from portal.describe.forms import DescriptionForm, description_values
from portal.describe.record_views import check_values
from portal.records.guard import clearance
from portal.search.params import parse_state, to_request

MAX_BATCH = 500
SEARCH_PAGE = 100  # results listed for ticking; more with &page=2


def parse_ids(raw: str | list[str]) -> list[int]:
    """Record ids from ``1, 2 3`` text or a list of such texts, in order, without repeats."""
    parts = raw if isinstance(raw, list) else [raw]
    numbers = [int(n) for part in parts for n in re.findall(r"\d+", part or "")]
    return list(dict.fromkeys(numbers))


def _rows(db: Any, ids: list[int]) -> tuple[list[Record], list[int]]:
    """The records of ``ids`` the user may see (in the given order), and the ids not found."""
    user = current_user()
    found = {r.id: r for r in db.scalars(select(Record).where(Record.id.in_(ids))) if may_see(user, r)}
    return [found[i] for i in ids if i in found], [i for i in ids if i not in found]


def _summary(record: Record) -> dict[str, Any]:
    return {
        "id": record.id,
        "title": record.title,
        "reference_code": record.reference_code,
        "fonds_code": record.fonds_code,
        "category_code": record.category_code,
        "year": record.year,
        "retention": record.retention,
        "department": record.department,
    }


@bp.get("/batch")
@staff_required
def batch() -> Any:
    """The records of a search (``q``, ``f``, ...) or of ``ids``, with checkboxes and the fields to set."""
    ids = parse_ids(request.args.getlist("ids"))
    error: str | None = None
    total = 0
    records: list[dict[str, Any]] = []
    missing: list[int] = []
    next_page: int | None = None
    ctx = lantai()
    with ctx.catalog.session() as db:
        if not ids and (request.args.get("q") or request.args.getlist("f")):
            try:
                state = parse_state(request.args, page_size=SEARCH_PAGE)
                response = ctx.search.search(to_request(state, clearance(db)))
                total = response.total
                ids = [hit.id for hit in response.hits]
                if state.offset + len(ids) < total:
                    next_page = state.page + 1
            except InputError as exc:
                error = bilingual(exc)
        if ids:
            found, missing = _rows(db, ids[:MAX_BATCH])
            records = [_summary(r) for r in found]
            total = total or len(records)
    return render_template(
        "describe/batch.html",
        records=records,
        missing=missing,
        total=total,
        error=error,
        next_page=next_page,
        query=request.args.get("q", ""),
        ids_text=" ".join(request.args.getlist("ids")),
        form=DescriptionForm(formdata=None),
        fields=EDITABLE_FIELDS,
    ), (400 if error else 200)


def _chosen() -> tuple[list[int], dict[str, Any]]:
    """The ticked record ids and the non-empty field values of a batch form."""
    ids = parse_ids(request.form.getlist("record_id"))[:MAX_BATCH]
    form = DescriptionForm()
    values = {name: value for name, value in description_values(form).items() if str(value).strip()}
    return ids, values


@bp.post("/batch/preview")
@staff_required
def batch_preview() -> Any:
    """What applying the fields would change, record by record; nothing is saved yet."""
    if not ButtonForm().validate_on_submit():
        return redirect(url_for("describe.batch"), 303)
    ids, values = _chosen()
    errors = check_values(values)
    problems = [f"{field_label(name)}: {message}" for name, message in errors.items()]
    if not ids:
        problems.append(_("请至少选择一条档案。"))
    if not values:
        problems.append(_("请至少填写一个要设置的字段。"))
    preview: list[dict[str, Any]] = []
    missing: list[int] = []
    with lantai().catalog.session() as db:
        found, missing = _rows(db, ids)
        if not errors:
            new = {name: as_text(normalize_field(name, value)) for name, value in values.items()}
            for record in found:
                for name, value in new.items():
                    old = as_text(get_field(record, name))
                    if old != value:
                        preview.append(
                            {
                                "record": _summary(record),
                                "field": name,
                                "label": field_label(name),
                                "old": old,
                                "new": value,
                            }
                        )
    return render_template(
        "describe/batch_preview.html",
        problems=problems,
        preview=preview,
        ids=[r.id for r in found] if not problems else ids,
        values=values,
        missing=missing,
        button=ButtonForm(),
    ), (400 if problems else 200)


@bp.post("/batch/apply")
@staff_required
def batch_apply() -> Any:
    """Set the fields on the chosen records; each change is an audit event and the records are re-indexed."""
    if not ButtonForm().validate_on_submit():
        return redirect(url_for("describe.batch"), 303)
    ids, values = _chosen()
    if not ids or not values:
        flash(_("请至少选择一条档案并填写一个字段。"), "error")
        return redirect(url_for("describe.batch"), 303)
    settings = current_app.extensions["lantai"].settings
    try:
        with lantai().catalog.session() as db:
            changes = batch_update(db, ids, values, editor(), settings=settings)
    except LantaiError as exc:
        flash(bilingual(exc), "error")
        return redirect(url_for("describe.batch", ids=" ".join(map(str, ids))), 303)
    flash(
        _("已修改 %(records)s 条档案的 %(n)s 个字段。", records=len({c.record_id for c in changes}), n=len(changes)),
        "success",
    )
    return redirect(url_for("describe.batch", ids=" ".join(map(str, ids))), 303)
