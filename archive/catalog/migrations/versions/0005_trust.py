"""trust: a person's access level kept apart from the one the rule derives; existing records closed
where their 密级 and 开放标识 demand it

Revision ID: 0005_trust
Revises: 0002_accounts, 0003_audit, 0004_description
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_trust"
down_revision = ("0002_accounts", "0003_audit", "0004_description")
branch_labels = None
depends_on = None

SECRET = ("秘密", "机密", "绝密")


def upgrade() -> None:
    """Add ``records.access_override`` and ``periodic_runs``; tighten records whose level is looser
    than their 密级 allows.

    Before this revision nothing recomputed a record's access level when its 密级 or 开放标识
    changed, so a catalog may hold a 秘密 record at ``open``. Without the running settings the
    migration cannot apply the whole rule (its default level), so it only closes: 秘密/机密/绝密
    to ``secret``, 内部 to at least ``internal``, 控制 to at least ``restricted``. Each record it
    changes gets a new revision, so ``lantai index check`` reports it and ``lantai reindex`` (run at
    the next ``index check --repair`` or by hand) brings the index in line.
    """
    with op.batch_alter_table("records") as batch:
        batch.add_column(sa.Column("access_override", sa.String(length=16), nullable=True))
    op.create_table(
        "periodic_runs",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_ok", sa.Boolean(), nullable=False),
        sa.Column("last_result", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("name"),
    )
    records = sa.table(
        "records",
        sa.column("classification", sa.String),
        sa.column("openness", sa.String),
        sa.column("access_level", sa.String),
        sa.column("revision", sa.Integer),
    )
    bump = records.c.revision + 1
    op.execute(
        records.update()
        .where(records.c.classification.in_(SECRET), records.c.access_level != "secret")
        .values(access_level="secret", revision=bump)
    )
    op.execute(
        records.update()
        .where(records.c.classification == "内部", records.c.access_level == "open")
        .values(access_level="internal", revision=bump)
    )
    op.execute(
        records.update()
        .where(records.c.openness == "控制", records.c.access_level == "open")
        .values(access_level="restricted", revision=bump)
    )


def downgrade() -> None:
    """Drop ``records.access_override`` and ``periodic_runs`` (levels closed by the upgrade stay closed)."""
    op.drop_table("periodic_runs")
    with op.batch_alter_table("records") as batch:
        batch.drop_column("access_override")
