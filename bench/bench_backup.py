"""Benchmark of backup and restore: MB/s beside a plain ``cp -r`` and ``pg_dump`` of the same data.

    .venv/bin/python bench/bench_backup.py                   # 40 originals of 5 MB, SQLite and PostgreSQL
    .venv/bin/python bench/bench_backup.py --files 100 --mb 10 --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test

The records are added straight to the catalog (a record and its original per file) so that the
figures are of the backup, not of OCR. Each run prints our figure and the reference measured
in the same run on the same data.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg
from sqlalchemy.engine import make_url

from archive.audit.service import CLI
from archive.catalog.models import OriginalFile, Record
from config.settings import load_settings
from indexer.context import Lantai, set_current
from preservation.backup import create_backup
from preservation.catalog_copy import libpq_url
from preservation.restore import restore_backup


def fill(lantai: Lantai, work: Path, files: int, mb: int) -> int:
    """``files`` originals of ``mb`` MB of random bytes, each with its record; the bytes stored."""
    total = 0
    for i in range(files):
        path = work / f"scan{i}.bin"
        path.write_bytes(os.urandom(mb * 1_000_000))
        stored = lantai.storage.put_original(path)
        path.unlink()
        with lantai.catalog.session() as session:
            record = Record(title=f"扫描件 {i}", status="done", access_level="internal")
            session.add(record)
            session.flush()
            session.add(OriginalFile(record_id=record.id, sha256=stored.sha256, size=stored.size,
                                     mime_type="application/octet-stream", original_filename=path.name,
                                     storage_key=stored.key))
        total += stored.size
    return total


def timed(label: str, size: int, run: object) -> float:
    """Run ``run()`` and print its MB/s."""
    started = time.perf_counter()
    run()  # type: ignore[operator]
    seconds = time.perf_counter() - started
    print(f"  {label:<46} {seconds:7.2f} s  {size / 1e6 / seconds:8.1f} MB/s")
    return seconds


def new_database(url: str) -> str:
    name = f"lantai_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str, admin: str) -> None:
    with psycopg.connect(libpq_url(admin), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


def lantai_on(data_dir: Path, database_url: str | None) -> Lantai:
    env = {"LANTAI_DATA_DIR": str(data_dir)}
    if database_url:
        env["LANTAI_DATABASE_URL"] = database_url
    lantai = Lantai(load_settings(env))
    lantai.catalog.upgrade()
    set_current(lantai)
    return lantai


def bench(root: Path, files: int, mb: int, admin: str, postgres: bool) -> None:
    made: list[str] = []
    # Restores go to the other database: SQLite to PostgreSQL, PostgreSQL to SQLite.
    source_url = new_database(admin) if postgres else None
    target_url = None if postgres else new_database(admin)
    made.extend(url for url in (source_url, target_url) if url)
    print(f"catalog {'PostgreSQL' if postgres else 'SQLite'} (restored onto the other); {files} originals of {mb} MB")
    try:
        source = lantai_on(root / "var", source_url)
        size = fill(source, root, files, mb)
        timed("reference: cp -r data dir", size, lambda: shutil.copytree(root / "var", root / "cp-copy"))
        if source_url:
            timed("reference: pg_dump -Fc (catalog only; no MB/s)", 1, lambda: subprocess.run(
                ["pg_dump", "-Fc", "-f", str(root / "ref.pgdump"), libpq_url(source_url)], check=True))
        timed("lantai backup create (first)", size, lambda: create_backup(source, root / "backup", actor=CLI))
        timed("lantai backup create (again, incremental)", size,
              lambda: create_backup(source, root / "backup", actor=CLI))
        source.close()
        target = lantai_on(root / "restored", target_url)
        timed("lantai backup restore (with checks, reindex)", size,
              lambda: restore_backup(target, root / "backup", actor=CLI))
        target.close()
        timed("reference: cp -r backup folder", size, lambda: shutil.copytree(root / "backup", root / "cp-backup"))
    finally:
        set_current(None)
        for url in made:
            drop_database(url, admin)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=40)
    parser.add_argument("--mb", type=int, default=5)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    for postgres in (False, True):
        with tempfile.TemporaryDirectory(prefix="lantai-bench-backup-") as tmp:
            bench(Path(tmp), args.files, args.mb, args.postgres, postgres)


if __name__ == "__main__":
    main()
