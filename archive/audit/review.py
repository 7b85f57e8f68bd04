"""Reading the audit log for review: filters, pages of events, and the figures behind the charts.

Every filter maps onto an index of ``audit_events`` (actor, record, action, time, IP, each
with ``seq``), so a filtered page over millions of events reads only the rows it shows.
Pages go by sequence number (newest first, ``before``), which stays fast at any depth.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from sqlalchemy import Date, Select, cast, func, or_, select
from sqlalchemy.orm import Session

from archive.catalog.accounts import User
from archive.catalog.audit import AuditEvent
from archive.catalog.models import Record, is_catalog_id
from archive.vocabulary import AuditAction

# Any Select over audit_events (SQLAlchemy 2.1 types a Select by its columns' types).
SelectT = TypeVar("SelectT", bound=Select[*tuple[Any, ...]])
PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


@dataclass(frozen=True)
class AuditFilter:
    """What the reviewer asked for; empty fields do not filter."""

    user: str = ""  # user id or username (or a name tried at login)
    record: str = ""  # record id or 档号
    action: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None  # inclusive
    ip: str = ""
    outcome: str = ""
    before: int | None = None  # show events with seq below this (the next page)
    limit: int = PAGE_SIZE

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> AuditFilter:
        """Read the filter from query-string arguments; unusable values are ignored."""

        def date(name: str) -> dt.date | None:
            try:
                return dt.date.fromisoformat(args.get(name, "").strip())
            except ValueError:
                return None

        def number(name: str) -> int | None:
            raw = args.get(name, "").strip()
            return int(raw) if _is_id(raw) else None

        action = args.get("action", "").strip()
        return cls(
            user=args.get("user", "").strip()[:128],
            record=args.get("record", "").strip()[:128],
            action=action if action in {a.value for a in AuditAction} else "",
            date_from=date("from"),
            date_to=date("to"),
            ip=args.get("ip", "").strip()[:64],
            outcome=args.get("outcome", "").strip() if args.get("outcome") in ("allowed", "denied") else "",
            before=number("before"),
            limit=min(number("limit") or PAGE_SIZE, MAX_PAGE_SIZE),
        )

    def query_args(self, **changes: Any) -> dict[str, str]:
        """The filter as query-string arguments (for links to other pages and exports)."""
        me = replace(self, **changes)
        args = {"user": me.user, "record": me.record, "action": me.action, "ip": me.ip, "outcome": me.outcome,
                "from": me.date_from.isoformat() if me.date_from else "",
                "to": me.date_to.isoformat() if me.date_to else "",
                "before": str(me.before) if me.before else ""}
        return {k: v for k, v in args.items() if v}


@dataclass
class EventPage:
    """One page of events (newest first) and where the next one starts."""

    events: list[AuditEvent]
    titles: dict[int, str] = field(default_factory=dict)  # record id -> 题名
    next_before: int | None = None


def _is_id(text: str) -> bool:
    """Whether a filter value names a row by id (a huge number is a name or 档号 that matches none)."""
    return text.isascii() and text.isdigit() and is_catalog_id(int(text))


def _user_condition(session: Session, user: str) -> Any:
    if _is_id(user):
        return AuditEvent.actor_id == int(user)
    user_id = session.scalar(select(User.id).where(User.username == user))
    if user_id is not None:
        return AuditEvent.actor_id == user_id
    return AuditEvent.actor_name == user  # e.g. a name tried at a failed login


def _record_condition(session: Session, record: str) -> Any:
    if _is_id(record):
        return AuditEvent.record_id == int(record)
    record_id = session.scalar(select(Record.id).where(Record.reference_code == record))
    if record_id is not None:
        return or_(AuditEvent.record_id == record_id, AuditEvent.reference_code == record)
    return AuditEvent.reference_code == record


def _utc_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def apply_filter(session: Session, stmt: SelectT, filt: AuditFilter) -> SelectT:
    """Add the filter's conditions (not ``before`` or the limit) to a statement on events."""
    if filt.user:
        stmt = stmt.where(_user_condition(session, filt.user))
    if filt.record:
        stmt = stmt.where(_record_condition(session, filt.record))
    if filt.action:
        stmt = stmt.where(AuditEvent.action == filt.action)
    if filt.date_from:
        stmt = stmt.where(AuditEvent.occurred_at >= _utc_midnight(filt.date_from))
    if filt.date_to:
        stmt = stmt.where(AuditEvent.occurred_at < _utc_midnight(filt.date_to + dt.timedelta(days=1)))
    if filt.ip:
        stmt = stmt.where(AuditEvent.ip == filt.ip)
    if filt.outcome:
        stmt = stmt.where(AuditEvent.outcome == filt.outcome)
    return stmt


def record_titles(session: Session, record_ids: set[int]) -> dict[int, str]:
    """题名 of the given records (current titles; deleted records are simply absent)."""
    if not record_ids:
        return {}
    rows = session.execute(select(Record.id, Record.title).where(Record.id.in_(record_ids)))
    return {row.id: row.title or "" for row in rows}


def find_events(session: Session, filt: AuditFilter) -> EventPage:
    """One page of events matching ``filt``, newest first."""
    stmt = apply_filter(session, select(AuditEvent), filt)
    if filt.before:
        stmt = stmt.where(AuditEvent.seq < filt.before)
    events = list(session.scalars(stmt.order_by(AuditEvent.seq.desc()).limit(filt.limit + 1)))
    next_before = None
    if len(events) > filt.limit:
        events = events[: filt.limit]
        next_before = events[-1].seq
    titles = record_titles(session, {e.record_id for e in events if e.record_id is not None})
    return EventPage(events, titles, next_before)


def iter_events(session: Session, filt: AuditFilter, *, batch: int = 5000) -> Iterator[AuditEvent]:
    """Every event matching ``filt``, oldest first, read in batches (for exports)."""
    after = 0
    while True:
        stmt = apply_filter(session, select(AuditEvent), filt).where(AuditEvent.seq > after)
        rows = list(session.scalars(stmt.order_by(AuditEvent.seq).limit(batch)))
        if not rows:
            return
        yield from rows
        after = rows[-1].seq
        session.expunge_all()  # keep memory bounded on long exports


def details_of(event: AuditEvent) -> dict[str, Any]:
    """An event's details as a dict."""
    try:
        value = json.loads(event.details or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


# Charts ---------------------------------------------------------------------------


def _day(session: Session) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone("UTC", AuditEvent.occurred_at), Date)
    return func.substr(AuditEvent.occurred_at, 1, 10)


def chart_window(filt: AuditFilter, today: dt.date | None = None) -> AuditFilter:
    """The filter the charts use: the reviewer's, 30 days up to today (or ``date_to``) unless dates are given."""
    end = filt.date_to or today or dt.datetime.now(dt.UTC).date()
    start = filt.date_from or end - dt.timedelta(days=29)
    return replace(filt, before=None, date_from=start, date_to=max(end, start))


def events_per_day(session: Session, filt: AuditFilter) -> list[tuple[str, str, int]]:
    """(day, action, count) rows for the chart of events per day by action."""
    day = _day(session).label("day")
    stmt = apply_filter(session, select(day, AuditEvent.action, func.count()), filt)
    rows = session.execute(stmt.group_by(day, AuditEvent.action).order_by(day))
    return [(str(r[0]), r[1], r[2]) for r in rows]


def most_viewed(session: Session, filt: AuditFilter, limit: int = 10) -> list[tuple[int, str, int]]:
    """(record id, label, views) of the most viewed records."""
    filt = replace(filt, action=AuditAction.RECORD_VIEW)
    count = func.count().label("n")
    stmt = apply_filter(session, select(AuditEvent.record_id, count), filt).where(AuditEvent.record_id.is_not(None))
    rows = session.execute(stmt.group_by(AuditEvent.record_id).order_by(count.desc()).limit(limit)).all()
    labels = dict(session.execute(
        select(Record.id, func.coalesce(Record.reference_code, Record.title)).where(Record.id.in_([r[0] for r in rows]))
    ).all())
    return [(int(r[0]), labels.get(r[0]) or f"#{r[0]}", int(r[1])) for r in rows if r[0] is not None]


def downloads_by_department(session: Session, filt: AuditFilter) -> list[tuple[str, int]]:
    """(department, downloads): the records' department now; records deleted since count as unknown."""
    filt = replace(filt, action=AuditAction.DOWNLOAD)
    department = func.coalesce(Record.department, Record.department_code, "").label("department")
    count = func.count().label("n")
    stmt = apply_filter(session, select(department, count).select_from(AuditEvent), filt)
    stmt = stmt.outerjoin(Record, Record.id == AuditEvent.record_id)
    rows = session.execute(stmt.group_by(department).order_by(count.desc()).limit(12))
    return [(r[0], r[1]) for r in rows]


def who_accessed(session: Session, record_id: int, limit: int = 20) -> EventPage:
    """The latest events about one record: what the record page shows administrators."""
    return find_events(session, AuditFilter(record=str(record_id), limit=limit))
