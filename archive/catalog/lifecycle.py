"""Catalog models of appraisal, opening and disposal (鉴定、开放审核、销毁): opening proposals,
appraisals, destruction batches, the tombstones destroyed records leave, and legal holds.

The workflow lives in the ``lifecycle`` package. None of these rows has a foreign key that a
destruction would cascade into the audit trail: ``record_id`` of an appraisal or a tombstone is
kept as a plain number once the record is gone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from archive.catalog.models import Base, JSONType, utcnow
from archive.vocabulary import ReviewStatus


class OpeningProposal(Base):
    """An archivist's proposal (开放审核) for one record: open, keep controlled or defer.

    The originating department's clerk and an administrator sign it; when both have, the decision
    takes effect (``status`` approved). A deferred record returns to the due list on ``revisit_on``.
    """

    __tablename__ = "opening_proposals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(Integer)
    decision: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    defer_years: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=ReviewStatus.PROPOSED)
    proposed_by: Mapped[str] = mapped_column(String(128))
    proposed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    department_signed_by: Mapped[str | None] = mapped_column(String(128))
    department_signed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    admin_signed_by: Mapped[str | None] = mapped_column(String(128))
    admin_signed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revisit_on: Mapped[dt.date | None] = mapped_column(Date)

    __table_args__ = (Index("ix_opening_proposals_record", "record_id"),)


class DestructionBatch(Base):
    """Records proposed for destruction together; two people other than the proposer approve."""

    __tablename__ = "destruction_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=ReviewStatus.PROPOSED)
    proposed_by: Mapped[str] = mapped_column(String(128))
    proposed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    approvals: Mapped[list[Any]] = mapped_column(JSONType, default=list)  # [{"by": name, "at": iso}]
    witness: Mapped[str | None] = mapped_column(String(128))  # 监销人
    executed_by: Mapped[str | None] = mapped_column(String(128))
    executed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class Appraisal(Base):
    """One appraisal (鉴定) of a record whose retention expired: extend, or propose destruction.

    ``revision`` is the record's revision when appraised: a record changed since cannot be destroyed
    on this appraisal.
    """

    __tablename__ = "appraisals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(Integer)
    decision: Mapped[str] = mapped_column(String(16))
    retention: Mapped[str | None] = mapped_column(String(8))  # the new period of an extension
    next_due_year: Mapped[int | None] = mapped_column(Integer)  # an extension's next appraisal
    reason: Mapped[str] = mapped_column(Text)
    revision: Mapped[int] = mapped_column(Integer)
    appraised_by: Mapped[str] = mapped_column(String(128))
    appraised_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("destruction_batches.id", ondelete="SET NULL"))

    __table_args__ = (Index("ix_appraisals_record", "record_id"),)


class Tombstone(Base):
    """What the catalog keeps of a destroyed record (逻辑删除后的存根)."""

    __tablename__ = "tombstones"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(Integer, unique=True)
    reference_code: Mapped[str | None] = mapped_column(String(128))
    title: Mapped[str | None] = mapped_column(Text)
    fonds_code: Mapped[str | None] = mapped_column(String(32))
    department_code: Mapped[str | None] = mapped_column(String(32))
    year: Mapped[int | None] = mapped_column(Integer)
    retention: Mapped[str | None] = mapped_column(String(8))
    date: Mapped[dt.date | None] = mapped_column(Date)
    page_count: Mapped[int] = mapped_column(Integer, default=0)
    opinion: Mapped[str | None] = mapped_column(Text)  # 鉴定意见
    files: Mapped[list[Any]] = mapped_column(JSONType, default=list)  # [{"sha256", "filename", "size"}]
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("destruction_batches.id", ondelete="SET NULL"))
    approved_by: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    destroyed_by: Mapped[str] = mapped_column(String(128))
    witness: Mapped[str | None] = mapped_column(String(128))
    destroyed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class LegalHold(Base):
    """A legal hold (法律冻结) an administrator set on a record: it forbids destruction until released."""

    __tablename__ = "legal_holds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text)
    set_by: Mapped[str] = mapped_column(String(128))
    set_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    released_by: Mapped[str | None] = mapped_column(String(128))
    released_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    release_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_legal_holds_record", "record_id"),)
