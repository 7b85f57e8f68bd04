"""Appending audit events to the hash chain, in the caller's transaction.

Each event stores the SHA-256 of its canonical form (JSON with sorted keys, UTF-8, a fixed
UTC time format) and the hash of the event before it. Appends lock the chain-head row, so
they are serialised across processes and sequence numbers stay gapless: a rolled-back
transaction rolls back its event and the head together.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Table, insert, update
from sqlalchemy.orm import Session

from archive.catalog.audit import AuditChainHead, AuditEvent
from archive.vocabulary import Outcome
from config.errors import ExitCode, LantaiError

EVENTS = cast(Table, AuditEvent.__table__)
HEAD = cast(Table, AuditChainHead.__table__)

# The fields of an event's canonical form, in sorted order (the canonical JSON sorts its keys).
CANONICAL_FIELDS = (
    "action", "actor_id", "actor_name", "actor_role", "details", "ip", "object_id", "object_type",
    "occurred_at", "outcome", "prev_hash", "purpose", "record_id", "reference_code", "request_id",
    "seq", "user_agent",
)
_INTEGER_FIELDS = frozenset({"actor_id", "record_id", "seq"})
# The canonical JSON written out field by field: the same bytes as
# json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":")), several times
# faster, which is what lets verify walk a million events in seconds (a test holds them equal).
CANONICAL_TEMPLATE = "{" + ",".join(f'"{name}":%s' for name in CANONICAL_FIELDS) + "}"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
_TIME_INDEX = CANONICAL_FIELDS.index("occurred_at")
encode_string: Callable[[str], str] = json.encoder.encode_basestring

# Column widths: longer values are cut so PostgreSQL never refuses an event over its length.
_WIDTHS = {
    "action": 32, "actor_role": 32, "object_type": 32, "object_id": 128,
    "reference_code": 128, "outcome": 16, "ip": 64, "request_id": 64,
}

WriteHook = Callable[[Mapping[str, Any]], None]
_write_hooks: list[WriteHook] = []


class AuditWriteError(LantaiError):
    """The audit event could not be written, so the action it records is refused."""

    code = "audit_unavailable"
    exit_code = ExitCode.TEMPORARY
    http_status = 503
    default_zh = "审计日志暂时无法写入，为保证可追溯，本次操作已被拒绝，请稍后再试"
    default_en = "The audit log cannot be written right now, so this action was refused; please try again later"


def add_write_hook(hook: WriteHook) -> None:
    """Call ``hook(fields)`` before every append, in the append's transaction.

    For forwarding events to an outside log; a hook that raises refuses the event (and so the
    action), which is also how tests inject a failing writer.
    """
    _write_hooks.append(hook)


def remove_write_hook(hook: WriteHook) -> None:
    """Stop calling a hook added by ``add_write_hook``."""
    if hook in _write_hooks:
        _write_hooks.remove(hook)


def format_time(value: dt.datetime | str) -> str:
    """The canonical UTC time text (``TIME_FORMAT``); naive times (as SQLite returns them) are UTC."""
    if isinstance(value, str):  # SQLite's stored text, "YYYY-MM-DD HH:MM:SS.ffffff"
        if len(value) == 26 and value[10] == " ":
            return value[:10] + "T" + value[11:] + "Z"
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.isoformat(timespec="microseconds") + "Z"


def details_text(details: Mapping[str, Any] | None) -> str:
    """The canonical JSON text of an event's details (ASCII-escaped, so every character survives)."""
    return json.dumps(dict(details or {}), sort_keys=True, ensure_ascii=True, separators=(",", ":"), default=str)


def canonical_text(values: Sequence[Any]) -> str:
    """Canonical JSON of an event given its values in ``CANONICAL_FIELDS`` order (time already formatted)."""
    return CANONICAL_TEMPLATE % tuple(
        "null" if v is None else str(v) if type(v) is int else encode_string(v) for v in values
    )


def canonical_bytes(fields: Mapping[str, Any]) -> bytes:
    """The canonical form of an event: its fields as sorted, compact JSON in UTF-8."""
    values = [fields[name] for name in CANONICAL_FIELDS]
    values[_TIME_INDEX] = format_time(values[_TIME_INDEX])
    for i, name in enumerate(CANONICAL_FIELDS):
        if name in _INTEGER_FIELDS and values[i] is not None:
            values[i] = int(values[i])
    return canonical_text(values).encode("utf-8")


def event_hash(fields: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of an event's canonical form."""
    return hashlib.sha256(canonical_bytes(fields)).hexdigest()


def _text(value: Any, name: str) -> str | None:
    """A storable text: NUL (which PostgreSQL text cannot hold) shown as U+2400, cut to width."""
    if value is None:
        return None
    text = str(value).replace("\x00", "\u2400")
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates
    width = _WIDTHS.get(name)
    return text[:width] if width else text


def record_event(
    session: Session,
    *,
    action: str,
    actor_id: int | None = None,
    actor_name: str | None = None,
    actor_role: str | None = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    record_id: int | None = None,
    reference_code: str | None = None,
    outcome: str = Outcome.ALLOWED,
    ip: str | None = None,
    user_agent: str | None = None,
    request_id: str | None = None,
    purpose: str | None = None,
    details: Mapping[str, Any] | None = None,
    occurred_at: dt.datetime | None = None,
) -> AuditEvent:
    """Append one event in ``session``'s transaction; raise ``AuditWriteError`` if it cannot be.

    ``record_id`` names the record concerned (for a page view or a download too), so that
    "who accessed this record" is one indexed query; it defaults to ``object_id`` when
    ``object_type`` is ``"record"``. Call it as late as possible in the transaction: the
    chain head stays locked until the transaction ends.
    """
    try:  # building the fields can fail too (details that are not JSON): that also refuses
        if record_id is None and object_type == "record" and object_id is not None:
            record_id = int(object_id)
        fields: dict[str, Any] = {
            "occurred_at": (occurred_at or dt.datetime.now(dt.UTC)).astimezone(dt.UTC),
            "action": _text(str(action), "action"),
            "actor_id": actor_id,
            "actor_name": _text(actor_name, "actor_name"),
            "actor_role": _text(actor_role, "actor_role"),
            "object_type": _text(object_type, "object_type"),
            "object_id": _text(object_id, "object_id"),
            "record_id": record_id,
            "reference_code": _text(reference_code, "reference_code"),
            "outcome": _text(str(outcome), "outcome"),
            "ip": _text(ip, "ip"),
            "user_agent": _text(user_agent, "user_agent"),
            "request_id": _text(request_id, "request_id"),
            "purpose": _text(purpose, "purpose"),
            "details": details_text(details),
        }
        for hook in list(_write_hooks):
            hook(fields)
        # Taking the head row first is a write: it locks the row on PostgreSQL and takes the
        # database's write lock on SQLite before anything about the chain is read.
        head = session.execute(
            update(HEAD).where(HEAD.c.id == 1).values(seq=HEAD.c.seq + 1).returning(HEAD.c.seq, HEAD.c.hash)
        ).one_or_none()
        if head is None:
            raise AuditWriteError(
                "The audit chain head is missing; run the catalog migrations",
                "审计链头记录缺失，请执行数据库迁移",
            )
        fields["seq"], fields["prev_hash"] = head.seq, head.hash
        fields["hash"] = event_hash(fields)
        move_head = update(HEAD).where(HEAD.c.id == 1).values(hash=fields["hash"])
        if session.get_bind().dialect.name == "postgresql":
            # One round trip for the insert and the head: a data-modifying CTE.
            added = insert(EVENTS).values(**fields).returning(EVENTS.c.seq).cte("added")
            session.execute(move_head.add_cte(added))
        else:
            session.execute(insert(EVENTS).values(**fields))
            session.execute(move_head)
    except AuditWriteError:
        raise
    except Exception as exc:  # any failure at all refuses the action: the audit fails closed
        raise AuditWriteError(cause=repr(exc)) from exc
    return AuditEvent(**fields)
