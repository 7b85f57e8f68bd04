"""Shared fixtures: settings on a temporary data dir, catalogs on SQLite and PostgreSQL,
the Flask app and its test client, and the real services the suite talks to."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from sqlalchemy.engine import make_url

from archive.catalog.db import Catalog
from config.settings import Settings, load_settings
from indexer.context import Lantai, set_current
from tests import smtp as smtp_server

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data"
ARTIFACTS = Path(__file__).parent / "artifacts"

POSTGRES_URL = os.environ.get("LANTAI_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("LANTAI_TEST_REDIS_URL", "redis://127.0.0.1:6379")

# Property tests judge results, not speed: a loaded machine must not fail them on time.
hypothesis_settings.register_profile("lantai", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("lantai")


@pytest.fixture(autouse=True)
def _clean_lantai_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never inherit LANTAI_* settings from the shell that runs them."""
    for key in list(os.environ):
        if key.startswith("LANTAI_") and not key.startswith("LANTAI_TEST_") and key != "LANTAI_ELASTICSEARCH_URL":
            monkeypatch.delenv(key, raising=False)


def make_settings(data_dir: Path, **overrides: str) -> Settings:
    """Settings as start-up would read them from LANTAI_* variables."""
    env = {"LANTAI_DATA_DIR": str(data_dir)}
    env.update({f"LANTAI_{k.upper()}": v for k, v in overrides.items()})
    return load_settings(env)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Embedded defaults on a fresh data dir."""
    return make_settings(tmp_path / "var")


def create_postgres_database() -> str:
    """A new, empty PostgreSQL database for one test; returns its SQLAlchemy URL."""
    url = make_url(POSTGRES_URL)
    name = f"lantai_t_{uuid.uuid4().hex[:12]}"
    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(database_url: str) -> None:
    """Drop a database made by ``create_postgres_database``."""
    url = make_url(database_url)
    conninfo = make_url(POSTGRES_URL).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database (dropped afterwards)."""
    database_url = create_postgres_database()
    yield database_url
    drop_postgres_database(database_url)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def catalog_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The catalog URL, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'catalog.sqlite3'}"
    else:
        database_url = create_postgres_database()
        yield database_url
        drop_postgres_database(database_url)


@pytest.fixture
def catalog(catalog_url: str) -> Iterator[Catalog]:
    """A migrated catalog on SQLite and on PostgreSQL."""
    cat = Catalog(catalog_url)
    cat.upgrade()
    yield cat
    cat.dispose()


@pytest.fixture
def lantai(settings: Settings) -> Iterator[Lantai]:
    """A complete embedded Lantai on a fresh data dir, installed as the process context."""
    ctx = Lantai(settings)
    ctx.catalog.upgrade()
    set_current(ctx)
    yield ctx
    set_current(None)
    ctx.close()


@pytest.fixture
def smtp() -> Iterator[tuple[str, smtp_server.Inbox]]:
    """A real SMTP server on a free local port: its URL (for ``smtp_url``) and its inbox."""
    yield from smtp_server.serve()
