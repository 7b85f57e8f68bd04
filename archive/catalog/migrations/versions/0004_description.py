"""description: 件号 counters, review queue, classification rules

Revision ID: 0004_description
Revises: 0001_core
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_description"
down_revision = "0001_core"
branch_labels = ("description",)
depends_on = None


def upgrade() -> None:
    """Create the description tables."""
    op.create_table(
        "reference_counters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fonds_code", sa.String(length=32), nullable=False),
        sa.Column("category_code", sa.String(length=16), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("retention", sa.String(length=8), nullable=False),
        sa.Column("department_code", sa.String(length=32), nullable=False),
        sa.Column("last_item", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "fonds_code",
            "category_code",
            "year",
            "retention",
            "department_code",
            name="uq_reference_counters_series",
        ),
    )
    op.create_table(
        "review_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=32), nullable=False),
        sa.Column("suggested_value", sa.Text(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("final_value", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=128), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["record_id"], ["records.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("review_items", schema=None) as batch_op:
        batch_op.create_index("ix_review_items_status", ["status"], unique=False)
        batch_op.create_index("ix_review_items_record", ["record_id"], unique=False)
    op.create_table(
        "classification_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("keywords", sa.Text(), nullable=True),
        sa.Column("pattern", sa.Text(), nullable=True),
        sa.Column("issuing_body", sa.String(length=128), nullable=True),
        sa.Column("category_code", sa.String(length=16), nullable=True),
        sa.Column("department_code", sa.String(length=32), nullable=True),
        sa.Column("department", sa.String(length=128), nullable=True),
        sa.Column("retention", sa.String(length=8), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    """Drop the description tables."""
    op.drop_table("classification_rules")
    with op.batch_alter_table("review_items", schema=None) as batch_op:
        batch_op.drop_index("ix_review_items_record")
        batch_op.drop_index("ix_review_items_status")
    op.drop_table("review_items")
    op.drop_table("reference_counters")
