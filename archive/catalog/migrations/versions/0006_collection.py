"""collection: departments and clerks, filing schedule, filing tasks, transfers, receipt checks,
reminders; records' custody; existing records' departments moved onto the department table

Revision ID: 0006_collection
Revises: 0005_trust
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0006_collection"
down_revision = "0005_trust"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")


def _now() -> sa.Column[dt.datetime]:
    return sa.Column("created_at", sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    """Create the collection tables and move the records' department strings onto departments."""
    op.create_table(
        "departments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(32), nullable=False, unique=True),
        sa.Column("name", sa.String(128), nullable=False, unique=True),
        sa.Column("aliases", JSON, nullable=False),
        sa.Column("parent_id", sa.Integer(), sa.ForeignKey("departments.id", ondelete="SET NULL")),
        sa.Column("contact_email", sa.String(254)),
        sa.Column("active", sa.Boolean(), nullable=False),
        _now(),
    )
    op.create_table(
        "department_clerks",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("department_id", sa.Integer(), sa.ForeignKey("departments.id", ondelete="CASCADE"), nullable=False),
        _now(),
    )
    op.create_index("ix_department_clerks_department", "department_clerks", ["department_id"])
    op.create_table(
        "schedule_lines",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("schedule", sa.String(64), nullable=False),
        sa.Column("department_id", sa.Integer(), sa.ForeignKey("departments.id", ondelete="CASCADE")),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("keywords", sa.Text()),
        sa.Column("category_code", sa.String(16), nullable=False),
        sa.Column("retention", sa.String(8), nullable=False),
        sa.Column("rule", sa.String(16), nullable=False),
        sa.Column("due_month", sa.Integer()),
        sa.Column("due_day", sa.Integer()),
        sa.Column("within_days", sa.Integer()),
        sa.Column("expected_count", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "filing_tasks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("department_id", sa.Integer(), sa.ForeignKey("departments.id", ondelete="CASCADE"), nullable=False),
        sa.Column("schedule_line_id", sa.Integer(), sa.ForeignKey("schedule_lines.id", ondelete="SET NULL")),
        sa.Column("title", sa.String(256), nullable=False),
        sa.Column("period", sa.String(64), nullable=False),
        sa.Column("period_start", sa.Date()),
        sa.Column("period_end", sa.Date()),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("expected_count", sa.Integer(), nullable=False),
        sa.Column("category_code", sa.String(16)),
        sa.Column("retention", sa.String(8)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("submitted_on", sa.Date()),
        sa.Column("accepted_on", sa.Date()),
        sa.Column("created_by", sa.String(128)),
        _now(),
        sa.UniqueConstraint("department_id", "schedule_line_id", "period", name="uq_filing_tasks_line_period"),
    )
    op.create_index("ix_filing_tasks_due", "filing_tasks", ["status", "due_date"])
    op.create_table(
        "transfers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("task_id", sa.Integer(), sa.ForeignKey("filing_tasks.id", ondelete="CASCADE"), nullable=False),
        sa.Column("department_id", sa.Integer(), sa.ForeignKey("departments.id", ondelete="CASCADE"), nullable=False),
        sa.Column("previous_id", sa.Integer(), sa.ForeignKey("transfers.id", ondelete="SET NULL")),
        sa.Column("batch_id", sa.String(32), sa.ForeignKey("batches.id", ondelete="SET NULL")),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("submitted_by", sa.String(128), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True)),
        sa.Column("decided_by", sa.String(128)),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.Column("reason", sa.Text()),
        sa.Column("confirmed_by_department", sa.String(128)),
        sa.Column("confirmed_by_archive", sa.String(128)),
        sa.Column("note", sa.Text()),
    )
    op.create_index("ix_transfers_task", "transfers", ["task_id"])
    op.create_index("ix_transfers_status", "transfers", ["status"])
    op.create_table(
        "transfer_items",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("transfer_id", sa.Integer(), sa.ForeignKey("transfers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("filename", sa.Text()),
        sa.Column("title", sa.Text()),
        sa.Column("doc_number", sa.String(128)),
        sa.Column("date", sa.Date()),
        sa.Column("pages", sa.Integer()),
        sa.Column("pieces", sa.Integer(), nullable=False),
        sa.Column("retention", sa.String(8)),
        sa.Column("category_code", sa.String(16)),
        sa.Column("note", sa.Text()),
        sa.Column("listed", sa.Boolean(), nullable=False),
        sa.Column("record_id", sa.Integer(), sa.ForeignKey("records.id", ondelete="SET NULL")),
        sa.Column("sha256", sa.String(64)),
        sa.Column("result", sa.String(16)),
        sa.Column("return_reason", sa.Text()),
    )
    op.create_index("ix_transfer_items_transfer", "transfer_items", ["transfer_id"])
    op.create_index("ix_transfer_items_record", "transfer_items", ["record_id"])
    op.create_table(
        "receipt_checks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("transfer_id", sa.Integer(), sa.ForeignKey("transfers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("item_id", sa.Integer(), sa.ForeignKey("transfer_items.id", ondelete="CASCADE")),
        sa.Column("property", sa.String(16), nullable=False),
        sa.Column("check", sa.String(32), nullable=False),
        sa.Column("result", sa.String(16), nullable=False),
        sa.Column("explanation_zh", sa.Text(), nullable=False),
        sa.Column("explanation_en", sa.Text(), nullable=False),
        sa.Column("rule", sa.String(128), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_receipt_checks_transfer", "receipt_checks", ["transfer_id"])
    op.create_table(
        "reminders_sent",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("task_id", sa.Integer(), sa.ForeignKey("filing_tasks.id", ondelete="CASCADE"), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("recipients", JSON, nullable=False),
        sa.Column("mailed", sa.Boolean(), nullable=False),
        sa.Column("error", sa.Text()),
        _now(),
        sa.UniqueConstraint("task_id", "sent_on", name="uq_reminders_task_day"),
    )
    with op.batch_alter_table("records") as batch:
        batch.add_column(sa.Column("custody", sa.String(length=16), nullable=True))
    _migrate_departments()


def _migrate_departments() -> None:
    """One department per department code (or, without a code, per name) the records use.

    A name without a code gets the code ``D`` + a number, which staff may change later;
    such records get that code, so their 档号 can be assigned.
    """
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT department_code, department, COUNT(*) FROM records "
            "WHERE department_code IS NOT NULL OR department IS NOT NULL "
            "GROUP BY department_code, department ORDER BY COUNT(*) DESC"
        )
    ).all()
    names: dict[str, str] = {}  # code -> name
    unnamed: list[str] = []
    for code, name, _count in rows:
        if code:
            code = str(code).upper()
            if code not in names and (name or code) not in names.values():
                names[code] = name or code
        elif name and name not in unnamed:
            unnamed.append(name)
    number = 0
    for name in unnamed:
        if name in names.values():
            continue
        number += 1
        while f"D{number:03d}" in names:
            number += 1
        names[f"D{number:03d}"] = name
    departments = sa.table(
        "departments",
        sa.column("code", sa.String),
        sa.column("name", sa.String),
        sa.column("aliases", JSON),
        sa.column("active", sa.Boolean),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    now = dt.datetime.now(dt.UTC)
    if names:
        op.bulk_insert(departments, [
            {"code": code, "name": name, "aliases": [], "active": True, "created_at": now}
            for code, name in names.items()
        ])
    by_name = {name: code for code, name in names.items()}
    for name, code in by_name.items():
        bind.execute(
            sa.text(
                "UPDATE records SET department_code = :code, revision = revision + 1 "
                "WHERE department_code IS NULL AND department = :name"
            ),
            {"code": code, "name": name},
        )


def downgrade() -> None:
    """Drop the collection tables and ``records.custody`` (records keep their department strings)."""
    with op.batch_alter_table("records") as batch:
        batch.drop_column("custody")
    for table in ("reminders_sent", "receipt_checks", "transfer_items", "transfers", "filing_tasks",
                  "schedule_lines", "department_clerks", "departments"):
        op.drop_table(table)
