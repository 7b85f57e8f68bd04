"""Collection tests use the portal's fixtures (app, client, auth, runner), each run once on SQLite
and once on PostgreSQL (``catalog_url`` of tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.settings import Settings
from tests.conftest import make_settings
from tests.portal.conftest import app, auth, client, make_app, runner  # noqa: F401


@pytest.fixture
def settings(tmp_path: Path, catalog_url: str) -> Settings:
    """Embedded defaults on a fresh data dir, the catalog on SQLite or on PostgreSQL."""
    return make_settings(tmp_path / "var", database_url=catalog_url)
