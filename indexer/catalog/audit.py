"""Audit models: the append-only, hash-chained log of who searched, viewed and downloaded what.

``audit_events`` is written by ``portal.audit.chain.record_event`` only, in the transaction of
the action it records; database triggers refuse UPDATE and DELETE. ``audit_chain_head`` is a
single row holding the newest sequence number and hash: appending locks it, which serialises
appends across processes, and verify checks that the chain really ends there.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import BigInteger, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from indexer.catalog.models import Base

# prev_hash of the first event: 64 zeros (no event before it).
GENESIS_HASH = "0" * 64


class AuditAction(enum.StrEnum):
    """What an audit event records; the value is stored and shown in exports."""

    LOGIN = "login"
    LOGOUT = "logout"
    LOGIN_FAILED = "login_failed"
    SEARCH = "search"  # details: query, filters, hits
    RECORD_VIEW = "record_view"
    PAGE_VIEW = "page_view"  # details: page number
    DOWNLOAD = "download"  # details: file (name, sha256), form: original / text / stamped
    EXPORT = "export"  # details: what was exported, how many rows, format
    ACCESS_REQUEST = "access_request"
    ACCESS_APPROVE = "access_approve"
    ACCESS_DENY = "access_deny"
    ACCESS_EXPIRE = "access_expire"
    USER_CREATE = "user_create"
    USER_UPDATE = "user_update"
    USER_DISABLE = "user_disable"
    USER_ENABLE = "user_enable"
    USER_DELETE = "user_delete"
    ROLE_CHANGE = "role_change"  # details: old role, new role
    PERMISSION_CHANGE = "permission_change"
    PASSWORD_CHANGE = "password_change"  # noqa: S105
    PASSWORD_RESET = "password_reset"  # noqa: S105 - an administrator set someone's password
    TOKEN_CREATE = "token_create"  # noqa: S105
    TOKEN_DELETE = "token_delete"  # noqa: S105
    METADATA_EDIT = "metadata_edit"  # details: changed fields, old and new values
    DELETE = "delete"
    SETTINGS_CHANGE = "settings_change"
    AUDIT_EXPORT = "audit_export"  # an administrator exported (a part of) the audit log
    AUDIT_CHECKPOINT = "audit_checkpoint"
    NOTICE_FAILED = "notice_failed"  # an e-mail notice could not be sent


class Outcome(enum.StrEnum):
    """Whether the recorded action was carried out."""

    ALLOWED = "allowed"
    DENIED = "denied"


class DownloadForm(enum.StrEnum):
    """Which form of a record a download delivered (``details["form"]``)."""

    ORIGINAL = "original"
    TEXT = "text"
    STAMPED = "stamped"
    PRESERVATION = "preservation_copy"  # the PDF/A-2b with page images and text (双层 PDF)


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
