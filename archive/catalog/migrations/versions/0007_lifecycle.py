"""lifecycle: opening proposals, appraisals, destruction batches, tombstones, legal holds

Revision ID: 0007_lifecycle
Revises: 0006_collection
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_lifecycle"
down_revision = "0006_collection"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the appraisal, opening and disposal tables."""
    op.create_table(
        "opening_proposals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("defer_years", sa.Integer()),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("proposed_by", sa.String(128), nullable=False),
        sa.Column("proposed_at", TS, nullable=False),
        sa.Column("department_signed_by", sa.String(128)),
        sa.Column("department_signed_at", TS),
        sa.Column("admin_signed_by", sa.String(128)),
        sa.Column("admin_signed_at", TS),
        sa.Column("decided_at", TS),
        sa.Column("revisit_on", sa.Date()),
    )
    op.create_index("ix_opening_proposals_record", "opening_proposals", ["record_id"])
    op.create_table(
        "destruction_batches",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("proposed_by", sa.String(128), nullable=False),
        sa.Column("proposed_at", TS, nullable=False),
        sa.Column("approvals", JSON, nullable=False),
        sa.Column("witness", sa.String(128)),
        sa.Column("executed_by", sa.String(128)),
        sa.Column("executed_at", TS),
    )
    op.create_table(
        "appraisals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("retention", sa.String(8)),
        sa.Column("next_due_year", sa.Integer()),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("appraised_by", sa.String(128), nullable=False),
        sa.Column("appraised_at", TS, nullable=False),
        sa.Column("batch_id", sa.Integer(), sa.ForeignKey("destruction_batches.id", ondelete="SET NULL")),
    )
    op.create_index("ix_appraisals_record", "appraisals", ["record_id"])
    op.create_table(
        "tombstones",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("record_id", sa.Integer(), nullable=False, unique=True),
        sa.Column("reference_code", sa.String(128)),
        sa.Column("title", sa.Text()),
        sa.Column("fonds_code", sa.String(32)),
        sa.Column("department_code", sa.String(32)),
        sa.Column("year", sa.Integer()),
        sa.Column("retention", sa.String(8)),
        sa.Column("date", sa.Date()),
        sa.Column("page_count", sa.Integer(), nullable=False),
        sa.Column("opinion", sa.Text()),
        sa.Column("files", JSON, nullable=False),
        sa.Column("batch_id", sa.Integer(), sa.ForeignKey("destruction_batches.id", ondelete="SET NULL")),
        sa.Column("approved_by", JSON, nullable=False),
        sa.Column("destroyed_by", sa.String(128), nullable=False),
        sa.Column("witness", sa.String(128)),
        sa.Column("destroyed_at", TS, nullable=False),
    )
    op.create_table(
        "legal_holds",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("record_id", sa.Integer(), sa.ForeignKey("records.id", ondelete="CASCADE"), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("set_by", sa.String(128), nullable=False),
        sa.Column("set_at", TS, nullable=False),
        sa.Column("released_by", sa.String(128)),
        sa.Column("released_at", TS),
        sa.Column("release_reason", sa.Text()),
    )
    op.create_index("ix_legal_holds_record", "legal_holds", ["record_id"])


def downgrade() -> None:
    """Drop the lifecycle tables."""
    for table in ("legal_holds", "tombstones", "appraisals", "destruction_batches", "opening_proposals"):
        op.drop_table(table)
