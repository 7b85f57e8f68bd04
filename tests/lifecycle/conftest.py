"""Lifecycle tests: the generated archive (``tests/lifecycle/archive.py``) on a fresh Lantai; the portal's
fixtures (app, client, auth) for the web and API tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from archive.clock import FixedClock
from indexer.context import Lantai, set_current
from tests.conftest import make_settings
from tests.lifecycle.archive import generate
from tests.portal.conftest import app, auth, client, make_app  # noqa: F401

World = tuple[Lantai, dict[tuple[int, str], int], FixedClock]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    """A Lantai holding the generated archive 1990–2024, and a clock standing at 1 March 2025."""
    lantai = Lantai(make_settings(tmp_path / "var"))
    lantai.catalog.upgrade()
    set_current(lantai)
    ids = generate(lantai)
    yield lantai, ids, FixedClock(dt.datetime(2025, 3, 1, 9, tzinfo=dt.UTC))
    set_current(None)
    lantai.close()
