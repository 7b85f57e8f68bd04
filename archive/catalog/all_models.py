"""Imports every model module so that ``Base.metadata`` knows all tables (for Alembic)."""

from __future__ import annotations

from archive.catalog import (
    accounts,  # noqa: F401
    audit,  # noqa: F401
    collection,  # noqa: F401
    description,  # noqa: F401
    lifecycle,  # noqa: F401
    models,  # noqa: F401
    portal_work,  # noqa: F401
    preservation,  # noqa: F401
    searches,  # noqa: F401
)
