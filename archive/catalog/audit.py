"""Audit models: the append-only, hash-chained log of who searched, viewed and downloaded what.

``audit_events`` is written by ``archive.audit.chain.record_event`` only, in the transaction of
the action it records; database triggers refuse UPDATE and DELETE. ``audit_chain_head`` is a
single row holding the newest sequence number and hash: appending locks it, which serialises
appends across processes, and verify checks that the chain really ends there.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from archive.catalog.models import Base

# prev_hash of the first event: 64 zeros (no event before it).
GENESIS_HASH = "0" * 64


class AuditEvent(Base):
    """One audit event; ``hash`` is the SHA-256 of its canonical form, which includes ``prev_hash``."""

    __tablename__ = "audit_events"

    # Gapless, assigned under the chain-head lock; never an autoincrement (a rolled-back
    # insert must not leave a hole that verify would report as a deletion).
    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    action: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(Integer)  # no foreign key: users may go, events stay
    actor_name: Mapped[str | None] = mapped_column(Text)
    actor_role: Mapped[str | None] = mapped_column(String(32))  # None: anonymous
    object_type: Mapped[str | None] = mapped_column(String(32))  # record, page, file, user, setting, ...
    object_id: Mapped[str | None] = mapped_column(String(128))
    record_id: Mapped[int | None] = mapped_column(Integer)  # the record concerned (also for page views, downloads)
    reference_code: Mapped[str | None] = mapped_column(String(128))  # 档号 at the time of the event
    outcome: Mapped[str] = mapped_column(String(16))
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(Text)
    request_id: Mapped[str | None] = mapped_column(String(64))
    purpose: Mapped[str | None] = mapped_column(Text)  # 利用目的
    # Canonical JSON text of the details (sorted keys): stored as text so it is hashed exactly
    # as written and so that every character (NUL included) survives on PostgreSQL too.
    details: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_audit_events_actor", "actor_id", "seq"),
        Index("ix_audit_events_record", "record_id", "seq"),
        Index("ix_audit_events_action", "action", "seq"),
        Index("ix_audit_events_time", "occurred_at"),
        Index("ix_audit_events_ip", "ip", "seq"),
    )


class AuditChainHead(Base):
    """The single row (id 1) naming the newest event; locked by every append."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), default=0)
    hash: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH)
