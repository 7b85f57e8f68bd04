"""The catalog as a file: a consistent snapshot of a live catalog, and rows copied between databases.

A SQLite catalog is copied with SQLite's online backup API; a PostgreSQL catalog with ``pg_dump``
(custom format) inside an exported snapshot, and from the same snapshot into a portable SQLite
file, so that any backup can be restored onto either database.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, Integer, MetaData, Table, create_engine, delete, func, select, text
from sqlalchemy.engine import make_url

import archive.catalog.all_models  # noqa: F401  (every table on Base.metadata)
from archive.catalog.db import Catalog
from archive.catalog.models import Base
from config.errors import ConfigurationError, LantaiError

BATCH = 2000


class BackupError(LantaiError):
    """A backup or restore cannot go on; the message says why and what to do."""

    code = "backup_failed"
    default_zh = "备份或恢复失败"
    default_en = "Backup or restore failed"


def tables() -> list[Table]:
    """Every catalog table, parents before children."""
    metadata: MetaData = Base.metadata
    return list(metadata.sorted_tables)


def sqlite_snapshot(database: Path, target: Path) -> None:
    """Copy a live SQLite catalog with the online backup API (one consistent state, WAL included)."""
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)
    dest = sqlite3.connect(partial)
    try:
        source.backup(dest)
    finally:
        dest.close()
        source.close()
    partial.replace(target)


def libpq_url(url: str) -> str:
    """A SQLAlchemy PostgreSQL URL as the libpq URI ``pg_dump`` takes."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def pg_tool(name: str) -> str:
    """The path of a PostgreSQL client program (Debian's ``postgresql-client``)."""
    found = shutil.which(name)
    if found is None:
        raise ConfigurationError(
            f"{name} is not installed; install Debian's postgresql-client (scripts/install-system.sh)",
            f"未安装 {name}；请安装 Debian 的 postgresql-client（scripts/install-system.sh）",
        )
    return found


@contextmanager
def postgres_snapshot(engine: Engine) -> Iterator[tuple[Connection, str]]:
    """A repeatable-read transaction whose snapshot is exported (its id goes to ``pg_dump --snapshot``)."""
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
        snapshot = str(conn.execute(text("SELECT pg_export_snapshot()")).scalar_one())
        yield conn, snapshot


def pg_dump(url: str, snapshot: str, target: Path) -> None:
    """``pg_dump --format=custom`` of the catalog at ``snapshot``."""
    partial = target.with_name(target.name + ".partial")
    result = subprocess.run(  # noqa: S603  (fixed program, arguments from our settings)
        [pg_tool("pg_dump"), "--format=custom", "--no-owner", f"--snapshot={snapshot}",
         f"--file={partial}", f"--dbname={libpq_url(url)}"],
        capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}",
                          "pg_dump 失败：请检查数据库连接（LANTAI_DATABASE_URL）和 pg_dump 的版本")
    partial.replace(target)


def pg_dump_readable(path: Path) -> str | None:
    """None when ``pg_restore --list`` reads the dump's table of contents, else its complaint."""
    result = subprocess.run(  # noqa: S603
        [pg_tool("pg_restore"), "--list", str(path)], capture_output=True, text=True, check=False
    )
    return None if result.returncode == 0 else (result.stderr.strip() or "unreadable")


def new_sqlite_catalog(path: Path) -> Catalog:
    """An empty, migrated SQLite catalog at ``path``."""
    catalog = Catalog(f"sqlite:///{path}")
    catalog.upgrade()
    return catalog


def copy_rows(source: Connection, target: Engine) -> dict[str, int]:
    """Copy every catalog row from ``source`` into the migrated, empty ``target``; rows per table.

    Rows the migrations seeded (the audit chain head) are replaced by the source's. PostgreSQL's
    id sequences are moved past the copied ids afterwards.
    """
    counts: dict[str, int] = {}
    ordered = tables()
    with target.begin() as out:
        for table in reversed(ordered):
            if table.name != "audit_events":  # append-only, and empty in a new catalog
                out.execute(delete(table))
        for table in ordered:
            counts[table.name] = 0
            order = list(table.primary_key.columns)
            result = source.execution_options(stream_results=True).execute(select(table).order_by(*order))
            while rows := result.fetchmany(BATCH):
                out.execute(table.insert(), [dict(row._mapping) for row in rows])
                counts[table.name] += len(rows)
        if target.dialect.name == "postgresql":
            _move_sequences(out)
    return counts


def _move_sequences(conn: Connection) -> None:
    for table in tables():
        for column in table.primary_key.columns:
            if isinstance(column.type, Integer) and column.autoincrement in (True, "auto"):
                sequence = conn.execute(
                    text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": column.name}
                ).scalar()
                if sequence:
                    conn.execute(
                        text(f"SELECT setval('{sequence}', COALESCE((SELECT MAX({column.name}) FROM {table.name}), 0) + 1, false)")  # noqa: S608, E501
                    )


def open_sqlite(path: Path) -> Engine:
    """An engine on a catalog file of a backup (read as is)."""
    return create_engine(f"sqlite:///{path}")


COUNTED = ("records", "pages", "original_files", "audit_events", "users")


def counts(conn: Connection) -> dict[str, int]:
    """Rows of the tables a restore must bring back in full."""
    found = {table.name: table for table in tables()}
    return {name: int(conn.execute(select(func.count()).select_from(found[name])).scalar_one()) for name in COUNTED}


def audit_head(conn: Connection) -> tuple[int, str]:
    """The audit chain head (sequence number and hash)."""
    row = conn.execute(text("SELECT seq, hash FROM audit_chain_head WHERE id = 1")).one()
    return int(row[0]), str(row[1])
