"""Routes of staff work: the dashboard, and retry, withdraw, restore and text correction of a record.

Every change goes through its one service (``indexer.retry``, ``archive.description.withdrawal``,
``archive.description.pagetext``), which audits it; a refused change is a flash message in the
user's language, and nothing else changes. CSRF is checked by the app for every form post.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from archive.access import RecordHidden
from archive.catalog.models import Page, Record
from archive.description.pagetext import correct_page_text, text_versions
from archive.description.withdrawal import restore_record, withdraw_record
from config.errors import LantaiError, NotFoundError, message_halves
from indexer.retry import retry_record
from portal.auth import current_user, lantai, staff_required
from portal.describe.common import editor, may_see
from portal.i18n import localized
from portal.work import queues

bp = Blueprint("work", __name__, url_prefix="/work")


@bp.app_template_global()
def error_text(record: Record) -> str:
    """A failed record's stored error ("中文 / English") in the user's language only."""
    zh, en = message_halves(record.error_message or "")
    return en if str(get_locale()) == "en" else zh


def _back(record_id: int) -> str:
    """Where to go after an action: the page that posted it (``next``, a local path), else the record."""
    target = request.form.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("records.show", record_id=record_id)


@bp.get("/")
@staff_required
def dashboard() -> Any:
    """The work queues: processing now, failed, awaiting review, pending access requests, withdrawn."""
    user = current_user()
    with lantai().catalog.session() as db:
        found = queues.load(db, admin=bool(user is not None and user.is_admin))
        return render_template("work/dashboard.html", queues=found)


@bp.post("/records/<int:record_id>/retry")
@staff_required
def retry(record_id: int) -> Any:
    """Process a failed record again."""
    try:
        retry_record(lantai(), record_id, editor())
    except LantaiError as exc:
        flash(localized(exc), "error")
    else:
        flash(_("已重新排队处理。"), "success")
    return redirect(_back(record_id), 303)


@bp.post("/records/<int:record_id>/withdraw")
@staff_required
def withdraw(record_id: int) -> Any:
    """Withdraw a record from the portal, with a reason (not a deletion)."""
    try:
        with lantai().catalog.session() as db:
            withdraw_record(db, record_id, request.form.get("reason", ""), editor())
    except LantaiError as exc:
        flash(localized(exc), "error")
    else:
        flash(_("档案已撤下：检索和利用者都看不到它，工作人员可以恢复。"), "success")
    return redirect(_back(record_id), 303)


@bp.post("/records/<int:record_id>/restore")
@staff_required
def restore(record_id: int) -> Any:
    """Bring a withdrawn record back."""
    try:
        with lantai().catalog.session() as db:
            restore_record(db, record_id, editor())
    except LantaiError as exc:
        flash(localized(exc), "error")
    else:
        flash(_("档案已恢复。"), "success")
    return redirect(_back(record_id), 303)


def _page(db: Any, record_id: int, number: int) -> tuple[Record, Page]:
    record = db.get(Record, record_id)
    if record is None or not may_see(current_user(), record):
        raise RecordHidden()
    page = db.scalar(select(Page).where(Page.record_id == record.id, Page.number == number))
    if page is None:
        raise NotFoundError(f"Record {record_id} has no page {number}", f"档案 {record_id} 没有第 {number} 页")
    return record, page


@bp.route("/records/<int:record_id>/pages/<int:number>/text", methods=["GET", "POST"])
@staff_required
def correct_text(record_id: int, number: int) -> Any:
    """Correct one page's text; every correction is kept as a version, the OCR text too."""
    status = 200
    text = None
    if request.method == "POST":
        text = request.form.get("text", "")
        try:
            with lantai().catalog.session() as db:
                version = correct_page_text(db, record_id, number, text, editor())
                saved = version.version
        except LantaiError as exc:
            flash(localized(exc), "error")
            status = exc.http_status if exc.http_status != 500 else 400
        else:
            flash(_("已保存为第 %(v)s 版。", v=saved), "success")
            return redirect(url_for("records.show", record_id=record_id, page=number), 303)
    with lantai().catalog.session() as db:
        record, page = _page(db, record_id, number)
        return render_template("work/correct_text.html", record=record, page=page,
                               text=page.text if text is None else text,
                               versions=text_versions(db, page.id)), status
