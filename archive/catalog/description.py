"""Catalog models of archival description (著录): 件号 counters, the review queue and
staff-editable classification rules. The description fields themselves live on ``Record``."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from archive.catalog.models import Base, utcnow


class ReferenceCounter(Base):
    """The last 件号 given out in one series (fonds, category, year, retention, department).

    The row is locked by the transaction that assigns a 档号, so numbers have no gaps and no
    duplicates even when several workers describe records at once.
    """

    __tablename__ = "reference_counters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fonds_code: Mapped[str] = mapped_column(String(32))
    category_code: Mapped[str] = mapped_column(String(16))
    year: Mapped[int] = mapped_column(Integer)
    retention: Mapped[str] = mapped_column(String(8))
    # "" when the pattern has no department level (NULL would defeat the unique constraint).
    department_code: Mapped[str] = mapped_column(String(32), default="")
    last_item: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        UniqueConstraint(
            "fonds_code",
            "category_code",
            "year",
            "retention",
            "department_code",
            name="uq_reference_counters_series",
        ),
    )


class ReviewStatus(enum.StrEnum):
    """State of a suggestion in the review queue."""

    PENDING = "pending"
    ACCEPTED = "accepted"  # the suggested value was taken as is
    REJECTED = "rejected"  # the field stays as it was
    CORRECTED = "corrected"  # a person entered another value


class ReviewItem(Base):
    """A machine suggestion for one field of one record, waiting for staff to confirm."""

    __tablename__ = "review_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    field: Mapped[str] = mapped_column(String(32))
    suggested_value: Mapped[str] = mapped_column(Text)
    confidence: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(64))  # extraction rule, "rule:<id>", "classifier"
    status: Mapped[str] = mapped_column(String(16), default=ReviewStatus.PENDING)
    final_value: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(128))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        Index("ix_review_items_status", "status"),
        Index("ix_review_items_record", "record_id"),
    )


class ClassificationRule(Base):
    """A staff rule: keywords, a regex or an issuing body that assigns category, department
    and retention. Rules are tried by descending priority; the first match wins."""

    __tablename__ = "classification_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    # Any of these keywords (one per line or comma-separated) in the title or text matches.
    keywords: Mapped[str | None] = mapped_column(Text)
    pattern: Mapped[str | None] = mapped_column(Text)  # a Python regex (DOTALL) searched in title + text
    issuing_body: Mapped[str | None] = mapped_column(String(128))  # substring of the creator
    category_code: Mapped[str | None] = mapped_column(String(16))
    department_code: Mapped[str | None] = mapped_column(String(32))
    department: Mapped[str | None] = mapped_column(String(128))
    retention: Mapped[str | None] = mapped_column(String(8))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
