"""``/api/v1/lifecycle``: due lists, opening proposals and signatures, appraisals, destruction
batches (approve, execute, 销毁清册) and legal holds, for staff (clerks sign their department's
opening proposals). Token auth as the rest of the API; JSON shapes of ``lifecycle.resources``;
errors in both languages (``portal/errors.py``)."""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, abort, request, send_file

from archive.clock import SYSTEM
from archive.vocabulary import STAFF_ROLES, Role
from config.errors import InputError
from lifecycle import appraisal, destruction, holds, opening
from lifecycle.due import DueFilter, disposal_due, opening_due
from lifecycle.register import destruction_register, register_pdf, register_xlsx
from lifecycle.resources import appraisal_json, batch_json, due_json, hold_json, proposal_json, tombstone_json
from portal.audit.web import current_actor, where
from portal.auth import authenticate_request, current_user, lantai

bp = Blueprint("lifecycle_api", __name__, url_prefix="/api/v1/lifecycle")


@bp.before_request
def _authenticate() -> None:
    user = authenticate_request()
    if user is None:
        abort(401)
    if user.role not in STAFF_ROLES and user.role != Role.CLERK:
        abort(403)


def _staff() -> None:
    user = current_user()
    if user is None or user.role not in STAFF_ROLES:
        abort(403)


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InputError("Send a JSON object", "请求体须为 JSON 对象")
    return body


def _int_list(body: dict[str, Any], name: str) -> list[int]:
    values = body.get(name)
    if not isinstance(values, list) or not values or not all(isinstance(v, int) for v in values):
        raise InputError(f"{name} must be a non-empty list of ids", f"{name} 须为非空的编号列表")
    return values


@bp.get("/due/<kind>")
def due(kind: str) -> Any:
    """Records due for appraisal (``disposal``) or for the opening review (``opening``)."""
    _staff()
    if kind not in ("disposal", "opening"):
        abort(404)
    where_ = DueFilter(request.args.get("fonds") or None, request.args.get("department") or None,
                       request.args.get("year", type=int))
    now = SYSTEM.now()
    settings = lantai().settings
    with lantai().catalog.session() as session:
        rows = disposal_due(session, now, where_) if kind == "disposal" else opening_due(session, now, settings, where_)
        return {"records": [due_json(r, settings.opening_age_years) for r in rows], "total": len(rows)}


@bp.get("/opening/proposals")
def proposals() -> Any:
    """Opening proposals, newest first (``?status=proposed``)."""
    with lantai().catalog.session() as session:
        return {"proposals": [proposal_json(p) for p in opening.list_proposals(session, request.args.get("status"))]}


@bp.post("/opening/proposals")
def propose() -> Any:
    """Propose for records: ``{"records": [ids], "decision", "reason", "defer_years"?}``."""
    _staff()
    body = _body()
    if body.get("defer_years") is not None and not isinstance(body.get("defer_years"), int):
        raise InputError("defer_years must be a whole number of years", "defer_years 须为整数年")
    with lantai().catalog.session() as session:
        made = opening.propose(session, _int_list(body, "records"), str(body.get("decision", "")),
                               str(body.get("reason", "")), actor=current_actor(), now=SYSTEM.now(),
                               defer_years=body.get("defer_years"), where=where())
        return {"proposals": [proposal_json(p) for p in made]}, 201


@bp.post("/opening/signatures")
def sign() -> Any:
    """Sign proposals as the department's clerk or an administrator: ``{"proposals": [ids]}``."""
    user = current_user()
    assert user is not None  # noqa: S101 - authenticated above
    body = _body()
    with lantai().catalog.session() as session:
        signed = opening.sign(session, _int_list(body, "proposals"), user=user, settings=lantai().settings,
                              now=SYSTEM.now(), where=where())
        return {"proposals": [proposal_json(p) for p in signed]}


@bp.post("/appraisals")
def appraise() -> Any:
    """Appraise records: ``{"records": [ids], "decision", "reason", "retention"?}``."""
    _staff()
    body = _body()
    with lantai().catalog.session() as session:
        done = appraisal.appraise(session, _int_list(body, "records"), str(body.get("decision", "")),
                                  str(body.get("reason", "")), actor=current_actor(), settings=lantai().settings,
                                  now=SYSTEM.now(), retention=str(body["retention"]) if body.get("retention") else None,
                                  where=where())
        return {"appraisals": [appraisal_json(a) for a in done]}, 201


@bp.get("/destruction/batches")
def batches() -> Any:
    """Destruction batches with their records."""
    _staff()
    with lantai().catalog.session() as session:
        return {"batches": [batch_json(b, [a.record_id for a in destruction.batch_appraisals(session, b.id)])
                            for b in destruction.list_batches(session)]}


@bp.post("/destruction/batches")
def propose_batch() -> Any:
    """Propose a batch of records appraised for destruction: ``{"records": [ids], "title"?}``."""
    _staff()
    body = _body()
    with lantai().catalog.session() as session:
        records = _int_list(body, "records")
        batch = destruction.propose_batch(session, records, str(body.get("title", "")), actor=current_actor(),
                                          now=SYSTEM.now(), where=where())
        return batch_json(batch, records), 201


@bp.post("/destruction/batches/<int:batch_id>/approvals")
def approve(batch_id: int) -> Any:
    """Approve a batch as the signed-in member of staff."""
    _staff()
    user = current_user()
    assert user is not None  # noqa: S101 - authenticated above
    with lantai().catalog.session() as session:
        return batch_json(destruction.approve_batch(session, batch_id, user=user, now=SYSTEM.now(), where=where()))


@bp.post("/destruction/batches/<int:batch_id>/execution")
def execute(batch_id: int) -> Any:
    """Carry out an approved batch: ``{"witness": name}``; the tombstones written."""
    _staff()
    body = _body()
    done = destruction.execute_batch(lantai(), batch_id, actor=current_actor(), witness=str(body.get("witness", "")),
                                     now=SYSTEM.now(), where=where())
    return {"tombstones": [tombstone_json(t) for t in done.tombstones],
            "originals_removed": len(done.originals_removed)}


@bp.get("/destruction/batches/<int:batch_id>/register.<fmt>")
def register(batch_id: int, fmt: str) -> Any:
    """The 销毁清册 as XLSX or PDF."""
    _staff()
    if fmt not in ("xlsx", "pdf"):
        abort(404)
    with lantai().catalog.session() as session:
        data = destruction_register(session, batch_id)
    body = register_xlsx(data) if fmt == "xlsx" else register_pdf(data)
    return send_file(io.BytesIO(body), download_name=f"register-{batch_id}.{fmt}", as_attachment=True)


@bp.get("/tombstones")
def tombstones() -> Any:
    """What the catalog keeps of destroyed records."""
    _staff()
    with lantai().catalog.session() as session:
        return {"tombstones": [tombstone_json(t) for t in destruction.tombstones(session)]}


@bp.get("/holds")
def holds_in_force() -> Any:
    """The legal holds in force."""
    _staff()
    with lantai().catalog.session() as session:
        return {"holds": [hold_json(h) for h in holds.active_holds(session)]}


@bp.post("/holds")
def hold() -> Any:
    """Set (``{"record": id, "reason"}``) or release (``"release": true``) a legal hold; administrators."""
    user = current_user()
    if user is None or user.role != Role.ADMIN:
        abort(403)
    body = _body()
    record_id = body.get("record")
    if not isinstance(record_id, int):
        raise InputError("record must be a record id", "record 须为档案编号")
    with lantai().catalog.session() as session:
        if body.get("release"):
            found = holds.release_hold(session, record_id, str(body.get("reason", "")), actor=current_actor(),
                                       now=SYSTEM.now(), where=where())
        else:
            found = holds.set_hold(session, record_id, str(body.get("reason", "")), actor=current_actor(),
                                   now=SYSTEM.now(), where=where())
        return hold_json(found)
