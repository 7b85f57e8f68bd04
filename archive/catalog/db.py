"""Connecting to the catalog and bringing its schema up to date (Alembic)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

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
HEADS = frozenset({"0010_portal_work"})


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


# session.info key of the records changed in a transaction: record id -> access level before.
CHANGED = "lantai.changed_records"


def mark_changed(session: Session, record_id: int, level_before: str | None) -> None:
    """Tell ``session``'s transaction that a record changed in a way the search index must see.

    Called explicitly by the services that change records (``archive.description.records``, the
    pipeline); ``Catalog.session`` hands the ids to its ``IndexSync`` when the transaction ends.
    ``level_before`` is the record's access level before the transaction changed it (None: new).
    """
    changed: dict[int, str | None] = session.info.setdefault(CHANGED, {})
    changed.setdefault(record_id, level_before)


class IndexSync(Protocol):
    """What keeps the search index in step with the catalog (the indexer provides it).

    ``before_commit`` runs inside the transaction, for changes that close records further: the
    index hides them before the catalog's change is visible, and if it cannot, the change is
    refused. ``after_commit`` runs once committed, for everything else (a failure there only
    delays the index; ``lantai index check`` finds it).
    """

    def before_commit(self, session: Session, changed: dict[int, str | None]) -> set[int]:
        """Index the records that became stricter (or were removed), from ``session``'s state; their ids."""
        ...

    def after_commit(self, changed: dict[int, str | None]) -> None:
        """Index the remaining changed records, from the committed catalog."""
        ...


class Catalog:
    """The catalog database: an engine, a session factory and, when installed, the index sync."""

    def __init__(self, url: str, index_sync: IndexSync | None = None) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)
        self.index_sync = index_sync

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
        """A session in a transaction: committed on success, rolled back on error.

        Records marked with ``mark_changed`` are handed to the index sync: before the commit
        those the change closed further, after it the rest.
        """
        with self.sessionmaker() as session:
            with session.begin():
                yield session
                changed: dict[int, str | None] = session.info.pop(CHANGED, None) or {}
                if changed and self.index_sync is not None:
                    session.flush()
                    done = self.index_sync.before_commit(session, changed)
                    changed = {k: v for k, v in changed.items() if k not in done}
            if changed and self.index_sync is not None:
                self.index_sync.after_commit(changed)

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
