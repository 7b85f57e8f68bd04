"""Slowing down password guessing without handing anyone a way to lock an owner out.

Failed logins are kept (``LoginFailure``: address, name, time) for ``login_lockout_minutes``.
Two counts are throttled, each with a backoff: a name tried from one address (after
``login_max_failures`` failures the next attempt must wait 15 s, doubling with each further
failure, at most ``login_lockout_minutes``), and one address across all names (the same, after
``IP_FAILURE_FACTOR`` times as many failures: a school behind one NAT address has many people).

Nothing is counted per account alone: five bad passwords from an attacker's address slow that
address down and leave the owner, at their own address, free to log in. The counts do not ask
whether the name exists, so a throttled unknown name looks exactly like a throttled account.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from archive.catalog.accounts import LoginFailure, as_utc
from config.settings import Settings

# An address may fail this many times the per-name limit (several people behind one NAT).
IP_FAILURE_FACTOR = 4
BACKOFF_SECONDS = 15  # the first wait; each further failure doubles it
FIELD_LENGTH = 64  # LoginFailure.ip and .username


def login_name(username: str) -> str:
    """The name as it is looked up and counted."""
    return username.strip()[:FIELD_LENGTH]


def backoff(failures: int, allowed: int, cap: dt.timedelta) -> dt.timedelta:
    """How long after the latest failure the next attempt must wait: nothing below ``allowed``
    failures, then ``BACKOFF_SECONDS`` doubling with each further one, at most ``cap``."""
    if failures < allowed:
        return dt.timedelta(0)
    return min(cap, dt.timedelta(seconds=BACKOFF_SECONDS * 2 ** min(failures - allowed, 32)))


def throttled(db: Session, username: str, ip: str, settings: Settings, now: dt.datetime) -> bool:
    """Whether an attempt for ``username`` from ``ip`` must wait (either count in its backoff)."""
    window = dt.timedelta(minutes=settings.login_lockout_minutes)
    recent = (LoginFailure.ip == ip[:FIELD_LENGTH], LoginFailure.at > now - window)
    counts = select(func.count(LoginFailure.id), func.max(LoginFailure.at))
    pair = db.execute(counts.where(*recent, LoginFailure.username == login_name(username))).one()
    address = db.execute(counts.where(*recent)).one()
    limits = ((pair, settings.login_max_failures), (address, settings.login_max_failures * IP_FAILURE_FACTOR))
    for (count, latest), allowed in limits:
        if latest is not None and now < as_utc(latest) + backoff(count or 0, allowed, window):  # type: ignore[operator]
            return True
    return False


def record_failure(db: Session, username: str, ip: str, now: dt.datetime) -> None:
    """Count a failed attempt (unknown names too, so both throttle alike)."""
    db.add(LoginFailure(ip=ip[:FIELD_LENGTH], username=login_name(username), at=now))


def forget(db: Session, username: str, ip: str | None = None) -> None:
    """Clear a name's failures: from ``ip`` after a good login, from everywhere on an
    administrator's reset (new password, account enabled)."""
    clause = LoginFailure.username == login_name(username)
    if ip is not None:
        clause = clause & (LoginFailure.ip == ip[:FIELD_LENGTH])
    db.execute(delete(LoginFailure).where(clause))


def prune(db: Session, settings: Settings, now: dt.datetime) -> None:
    """Drop failures older than the window (they no longer count)."""
    expired = LoginFailure.at <= now - dt.timedelta(minutes=settings.login_lockout_minutes)
    db.execute(delete(LoginFailure).where(expired))
