"""Catalog models of collection and transfer (收集、移交与接收): departments and their clerks,
the filing schedule (归档范围与保管期限表), filing tasks, transfers with their transfer lists
(移交清册), receipt-check results (接收检测) and the reminders sent.

The workflow lives in the ``collection`` package; the department entity and its name
resolution in ``archive.departments``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from archive.catalog.models import Base, JSONType, utcnow
from archive.vocabulary import CheckResult, TaskStatus, TransferStatus


class Department(Base):
    """A department (机构/部门) of the creating body: its code as 档号 uses it, name, parent, contact."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    # Other names the department goes by (abbreviations, former names): a manifest may use any.
    aliases: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id", ondelete="SET NULL"))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DepartmentClerk(Base):
    """A department clerk (部门兼职档案员) belongs to exactly one department."""

    __tablename__ = "department_clerks"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (Index("ix_department_clerks_department", "department_id"),)


class ScheduleLine(Base):
    """One line of the filing schedule: a kind of record that must be filed, and when.

    ``department_id`` NULL: the line applies to every department. The rule (``FilingRule``) with
    its parameters gives the due date of each period: yearly by ``due_month``/``due_day`` of the
    next year; ``within_days`` after a project or event ends; monthly or quarterly, ``within_days``
    after the period ends.
    """

    __tablename__ = "schedule_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    schedule: Mapped[str] = mapped_column(String(64), default="default")  # which starter set it came from
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(256))
    keywords: Mapped[str | None] = mapped_column(Text)  # comma- or line-separated examples
    category_code: Mapped[str] = mapped_column(String(16))
    retention: Mapped[str] = mapped_column(String(8))
    rule: Mapped[str] = mapped_column(String(16))
    due_month: Mapped[int | None] = mapped_column(Integer)
    due_day: Mapped[int | None] = mapped_column(Integer)
    within_days: Mapped[int | None] = mapped_column(Integer)
    expected_count: Mapped[int] = mapped_column(Integer, default=1)
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class FilingTask(Base):
    """What one department owes for one period (or a one-off project), by when.

    ``status`` is stored as open, submitted, returned or accepted; overdue is derived from the
    due date and the clock (``collection.tasks.task_status``).
    """

    __tablename__ = "filing_tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"))
    schedule_line_id: Mapped[int | None] = mapped_column(ForeignKey("schedule_lines.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(256))
    period: Mapped[str] = mapped_column(String(64))  # 2023, 2023-05, 2023-Q2, or the project's name
    period_start: Mapped[dt.date | None] = mapped_column(Date)
    period_end: Mapped[dt.date | None] = mapped_column(Date)
    due_date: Mapped[dt.date] = mapped_column(Date)
    expected_count: Mapped[int] = mapped_column(Integer, default=1)
    category_code: Mapped[str | None] = mapped_column(String(16))
    retention: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default=TaskStatus.OPEN)
    submitted_on: Mapped[dt.date | None] = mapped_column(Date)  # first submission
    accepted_on: Mapped[dt.date | None] = mapped_column(Date)
    created_by: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    department: Mapped[Department] = relationship()
    schedule_line: Mapped[ScheduleLine | None] = relationship()

    __table_args__ = (
        UniqueConstraint("department_id", "schedule_line_id", "period", name="uq_filing_tasks_line_period"),
        Index("ix_filing_tasks_due", "status", "due_date"),
    )


class Transfer(Base):
    """One submitted batch (移交) against a task, with its transfer list and the decision on it.

    A returned transfer stays as history; the clerk's corrected batch is a new transfer naming
    it as ``previous_id``.
    """

    __tablename__ = "transfers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("filing_tasks.id", ondelete="CASCADE"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"))
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("transfers.id", ondelete="SET NULL"))
    batch_id: Mapped[str | None] = mapped_column(ForeignKey("batches.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(16), default="cli")
    status: Mapped[str] = mapped_column(String(16), default=TransferStatus.SUBMITTED)
    submitted_by: Mapped[str] = mapped_column(String(128))
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    checked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(String(128))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str | None] = mapped_column(Text)  # the return's general reason
    # Both sides confirm the transfer list (移交清册): the department, then the archive.
    confirmed_by_department: Mapped[str | None] = mapped_column(String(128))
    confirmed_by_archive: Mapped[str | None] = mapped_column(String(128))
    note: Mapped[str | None] = mapped_column(Text)

    task: Mapped[FilingTask] = relationship()
    department: Mapped[Department] = relationship()
    items: Mapped[list[TransferItem]] = relationship(
        back_populates="transfer", cascade="all, delete-orphan", order_by="TransferItem.position"
    )

    __table_args__ = (Index("ix_transfers_task", "task_id"), Index("ix_transfers_status", "status"))


class TransferItem(Base):
    """One line of the transfer list (序号, 题名, 文号, 日期, 页数, 件数, 保管期限, 备注) and the
    record it arrived as (None: listed but not in the batch, or arrived but unlisted)."""

    __tablename__ = "transfer_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("transfers.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)  # 序号
    filename: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    doc_number: Mapped[str | None] = mapped_column(String(128))
    date: Mapped[dt.date | None] = mapped_column(Date)
    pages: Mapped[int | None] = mapped_column(Integer)  # 页数 as listed
    pieces: Mapped[int] = mapped_column(Integer, default=1)  # 件数
    retention: Mapped[str | None] = mapped_column(String(8))
    category_code: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    listed: Mapped[bool] = mapped_column(default=True)  # False: arrived without a line in the list
    record_id: Mapped[int | None] = mapped_column(ForeignKey("records.id", ondelete="SET NULL"))
    sha256: Mapped[str | None] = mapped_column(String(64))  # as computed on submission
    result: Mapped[str | None] = mapped_column(String(16))  # worst check result, once checked
    return_reason: Mapped[str | None] = mapped_column(Text)

    transfer: Mapped[Transfer] = relationship(back_populates="items")

    __table_args__ = (
        Index("ix_transfer_items_transfer", "transfer_id"),
        Index("ix_transfer_items_record", "record_id"),
    )


class ReceiptCheck(Base):
    """The result of one receipt check (DA/T 70) on one item, or on the whole transfer (item NULL)."""

    __tablename__ = "receipt_checks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("transfers.id", ondelete="CASCADE"))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("transfer_items.id", ondelete="CASCADE"))
    property: Mapped[str] = mapped_column(String(16))  # CheckProperty
    check: Mapped[str] = mapped_column(String(32))  # e.g. sha256, page_count, format, active_content
    result: Mapped[str] = mapped_column(String(16), default=CheckResult.PASSED)
    explanation_zh: Mapped[str] = mapped_column(Text)
    explanation_en: Mapped[str] = mapped_column(Text)
    rule: Mapped[str] = mapped_column(String(128))  # the rule it rests on, e.g. "DA/T 70-2018 5.1.1"
    checked_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (Index("ix_receipt_checks_transfer", "transfer_id"),)


class ReminderSent(Base):
    """A reminder about one task on one day (at most one a day per task)."""

    __tablename__ = "reminders_sent"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("filing_tasks.id", ondelete="CASCADE"))
    sent_on: Mapped[dt.date] = mapped_column(Date)
    days: Mapped[int] = mapped_column(Integer)  # days until due (negative: overdue)
    recipients: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    mailed: Mapped[bool] = mapped_column(default=False)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (UniqueConstraint("task_id", "sent_on", name="uq_reminders_task_day"),)
