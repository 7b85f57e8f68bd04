"""Lifecycle tests: the generated archive (``tests/lifecycle/archive.py``) on a fresh Lantai; the portal's
fixtures (app, client, auth) for the web and API tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from archive.clock import FixedClock
from indexer.context import Lantai, set_current
from tests.conftest import create_postgres_database, drop_postgres_database, make_settings
from tests.lifecycle.archive import generate
from tests.portal.conftest import app, auth, client, make_app  # noqa: F401

World = tuple[Lantai, dict[tuple[int, str], int], FixedClock]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    """A Lantai holding the generated archive 1990–2024 (on SQLite and on PostgreSQL), and a clock
    standing at 1 March 2025."""
    database = create_postgres_database() if request.param == "postgresql" else None
    overrides = {"database_url": database} if database else {}
    lantai = Lantai(make_settings(tmp_path / "var", **overrides))
    lantai.catalog.upgrade()
    set_current(lantai)
    try:
        ids = generate(lantai)
        yield lantai, ids, FixedClock(dt.datetime(2025, 3, 1, 9, tzinfo=dt.UTC))
    finally:
        set_current(None)
        lantai.close()
        if database:
            drop_postgres_database(database)
