"""Access requests (利用申请) in the API: researchers list and create, archivists approve or deny.

The rules (who may ask, how long, what a decision does) live in portal-core's request
service (``archive.access_requests``); these routes translate JSON to its calls and emit
the same audit events as the portal's request pages.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import request

from archive import access_requests as service
from archive.catalog.accounts import AccessRequest
from archive.catalog.models import utcnow
from config.errors import InputError, NotFoundError
from portal.api.views import bp
from portal.audit.web import where
from portal.records import guard


class RequestFieldError(InputError):
    """A field of an access-request call is missing or unusable."""

    code = "bad_request_field"


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if isinstance(data, dict):
        return data
    return dict(request.form.items())


def _int_field(data: dict[str, Any], name: str, default: int | None = None) -> int:
    raw = data.get(name, default)
    try:
        return int(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise RequestFieldError(f"{name} must be a whole number", f"{name} 必须是整数") from None


def request_json(item: Any) -> dict[str, Any]:
    """An access request as JSON."""
    return {
        "id": item.id,
        "record_id": item.record_id,
        "user": item.user.username if item.user else None,
        "purpose": item.purpose,
        "days_requested": item.days_requested,
        "status": item.status,
        "created_at": item.created_at.isoformat() if item.created_at else None,
        "decided_at": item.decided_at.isoformat() if item.decided_at else None,
        "reason": item.reason,
        "expires_at": item.expires_at.isoformat() if item.expires_at else None,
    }


def _signed_in() -> Any:
    user = guard.current_user()
    if user is None:
        raise guard.SignInRequired()
    return user


def _load(session: Any, request_id: int) -> AccessRequest:
    item = session.get(AccessRequest, request_id)
    if item is None:
        raise NotFoundError(f"Access request {request_id} not found", f"未找到利用申请 {request_id}")
    return item


@bp.get("/access-requests")
def access_requests() -> dict[str, Any]:
    """A researcher's own requests; for staff the queue (pending first), ``?status=`` to narrow."""
    user = _signed_in()
    wanted = request.args.get("status")
    with guard.lantai().catalog.session() as session:
        items = service.queue(session) if user.is_staff else service.mine(session, user)
        return {"requests": [request_json(i) for i in items if not wanted or i.status == wanted]}


@bp.post("/access-requests")
def create_access_request() -> tuple[dict[str, Any], int]:
    """A researcher asks for a restricted record: ``record_id``, ``purpose``, ``days``."""
    user = _signed_in()
    data = _body()
    record_id = _int_field(data, "record_id")
    purpose = str(data.get("purpose", ""))
    days = _int_field(data, "days", 30)
    with guard.lantai().catalog.session() as session:
        record = guard.visible_record(session, record_id)
        item = service.ask(session, user, record, purpose, days, where=where())
        body = request_json(item)
    return {"request": body}, 201


def _decided(item: AccessRequest) -> dict[str, Any]:
    return {"request": request_json(item)}


@bp.post("/access-requests/<int:request_id>/approve")
def approve_access_request(request_id: int) -> dict[str, Any]:
    """An archivist approves, with ``days`` until the grant expires (and an optional ``note``)."""
    user = guard.require_staff()
    data = _body()
    days = _int_field(data, "days", 30)
    if not 1 <= days <= service.MAX_DAYS:
        raise RequestFieldError(f"days must be 1 to {service.MAX_DAYS}", f"days 须为 1 至 {service.MAX_DAYS}")
    with guard.lantai().catalog.session() as session:
        item = _load(session, request_id)
        service.approve(
            session, item, user, utcnow() + dt.timedelta(days=days), str(data.get("note", "")), where=where()
        )
        session.refresh(item)
        return _decided(item)


@bp.post("/access-requests/<int:request_id>/deny")
def deny_access_request(request_id: int) -> dict[str, Any]:
    """An archivist denies, with a ``reason`` the researcher will see."""
    user = guard.require_staff()
    data = _body()
    with guard.lantai().catalog.session() as session:
        item = _load(session, request_id)
        service.deny(session, item, user, str(data.get("reason", "")), where=where())
        return _decided(item)
