"""Findings 5l: a NUL in a file name must not fail a good file; a file refused at submission is
a record like any other, so ``lantai index check`` finds nothing missing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from archive.audit.service import CLI
from archive.catalog.models import OriginalFile, Record
from cli.main import main
from config.settings import Settings
from indexer.context import Lantai, set_current
from indexer.ingest import submit_file
from indexer.process import process_job
from indexer.search.base import SearchRequest
from tests.conftest import make_settings
from tests.search.conftest import EVERY_LEVEL


@pytest.fixture
def on_each_database(catalog_url: str, tmp_path: Path) -> Iterator[Lantai]:
    """A Lantai on SQLite and on PostgreSQL (which refuses NUL in text)."""
    settings: Settings = make_settings(tmp_path / "var", database_url=catalog_url)
    ctx = Lantai(settings)
    ctx.catalog.upgrade()
    set_current(ctx)
    yield ctx
    set_current(None)
    ctx.close()


def test_a_nul_in_the_name_does_not_fail_a_good_file(on_each_database: Lantai, tmp_path: Path) -> None:
    lantai = on_each_database
    path = tmp_path / "upload.bin"
    path.write_text("关于做好档案归档工作的通知", encoding="utf-8")
    submission = submit_file(lantai, path, filename="通知\x00\x07.txt", dispatch=False, actor=CLI)
    assert submission.job_id is not None and submission.outcome == "queued"
    process_job(lantai, submission.job_id, dispatch_children=False)
    with lantai.catalog.session() as session:
        record = session.get(Record, submission.record_id)
        assert record is not None and record.status == "done"
        stored = session.scalar(select(OriginalFile.original_filename).where(OriginalFile.record_id == record.id))
        assert stored is not None and "\x00" not in stored and stored.endswith(".txt") and "通知" in stored
        assert "\x00" not in (record.title or "")


def test_a_file_refused_at_submission_is_indexed(lantai: Lantai, tmp_path: Path) -> None:
    empty = tmp_path / "空白.pdf"
    empty.write_bytes(b"")
    submission = submit_file(lantai, empty, dispatch=False, actor=CLI)
    assert submission.outcome == "failed"
    found = lantai.search.search(SearchRequest(clearance=EVERY_LEVEL, query="空白"))
    assert submission.record_id in [hit.id for hit in found.hits]
    result = CliRunner().invoke(main, ["index", "check"], obj=lantai)
    assert result.exit_code == 0, result.output
