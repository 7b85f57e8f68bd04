"""description: a default, editable classification rule (official documents with a 文号 are 文书)

Revision ID: 0005_default_rules
Revises: 0004_description
Create Date: 2026-11-22

A fresh archive has no rules and no trained classifier, so nothing would suggest a 门类.
Official documents (公文, GB/T 9704) carry a 文号 such as 长教发〔2023〕12号 and belong to
文书 (WS); this rule says so at the lowest priority, where any staff rule wins over it.
Staff may edit, disable or delete it in the portal.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0005_default_rules"
down_revision = "0004_description"
branch_labels = None
depends_on = None

RULE_NAME = "公文（有文号）归入文书 / official documents with a doc number are 文书"


def upgrade() -> None:
    rules = sa.table(
        "classification_rules",
        sa.column("name", sa.String), sa.column("pattern", sa.Text), sa.column("category_code", sa.String),
        sa.column("priority", sa.Integer), sa.column("enabled", sa.Boolean),
        sa.column("created_at", sa.DateTime(timezone=True)), sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    now = dt.datetime.now(dt.UTC)
    op.bulk_insert(rules, [{
        "name": RULE_NAME, "pattern": r"[〔\[［(（【]\s*(19|20)\d{2}\s*[〕\]］)）】]\s*\d{1,4}\s*号",
        "category_code": "WS", "priority": -100, "enabled": True, "created_at": now, "updated_at": now,
    }])


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM classification_rules WHERE name = :name").bindparams(name=RULE_NAME))
