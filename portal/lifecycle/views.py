"""Appraisal, opening and disposal pages: the due lists with their counts, opening proposals and
their signatures (a department's clerk sees their own department's), appraisal, destruction
batches with approvals, execution under a witness and the 销毁清册; legal holds for
administrators. Every change goes through ``lifecycle``; errors show in the user's language."""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from archive.access import clearance_for
from archive.catalog.models import Record
from archive.clock import SYSTEM
from archive.departments import clerk_department
from archive.vocabulary import AppraisalDecision, OpeningDecision, Retention, ReviewStatus, Role
from config.errors import InputError, LantaiError
from lifecycle import appraisal, destruction, holds, opening
from lifecycle.due import DueFilter, disposal_due, due_counts, matching, opening_due
from lifecycle.register import destruction_register, register_pdf, register_xlsx
from portal.audit.web import current_actor, where
from portal.auth import current_user, lantai, role_required, staff_required
from portal.i18n import localized

bp = Blueprint("lifecycle", __name__, url_prefix="/lifecycle")
member_required = role_required("admin", "archivist", "clerk")
SHOWN = 500  # rows of a due list on the page; "every record listed" still takes the whole list


def _labels() -> dict[str, Any]:
    language = "en" if str(get_locale()) == "en" else "zh"
    return {
        "decision_label": lambda s: OpeningDecision(s).label(language),
        "review_label": lambda s: ReviewStatus(s).label(language),
        "appraisal_label": lambda s: AppraisalDecision(s).label(language),
        "retention_label": lambda s: Retention(s).label(language) if s in Retention.values() else (s or "—"),
    }


def _ids(field: str) -> list[int]:
    values = request.form.getlist(field)
    if not values or not all(v.isdigit() for v in values):
        raise InputError("Choose at least one item", "请至少选择一项")
    return [int(v) for v in values]


def _filter(source: Any = None) -> DueFilter:
    """The due-list filter of the page (``?fonds=&department=&year=&q=``), or of a form repeating it."""
    values = source if source is not None else request.args
    query = (values.get("q") or "").strip()
    found = None
    if query:
        with lantai().catalog.session() as session:
            clearance = clearance_for(current_user(), session, public_search=lantai().settings.public_search)
        found = matching(lantai(), query, clearance)
    return DueFilter(values.get("fonds") or None, values.get("department") or None, values.get("year", type=int),
                     found)


def _chosen(kind: str) -> list[int]:
    """The records ticked, or with ``all_listed`` every record of the due list the form repeats."""
    if not request.form.get("all_listed"):
        return _ids("record")
    with lantai().catalog.session() as session:
        now = SYSTEM.now()
        listed = (opening_due(session, now, lantai().settings, _filter(request.form)) if kind == "opening"
                  else disposal_due(session, now, _filter(request.form)))
        return [r.id for r in listed]


@bp.get("/")
@member_required
def index() -> Any:
    """Due lists (staff), opening proposals awaiting signature, destruction batches."""
    user = current_user()
    now = SYSTEM.now()
    where_ = _filter()
    with lantai().catalog.session() as session:
        department = clerk_department(session, user) if user is not None and user.role == Role.CLERK else None
        if user is not None and user.role == Role.CLERK and department is None:
            abort(403)
        proposals = opening.list_proposals(session, ReviewStatus.PROPOSED.value)
        records = {r.id: r for r in session.query(Record).filter(Record.id.in_([p.record_id for p in proposals]))}
        if department is not None:
            proposals = [p for p in proposals if p.record_id in records
                         and records[p.record_id].department_code == department.code]
        context: dict[str, Any] = {"proposals": proposals, "proposal_records": records, "department": department,
                                   "filter": where_, "q": request.args.get("q", ""), "shown": SHOWN}
        if department is None:
            context.update(
                counts=due_counts(session, now, lantai().settings),
                disposal=disposal_due(session, now, where_),
                opening_list=opening_due(session, now, lantai().settings, where_),
                awaiting=_awaiting_batch(session),
                batches=destruction.list_batches(session),
                holds=holds.active_holds(session),
            )
        return render_template("lifecycle/index.html", **context, **_labels())


def _awaiting_batch(session: Any) -> list[tuple[Any, Record]]:
    """Records appraised for destruction and in no batch yet, with their appraisal."""
    from sqlalchemy import select

    from archive.catalog.lifecycle import Appraisal

    rows = session.scalars(select(Appraisal).where(Appraisal.decision == AppraisalDecision.DESTROY,
                                                  Appraisal.batch_id.is_(None)).order_by(Appraisal.id))
    out = []
    for row in rows:
        record = session.get(Record, row.record_id)
        if record is not None:
            out.append((row, record))
    return out


def _done(message: str) -> Any:
    flash(message)
    return redirect(request.referrer or url_for("lifecycle.index"))


def _failed(exc: LantaiError) -> Any:
    flash(localized(exc), "error")
    return redirect(request.referrer or url_for("lifecycle.index"))


@bp.post("/opening/propose")
@staff_required
def propose_opening() -> Any:
    """Propose open, keep controlled or defer for the chosen records."""
    try:
        years = request.form.get("defer_years", type=int)
        with lantai().catalog.session() as session:
            made = opening.propose(session, _chosen("opening"), request.form.get("decision", ""),
                                   request.form.get("reason", ""), actor=current_actor(), now=SYSTEM.now(),
                                   defer_years=years, where=where())
        return _done(_("已提出 %(n)d 条开放审核意见，待部门和管理员会签。", n=len(made)))
    except LantaiError as exc:
        return _failed(exc)


@bp.post("/opening/sign")
@role_required("admin", "clerk")
def sign_opening() -> Any:
    """Sign the chosen proposals for one's department (clerk) or for the archive (administrator)."""
    user = current_user()
    assert user is not None  # noqa: S101 - role_required
    try:
        with lantai().catalog.session() as session:
            signed = opening.sign(session, _ids("proposal"), user=user, settings=lantai().settings,
                                  now=SYSTEM.now(), where=where())
            decided = sum(1 for p in signed if p.status == ReviewStatus.APPROVED)
        return _done(_("已签署 %(n)d 条，其中 %(d)d 条已生效。", n=len(signed), d=decided))
    except LantaiError as exc:
        return _failed(exc)


@bp.post("/appraise")
@staff_required
def appraise() -> Any:
    """Appraise the chosen due records: extend retention or propose destruction."""
    try:
        with lantai().catalog.session() as session:
            done = appraisal.appraise(session, _chosen("disposal"), request.form.get("decision", ""),
                                      request.form.get("reason", ""), actor=current_actor(),
                                      settings=lantai().settings, now=SYSTEM.now(),
                                      retention=request.form.get("retention") or None, where=where())
        return _done(_("已鉴定 %(n)d 件。", n=len(done)))
    except LantaiError as exc:
        return _failed(exc)


@bp.post("/batches")
@staff_required
def propose_batch() -> Any:
    """Gather the chosen records appraised for destruction into a batch."""
    try:
        with lantai().catalog.session() as session:
            batch = destruction.propose_batch(session, _ids("record"), request.form.get("title", ""),
                                              actor=current_actor(), now=SYSTEM.now(), where=where())
            batch_id = batch.id
        flash(_("已提出销毁批次，须由另外两人批准。"))
        return redirect(url_for("lifecycle.batch", batch_id=batch_id))
    except LantaiError as exc:
        return _failed(exc)


@bp.get("/batches/<int:batch_id>")
@staff_required
def batch(batch_id: int) -> Any:
    """A destruction batch: its records, approvals, execution and register."""
    with lantai().catalog.session() as session:
        found = destruction.get_batch(session, batch_id)
        data = destruction_register(session, batch_id)
        return render_template("lifecycle/batch.html", batch=found, register=data, **_labels())


@bp.post("/batches/<int:batch_id>/approve")
@staff_required
def approve(batch_id: int) -> Any:
    """Approve a destruction batch."""
    user = current_user()
    assert user is not None  # noqa: S101 - staff_required
    try:
        with lantai().catalog.session() as session:
            destruction.approve_batch(session, batch_id, user=user, now=SYSTEM.now(), where=where())
        return _done(_("已批准。"))
    except LantaiError as exc:
        return _failed(exc)


@bp.post("/batches/<int:batch_id>/execute")
@staff_required
def execute(batch_id: int) -> Any:
    """Carry out an approved batch under a witness."""
    try:
        done = destruction.execute_batch(lantai(), batch_id, actor=current_actor(),
                                         witness=request.form.get("witness", ""), now=SYSTEM.now(), where=where())
        return _done(_("已销毁 %(n)d 件档案。", n=len(done.tombstones)))
    except LantaiError as exc:
        return _failed(exc)


@bp.get("/batches/<int:batch_id>/register.<fmt>")
@staff_required
def register(batch_id: int, fmt: str) -> Any:
    """The 销毁清册 as XLSX or PDF."""
    if fmt not in ("xlsx", "pdf"):
        abort(404)
    with lantai().catalog.session() as session:
        data = destruction_register(session, batch_id)
    body = register_xlsx(data) if fmt == "xlsx" else register_pdf(data)
    return send_file(io.BytesIO(body), download_name=f"销毁清册-{batch_id}.{fmt}", as_attachment=True)


@bp.post("/holds")
@role_required("admin")
def hold() -> Any:
    """Set or release (``release`` = 1) a legal hold on a record."""
    record_id = request.form.get("record_id", type=int)
    try:
        if record_id is None:
            raise InputError("Give the record's id", "请填写档案编号")
        with lantai().catalog.session() as session:
            if request.form.get("release"):
                holds.release_hold(session, record_id, request.form.get("reason", ""), actor=current_actor(),
                                   now=SYSTEM.now(), where=where())
                return _done(_("已解除法律冻结。"))
            holds.set_hold(session, record_id, request.form.get("reason", ""), actor=current_actor(),
                           now=SYSTEM.now(), where=where())
        return _done(_("已设置法律冻结。"))
    except LantaiError as exc:
        return _failed(exc)
