"""Pages of the access request workflow: ask, my requests, the archivists' queue, decide."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from archive import access_requests as service
from archive.access import can_request
from archive.catalog.accounts import AccessRequest, User
from archive.catalog.models import Record
from archive.mail import MailError, send_mail
from archive.vocabulary import AuditAction, Outcome
from config.errors import LantaiError
from portal.audit.web import audit_or_refuse, where
from portal.auth import current_user, lantai, login_required, staff_required
from portal.i18n import localized
from portal.records import guard

bp = Blueprint("requests", __name__, url_prefix="/requests")


class AskForm(FlaskForm):
    """A researcher's request."""

    record = StringField(_l("Record (id or reference code)"), validators=[DataRequired(), Length(max=128)])
    purpose = TextAreaField(_l("Purpose of use"), validators=[DataRequired(), Length(min=4, max=2000)])
    days = IntegerField(_l("Period (days)"), default=30, validators=[DataRequired(), NumberRange(1, service.MAX_DAYS)])
    submit = SubmitField(_l("Send request"))


class ApproveForm(FlaskForm):
    """Approve until a date."""

    expires_on = DateField(_l("Access until (inclusive)"), validators=[DataRequired()])
    note = StringField(_l("Note to the researcher (optional)"), validators=[Optional(), Length(max=1000)])
    submit = SubmitField(_l("Approve"))


class DenyForm(FlaskForm):
    """Deny with a reason."""

    reason = TextAreaField(_l("Reason for the denial"), validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField(_l("Deny"))


@bp.route("/")
@login_required
def mine() -> Any:
    """The user's own requests and their decisions."""
    user = current_user()
    assert user is not None  # noqa: S101
    with lantai().catalog.session() as db:
        items = service.mine(db, user)
        return render_template("requests/mine.html", requests=items, shown=_shown(db, items))


def _shown(db: Any, items: list[AccessRequest]) -> dict[int, bool]:
    """Request id -> whether the viewer may still see its record's catalogue entry.

    A record made secret after it was asked for vanishes from its requests too: title, 档号 and
    level are shown only while the access rules let the viewer know the record.
    """
    return {item.id: guard.may_see(db, item.record) for item in items}


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> Any:
    """Ask for access to a restricted record (``?record=`` id or reference code)."""
    user = current_user()
    assert user is not None  # noqa: S101
    form = AskForm()
    if request.method == "GET" and request.args.get("record"):
        form.record.data = request.args["record"]
    status = 200
    if form.validate_on_submit():
        try:
            with lantai().catalog.session() as db:
                asked = service.find_record(db, user, form.record.data or "")
                service.ask(db, user, asked, form.purpose.data or "", form.days.data or 0, where=where())
        except LantaiError as exc:
            if exc.http_status in (404, 503):  # 503: the audit event could not be written
                raise
            form.record.errors = [localized(exc)]
            status = 400
        else:
            flash(_("Your request was sent. You will see the decision under “My requests”."), "success")
            return redirect(url_for("requests.mine"))
    elif form.is_submitted():
        status = 400
    record: Record | None = None
    ref = form.record.data
    if ref:
        with lantai().catalog.session() as db:
            record = service.find_record(db, user, ref)
            if request.method == "GET" and not can_request(user, record, db):
                abort(403)
    return render_template("requests/new.html", form=form, record=record), status


@bp.route("/queue")
@staff_required
def queue() -> Any:
    """The archivists' queue: pending requests first."""
    with lantai().catalog.session() as db:
        items = service.queue(db)
        return render_template("requests/queue.html", requests=items, shown=_shown(db, items))


def _load(db: Any, request_id: int) -> AccessRequest:
    """A request the current user may see (their own, or any for staff); else 404."""
    user = current_user()
    req = db.get(AccessRequest, request_id)
    if req is None or user is None or not (user.is_staff or req.user_id == user.id):
        abort(404)
    return req


@bp.route("/<int:request_id>")
@login_required
def show(request_id: int) -> Any:
    """One request; staff see the approve and deny forms while it is pending."""
    with lantai().catalog.session() as db:
        req = _load(db, request_id)
        approve_form = ApproveForm(expires_on=dt.date.today() + dt.timedelta(days=req.days_requested or 30))
        return render_template("requests/show.html", req=req, approve_form=approve_form, deny_form=DenyForm(),
                               shown=_shown(db, [req]))


def _notify(req: AccessRequest, researcher: User) -> None:
    """E-mail the researcher the decision, in both languages (the portal has the details)."""
    settings = lantai().settings
    if not settings.smtp_url or not researcher.email:
        return
    link = url_for("requests.show", request_id=req.id, _external=True)
    title = req.record.title or req.record.reference_code or f"#{req.record_id}"
    parts = []
    for locale in ("zh_Hans", "en"):
        with force_locale(locale):
            if req.status == "approved":
                # the grant ends at midnight after the last day; the notice names that last day
                until = (req.expires_at - dt.timedelta(seconds=1)).date().isoformat() if req.expires_at else ""
                parts.append(
                    _(
                        "Your request for “%(title)s” was approved. You may use the record until %(until)s.",
                        title=title,
                        until=until,
                    )
                )
            else:
                parts.append(
                    _(
                        "Your request for “%(title)s” was denied. Reason: %(reason)s",
                        title=title,
                        reason=req.reason or "",
                    )
                )
            parts.append(_("Details: %(link)s", link=link))
            parts.append("")
    with force_locale("zh_Hans"):
        subject_zh = _("Decision on your access request")
    with force_locale("en"):
        subject_en = _("Decision on your access request")
    try:
        send_mail(settings, researcher.email, f"{subject_zh} / {subject_en}", "\n".join(parts))
    except MailError as exc:
        with lantai().catalog.session() as db:
            audit_or_refuse(db, AuditAction.NOTICE_FAILED, object_type="access_request", object_id=req.id,
                            record_id=req.record_id, outcome=Outcome.DENIED, details={"error": exc.message_en})
        flash(_("The decision was saved, but the e-mail notice could not be sent."), "warning")


def _decide(request_id: int, approve: bool) -> Any:
    decider = current_user()
    assert decider is not None  # noqa: S101
    form: FlaskForm = ApproveForm() if approve else DenyForm()
    if not form.validate_on_submit():
        flash(_("Please fill in the decision form."), "error")
        return redirect(url_for("requests.show", request_id=request_id))
    try:
        with lantai().catalog.session() as db:
            req = _load(db, request_id)
            if approve:
                assert isinstance(form, ApproveForm)  # noqa: S101
                day = form.expires_on.data
                assert day is not None  # noqa: S101
                until = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
                service.approve(db, req, decider, until, form.note.data or "", where=where())
            else:
                assert isinstance(form, DenyForm)  # noqa: S101
                service.deny(db, req, decider, form.reason.data or "", where=where())
            researcher = req.user
            db.refresh(req.record)  # loaded while the session is open, for the notice
    except LantaiError as exc:
        if exc.http_status in (404, 503):  # 503: the audit event could not be written
            raise
        flash(localized(exc), "error")
        return redirect(url_for("requests.show", request_id=request_id))
    _notify(req, researcher)
    flash(_("The request was approved.") if approve else _("The request was denied."), "success")
    return redirect(url_for("requests.queue"))


@bp.route("/<int:request_id>/approve", methods=["POST"])
@staff_required
def approve(request_id: int) -> Any:
    """Approve a pending request (grant until the chosen day, inclusive)."""
    return _decide(request_id, approve=True)


@bp.route("/<int:request_id>/deny", methods=["POST"])
@staff_required
def deny(request_id: int) -> Any:
    """Deny a pending request with a reason."""
    return _decide(request_id, approve=False)
