"""The review pages of the audit trail (blueprint ``audit``, administrators only).

``/admin/audit/`` filters by user, record, action, date range, IP and outcome with charts;
``/admin/audit/record/<id>`` is the "who accessed this record" fragment the record page
includes; ``/admin/audit/user/<id>`` a user's history; exports give the use register
(利用登记) as CSV or XLSX. An export is itself audited, and refused if it cannot be.
"""

from __future__ import annotations

import io
import re
from itertools import islice
from typing import Any

from flask import Blueprint, Response, abort, redirect, render_template, request, stream_with_context, url_for
from flask_babel import get_locale

from archive.audit.chain import format_time
from archive.audit.export import csv_lines, register_rows, write_xlsx
from archive.audit.labels import action_label, outcome_label, role_label
from archive.audit.review import (
    AuditFilter,
    chart_window,
    details_of,
    downloads_by_department,
    events_per_day,
    find_events,
    iter_events,
    most_viewed,
    record_titles,
)
from archive.catalog.accounts import User
from archive.vocabulary import AuditAction
from portal.audit.charts import horizontal_bars, stacked_days
from portal.audit.web import audit_or_refuse

bp = Blueprint("audit", __name__, url_prefix="/admin/audit", static_folder="static", static_url_path="/static")

XLSX_MAX_ROWS = 100_000  # larger registers: `lantai audit export --format xlsx`


def _catalog() -> Any:
    from flask import current_app

    return current_app.extensions["lantai"].catalog


def _english() -> bool:
    return str(get_locale()) == "en"


@bp.before_request
def _admins_only() -> Any:
    from portal.auth import current_user

    user = current_user()
    if user is None:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if not user.is_admin:
        abort(403)
    return None


@bp.app_context_processor
def _audit_helpers() -> dict[str, Any]:
    english = _english
    return {
        "audit_action_label": lambda action, details=None: action_label(action, details, english=english()),
        "audit_outcome_label": lambda outcome: outcome_label(outcome, english=english()),
        "audit_role_label": lambda role: role_label(role, english=english()),
        "audit_details": details_of,
        "t": lambda zh, en: en if english() else zh,
        "visible": visible,
        "audit_time": lambda value: format_time(value).replace("T", " ")[:19] + " UTC",
    }


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def visible(value: Any) -> str:
    """Text with control characters shown as their Unicode pictures (␇, ␛), newlines kept."""
    if value is None:
        return ""
    return _CONTROL.sub(lambda m: chr(0x2421) if m.group() == "\x7f" else chr(0x2400 + ord(m.group())), str(value))


def _charts(session: Any, filt: AuditFilter) -> dict[str, Any]:
    window = chart_window(filt)
    assert window.date_from and window.date_to  # noqa: S101  (chart_window always sets both)
    english = _english()
    labels = {a.value: a.label("en" if english else "zh") for a in AuditAction}
    viewed = most_viewed(session, window)
    departments = downloads_by_department(session, window)
    return {
        "per_day": stacked_days(events_per_day(session, window), window.date_from, window.date_to, labels,
                                title="Events per day by action" if english else "每日事件（按操作）"),
        "most_viewed": horizontal_bars([(label, n) for _id, label, n in viewed],
                                       title="Most viewed records" if english else "查阅最多的档案",
                                       link=[url_for("audit.index", record=rid) for rid, _l, _n in viewed]),
        "departments": horizontal_bars([(d or ("(unknown)" if english else "（未知）"), n) for d, n in departments],
                                       title="Downloads by department" if english else "各部门下载量"),
        "window": window,
    }


@bp.route("/")
def index() -> Any:
    """The event list with filters, charts, pagination and export links."""
    filt = AuditFilter.from_args(request.args)
    with _catalog().session() as session:
        page = find_events(session, filt)
        charts = _charts(session, filt)
    actions = [(a.value, action_label(a.value, english=_english())) for a in AuditAction]
    return render_template("audit/index.html", filt=filt, page=page, charts=charts, actions=actions, subject=None)


@bp.route("/user/<int:user_id>")
def user_history(user_id: int) -> Any:
    """One user's history: every event they caused, newest first."""
    filt = AuditFilter.from_args({**request.args, "user": str(user_id)})
    with _catalog().session() as session:
        user = session.get(User, user_id)
        page = find_events(session, filt)
        charts = _charts(session, filt)
    subject = {"kind": "user", "id": user_id, "label": (user.label if user else f"#{user_id}")}
    actions = [(a.value, action_label(a.value, english=_english())) for a in AuditAction]
    return render_template("audit/index.html", filt=filt, page=page, charts=charts, actions=actions, subject=subject)


@bp.route("/record/<int:record_id>")
def record_access(record_id: int) -> Any:
    """"Who accessed this record": an HTML fragment for the record page (latest 20 events)."""
    limit = request.args.get("limit", "")
    filt = AuditFilter(record=str(record_id), limit=min(int(limit), 200) if limit.isdigit() and int(limit) else 20)
    with _catalog().session() as session:
        page = find_events(session, filt)
    return render_template("audit/_record_access.html", access=page, record_id=record_id)


def _export_event(fmt: str, filt: AuditFilter) -> None:
    with _catalog().session() as session:
        audit_or_refuse(session, AuditAction.AUDIT_EXPORT, object_type="audit_log",
                        details={"format": fmt, **filt.query_args()})


@bp.route("/export.csv")
def export_csv() -> Any:
    """The use register (利用登记) of the filtered events as CSV (UTF-8 with BOM), streamed."""
    filt = AuditFilter.from_args(request.args)
    _export_event("csv", filt)

    def generate() -> Any:
        with _catalog().session() as session:
            rows = register_rows(iter_events(session, filt), lambda ids: record_titles(session, ids))
            yield from csv_lines(rows)

    headers = {"Content-Disposition": "attachment; filename=use_register.csv", "Cache-Control": "no-store"}
    return Response(stream_with_context(generate()), mimetype="text/csv", headers=headers)


@bp.route("/export.xlsx")
def export_xlsx() -> Any:
    """The use register of the filtered events as an XLSX workbook (first 100,000 events)."""
    filt = AuditFilter.from_args(request.args)
    _export_event("xlsx", filt)
    buffer = io.BytesIO()
    with _catalog().session() as session:
        rows = register_rows(islice(iter_events(session, filt), XLSX_MAX_ROWS), lambda ids: record_titles(session, ids))
        write_xlsx(rows, buffer)
    headers = {"Content-Disposition": "attachment; filename=use_register.xlsx", "Cache-Control": "no-store"}
    return Response(buffer.getvalue(), headers=headers,
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
