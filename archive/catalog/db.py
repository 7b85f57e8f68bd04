"""Connecting to the catalog and bringing its schema up to date (Alembic)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:  # Alembic is imported when migrating (a fifth of a command's start-up)
    from alembic.config import Config as AlembicConfig

MIGRATIONS = Path(__file__).parent / "migrations"
# The newest migration of each branch. A catalog at these is up to date without asking
# Alembic, whose import is a fifth of every command's start-up. tests/test_catalog.py checks
# this against the migrations folder: add a migration, update this.
HEADS = frozenset({"0002_accounts", "0003_audit", "0004_description"})


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the portal read while a worker writes; the busy timeout rides out short locks.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _json(value: Any) -> str:
    """JSON columns as compact UTF-8: a page's word boxes are thousands of rows, mostly Chinese
    characters, which the default escaping would store as six bytes each."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def make_engine(url: str) -> Engine:
    """An engine for the catalog URL, with SQLite tuned for one writer and many readers."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, json_serializer=_json)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, json_serializer=_json)


def alembic_config(url: str) -> AlembicConfig:
    """Alembic configuration pointing at this package's migrations and the given URL."""
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Apply the migrations up to ``revision`` on ``engine``'s database."""
    from alembic import command

    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


class Catalog:
    """The catalog database: an engine and a session factory."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    def upgrade(self) -> None:
        """Bring the schema to the newest migration (at once when it is there already)."""
        if self.schema_version() != HEADS:
            upgrade(self.engine)

    def schema_version(self) -> frozenset[str]:
        """The migrations the database is at (empty for a new database)."""
        try:
            with self.engine.connect() as connection:
                return frozenset(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
        except DBAPIError:  # no version table yet
            return frozenset()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in a transaction: committed on success, rolled back on error."""
        with self.sessionmaker() as session, session.begin():
            yield session

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
