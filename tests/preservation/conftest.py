"""An archive with a few records on SQLite or PostgreSQL, ingested through the real pipeline."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from archive.audit.service import CLI
from indexer.context import Lantai, set_current
from indexer.ingest import submit_file
from indexer.process import process_job
from tests.conftest import create_postgres_database, drop_postgres_database, make_settings

TEXTS = {
    "notice.txt": "关于做好二〇二四年度文书档案归档工作的通知",
    "minutes.txt": "校务会议纪要：讨论教学楼维修经费",
    "report.txt": "Annual report on the digitization of student records",
}


def ingest_text(lantai: Lantai, folder: Path, name: str, body: str) -> int:
    """Ingest one text file through the pipeline; its record id."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(body, encoding="utf-8")
    submission = submit_file(lantai, path, dispatch=False, actor=CLI)
    assert submission.job_id and submission.record_id
    process_job(lantai, submission.job_id, dispatch_children=False)
    return submission.record_id


def open_archive(data_dir: Path, database_url: str | None) -> Lantai:
    """A Lantai on ``data_dir`` and the catalog at ``database_url`` (None: SQLite in the data dir)."""
    overrides = {"database_url": database_url} if database_url else {}
    lantai = Lantai(make_settings(data_dir, **overrides))
    lantai.catalog.upgrade()
    return lantai


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def dialect(request: pytest.FixtureRequest) -> str:
    """The source catalog's database; restores go to the other one."""
    return str(request.param)


@pytest.fixture
def databases() -> Iterator[list[str]]:
    """PostgreSQL databases a test asks for with ``databases.append(create_postgres_database())``."""
    made: list[str] = []
    yield made
    for url in made:
        drop_postgres_database(url)


@pytest.fixture
def source(tmp_path: Path, dialect: str, databases: list[str]) -> Iterator[Lantai]:
    """A small archive (three records) on ``dialect``."""
    url = None
    if dialect == "postgresql":
        url = create_postgres_database()
        databases.append(url)
    lantai = open_archive(tmp_path / "var", url)
    set_current(lantai)
    for name, body in TEXTS.items():
        ingest_text(lantai, tmp_path / "in", name, body)
    yield lantai
    set_current(None)
    lantai.close()


def other_catalog(dialect: str, tmp_path: Path, databases: list[str]) -> str | None:
    """A new empty catalog on the other database (None: SQLite in the data dir)."""
    if dialect == "sqlite":
        url = create_postgres_database()
        databases.append(url)
        return url
    return None
