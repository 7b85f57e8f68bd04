"""Imports every model module so that ``Base.metadata`` knows all tables (for Alembic)."""

from __future__ import annotations

from indexer.catalog import models  # noqa: F401
