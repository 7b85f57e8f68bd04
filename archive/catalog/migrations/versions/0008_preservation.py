"""preservation: fixity runs and the last fixity check of each original

Revision ID: 0008_preservation
Revises: 0006_collection
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_preservation"
down_revision = "0007_lifecycle"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    """Create ``fixity_runs`` and ``fixity_states``."""
    op.create_table(
        "fixity_runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("checked", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("bytes", sa.BigInteger(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("failures", JSON, nullable=False),
    )
    op.create_table(
        "fixity_states",
        sa.Column("original_id", sa.Integer(), sa.ForeignKey("original_files.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_fixity_states_checked_at", "fixity_states", ["checked_at"])


def downgrade() -> None:
    """Drop the fixity tables."""
    op.drop_index("ix_fixity_states_checked_at", "fixity_states")
    op.drop_table("fixity_states")
    op.drop_table("fixity_runs")
