"""The request side of auditing: who is asking, from where, and the fail-closed helpers.

``audit_or_refuse(session, action, ...)`` appends an event in the view's own transaction
and raises ``AuditWriteError`` (HTTP 503, both languages) when it cannot; ``audited(...)``
wraps a read-only view and records its event before the response leaves.
"""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from flask import Request, current_app, g, has_request_context, request
from sqlalchemy.orm import Session

from archive.audit import service as audit
from archive.audit.service import Actor, Target, Where
from archive.catalog.audit import AuditEvent
from archive.catalog.models import Record
from archive.vocabulary import Outcome
from config.errors import LantaiError

F = TypeVar("F", bound=Callable[..., Any])
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_UNSET: Any = object()


def client_ip(req: Request | None = None, trusted_proxies: int | None = None) -> str | None:
    """The client's address, honouring ``settings.trusted_proxies`` for ``X-Forwarded-For``.

    With N trusted proxies the client is the N-th address from the right (the one the
    outermost trusted proxy saw); anything further left was written by the client and is not
    believed. When the app already applied ``ProxyFix``, ``remote_addr`` is that address.
    """
    req = req or request
    if "werkzeug.proxy_fix.orig" in req.environ:
        return req.remote_addr
    if trusted_proxies is None:
        trusted_proxies = current_app.extensions["lantai"].settings.trusted_proxies
    if trusted_proxies:
        forwarded = [part.strip() for part in req.headers.get("X-Forwarded-For", "").split(",") if part.strip()]
        if len(forwarded) >= trusted_proxies:
            return forwarded[-trusted_proxies]
    return req.remote_addr


def request_id() -> str:
    """This request's id: ``g.request_id``, else a well-formed ``X-Request-ID``, else a new one."""
    existing = g.get("request_id")
    if existing:
        return str(existing)
    given = request.headers.get("X-Request-ID", "")
    value = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
    g.request_id = value
    return value


def current_actor() -> Actor:
    """The signed-in user (``g.user``) or an anonymous actor."""
    return Actor.of(g.get("user") if has_request_context() else None)


def where() -> Where:
    """This request's address, user agent and id, as its audit events record them."""
    return Where(client_ip(), request.headers.get("User-Agent"), request_id())


def audit_or_refuse(
    session: Session,
    action: str,
    *,
    record: Record | None = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    record_id: int | None = None,
    reference_code: str | None = None,
    outcome: str = Outcome.ALLOWED,
    purpose: str | None = None,
    details: Mapping[str, Any] | None = None,
    actor: Actor | None = None,
) -> AuditEvent:
    """Record ``action`` of the current request in ``session``'s transaction, or refuse it.

    Raises ``AuditWriteError`` (503) when the event cannot be written; let it propagate out
    of ``catalog.session()`` so the view's own changes roll back with it.
    """
    if record is not None:
        record_id = record.id if record_id is None else record_id
        reference_code = reference_code or record.reference_code
        if object_type is None:
            object_type, object_id = "record", record.id
    if record_id is None and object_type == "record" and object_id is not None:
        record_id = int(object_id)
    target = Target(object_type, object_id, record_id, reference_code)
    return audit.record(
        session, action, actor or current_actor(), target, details, outcome=outcome, purpose=purpose, where=where()
    )


def note(**details: Any) -> None:
    """Add details (hits, page number, file, form, purpose) to the event ``audited`` will write."""
    g.setdefault("audit_details", {}).update(details)


def audited(action: str, *, object_type: str = "record", id_arg: str | None = "record_id") -> Callable[[F], F]:
    """Decorate a read-only view so its event is written before its response is returned.

    The record is the view argument ``id_arg``; the outcome is ``denied`` for a 401/403
    response (or a raised 401/403 ``HTTPException`` or ``LantaiError``) and ``allowed`` for
    any other non-error; 404s and server errors leave no event
    (the object is unknown). Details come from ``note(...)`` calls inside the view;
    ``note(purpose=..., record_id=..., reference_code=...)`` set those fields. If the event
    cannot be written the response is dropped and a 503 is returned instead.
    """

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            from werkzeug.exceptions import Forbidden, Unauthorized

            try:
                response = current_app.make_response(view(*args, **kwargs))
            except (Forbidden, Unauthorized, LantaiError) as exc:
                status = exc.http_status if isinstance(exc, LantaiError) else exc.code
                if status in (401, 403):  # a refusal is recorded too, then shown as before
                    _write(action, object_type, kwargs.get(id_arg) if id_arg else None, Outcome.DENIED)
                raise
            status = response.status_code
            if status in (401, 403) or status < 400:
                outcome = Outcome.DENIED if status in (401, 403) else Outcome.ALLOWED
                _write(action, object_type, kwargs.get(id_arg) if id_arg else None, outcome)
            return response

        return wrapper  # type: ignore[return-value]

    return decorate


def _write(action: str, object_type: str, object_id: Any, outcome: str) -> None:
    details = dict(g.pop("audit_details", {}) or {})
    purpose = details.pop("purpose", None)
    record_id = details.pop("record_id", None)
    reference_code = details.pop("reference_code", None)
    if object_type == "record" and object_id is not None:
        record_id = int(object_id)
    catalog = current_app.extensions["lantai"].catalog
    with catalog.session() as session:
        record = session.get(Record, record_id) if record_id is not None else None
        audit_or_refuse(
            session, action, record=record, object_type=object_type, object_id=object_id,
            record_id=record_id, reference_code=reference_code, outcome=outcome, purpose=purpose,
            details=details,
        )
