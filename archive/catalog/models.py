"""Catalog models: records, their originals and pages, batches and jobs.

The catalog is the source of truth: the search index and every derivative can be rebuilt
from it and from the write-once originals. Users, access requests and audit events live in
their own modules (``archive/catalog/accounts.py``, ``archive/catalog/audit.py``) on the same
``Base``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from archive.catalog.sealing import SealedJSON, SealedText
from archive.vocabulary import AccessLevel, JobStatus, PageSource, RecordStatus

JSONType = JSON().with_variant(JSONB(), "postgresql")

# Integer ids are 64-bit signed in SQLite and PostgreSQL: a larger number names no row, and
# handing it to the driver fails (an overflow), so callers check against this first.
LARGEST_ID = 2**63 - 1


def is_catalog_id(value: int) -> bool:
    """Whether ``value`` can be the id of a catalog row."""
    return 0 < value <= LARGEST_ID


def utcnow() -> dt.datetime:
    """The current time in UTC, timezone-aware."""
    return dt.datetime.now(dt.UTC)


def new_id() -> str:
    """A random 32-character hex id for jobs and batches."""
    return uuid.uuid4().hex


class Base(DeclarativeBase):
    """Declarative base of every catalog table."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSONType, list[Any]: JSONType}


class Record(Base):
    """One archival item (档案) with its description (著录) and processing state."""

    __tablename__ = "records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Description after DA/T 18 / DA/T 22 (names from GLOSSARY.md)
    title: Mapped[str | None] = mapped_column(Text)
    reference_code: Mapped[str | None] = mapped_column(String(128), unique=True)
    fonds_code: Mapped[str | None] = mapped_column(String(32))
    category_code: Mapped[str | None] = mapped_column(String(16))
    year: Mapped[int | None] = mapped_column(Integer)
    retention: Mapped[str | None] = mapped_column(String(8))
    department_code: Mapped[str | None] = mapped_column(String(32))
    department: Mapped[str | None] = mapped_column(String(128))
    item_number: Mapped[int | None] = mapped_column(Integer)
    creator: Mapped[str | None] = mapped_column(Text)
    doc_number: Mapped[str | None] = mapped_column(String(128))
    date: Mapped[dt.date | None] = mapped_column(Date)
    classification: Mapped[str | None] = mapped_column(String(16))
    openness: Mapped[str | None] = mapped_column(String(16))
    carrier: Mapped[str | None] = mapped_column(String(32))
    subject_terms: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(32))
    page_count: Mapped[int] = mapped_column(Integer, default=0)
    # Metadata columns of a manifest or form that have no field of their own are kept here,
    # as are technical metadata (EXIF, duration) and extraction suggestions.
    extra: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # Access (访问级别): open, internal, restricted, secret. Derived by ``archive.access.level_for``
    # from 密级 and 开放标识; ``access_override`` is a level a person chose, which counts only
    # where it is stricter than the rule (and fills in where 密级 and 开放标识 say nothing).
    access_level: Mapped[str] = mapped_column(String(16), default=AccessLevel.INTERNAL)
    access_override: Mapped[str | None] = mapped_column(String(16))
    # NULL: part of the archive. ``submitted``: in a transfer awaiting acceptance (``Custody``),
    # so not in search and given no 档号 until the archive accepts it (``collection``).
    custody: Mapped[str | None] = mapped_column(String(16))
    # Withdrawn from the portal (not deleted): out of search and hidden from all but staff,
    # with who, when and why (``archive.description.withdrawal``).
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_by: Mapped[str | None] = mapped_column(String(128))
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)
    # Processing
    status: Mapped[str] = mapped_column(String(16), default=RecordStatus.PENDING)
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False)
    ocr_languages: Mapped[str | None] = mapped_column(String(64))
    batch_id: Mapped[str | None] = mapped_column(ForeignKey("batches.id", ondelete="SET NULL"))
    # Bumped on every change the index must see; the index stores the revision it holds.
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    files: Mapped[list[OriginalFile]] = relationship(
        back_populates="record", cascade="all, delete-orphan", order_by="OriginalFile.id"
    )
    pages: Mapped[list[Page]] = relationship(
        back_populates="record", cascade="all, delete-orphan", order_by="Page.number"
    )

    __table_args__ = (
        Index("ix_records_status", "status"),
        Index("ix_records_access_level", "access_level"),
        Index("ix_records_series", "fonds_code", "category_code", "year", "retention", "department_code"),
    )

    @classmethod
    def in_search(cls) -> Any:
        """The condition of a record the search index holds: part of the archive, not withdrawn."""
        return and_(cls.custody.is_(None), cls.withdrawn_at.is_(None))

    @property
    def original(self) -> OriginalFile | None:
        """The record's first (usually only) original file."""
        return self.files[0] if self.files else None

    def touch(self) -> None:
        """Mark the record changed, so the index sees it as stale until reindexed."""
        self.revision = (self.revision or 0) + 1


class OriginalFile(Base):
    """A file as received (原件): stored write-once, content-addressed by SHA-256."""

    __tablename__ = "original_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(BigInteger)
    mime_type: Mapped[str] = mapped_column(String(128))
    original_filename: Mapped[str] = mapped_column(Text)
    storage_key: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    record: Mapped[Record] = relationship(back_populates="files")


class Page(Base):
    """One page of a record: its text, where the text came from, and the word boxes."""

    __tablename__ = "pages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)  # 1-based
    text: Mapped[str] = mapped_column(SealedText, default="")  # sealed when encryption at rest is on
    source: Mapped[str] = mapped_column(String(16), default=PageSource.NONE)
    confidence: Mapped[float | None] = mapped_column(Float)
    # Word boxes in page-image pixels: [[text, confidence, left, top, width, height], ...]
    words: Mapped[list[Any]] = mapped_column(SealedJSON, default=list)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    image_key: Mapped[str | None] = mapped_column(String(256))
    thumbnail_key: Mapped[str | None] = mapped_column(String(256))
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)

    record: Mapped[Record] = relationship(back_populates="pages")

    __table_args__ = (UniqueConstraint("record_id", "number", name="uq_pages_record_number"),)


class Batch(Base):
    """A set of files ingested together (one CLI run, one upload, one ZIP, one inbox file)."""

    __tablename__ = "batches"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    channel: Mapped[str] = mapped_column(String(16))  # cli, api, upload, inbox, zip
    label: Mapped[str | None] = mapped_column(Text)
    options: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Job(Base):
    """A background job with its progress; the catalog, not the broker, is its source of truth."""

    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[int | None] = mapped_column(ForeignKey("records.id", ondelete="SET NULL"))
    batch_id: Mapped[str | None] = mapped_column(ForeignKey("batches.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.QUEUED)
    pages_done: Mapped[int] = mapped_column(Integer, default=0)
    pages_total: Mapped[int | None] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    worker: Mapped[str | None] = mapped_column(String(128))
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_jobs_status", "status"), Index("ix_jobs_record", "record_id"))


class PeriodicRun(Base):
    """When each periodic task (``indexer.periodic``) last ran, and what it reported.

    Workers claim a due task by a conditional update of its row, so of several workers exactly
    one runs it, and a restart does not run it again before it is due.
    """

    __tablename__ = "periodic_runs"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_run_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_ok: Mapped[bool] = mapped_column(Boolean, default=True)
    last_result: Mapped[str | None] = mapped_column(Text)
