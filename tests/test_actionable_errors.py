"""Item 4 of issue 11: errors a user can act on. No work-folder path in a record's message, no
library English inside the Chinese half, and the portal shows the reader's language only."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select

from archive.audit.service import CLI
from archive.catalog.models import Record
from config.errors import LantaiError, without_work_paths
from indexer.context import Lantai
from indexer.ingest import submit_file
from indexer.process import process_job
from tests.conftest import DATA

ENGLISH_SENTENCE = re.compile(r"[A-Za-z]{2,} [A-Za-z]{2,} [A-Za-z]{2,}")


def broken_files(tmp_path: Path) -> dict[str, bytes]:
    """Damaged files whose library errors name the path they were read from."""
    png = (DATA / "black_font_color_transparent.png").read_bytes()
    return {
        "扫描件.png": png[: len(png) // 2],
        "合同.pdf": (DATA / "invalid.pdf").read_bytes(),
        "说明.tif": b"II*\x00" + b"\x00" * 40,
        "归档.zip": b"PK\x03\x04" + b"\x00" * 60,
    }


def test_a_damaged_file_is_named_not_its_work_path_and_the_chinese_is_chinese(
    lantai: Lantai, tmp_path: Path
) -> None:
    for name, data in broken_files(tmp_path).items():
        source = tmp_path / f"in-{len(data)}"
        source.write_bytes(data)
        submission = submit_file(lantai, source, filename=name, dispatch=False, actor=CLI)
        if submission.job_id is not None and submission.outcome == "queued":
            process_job(lantai, submission.job_id, dispatch_children=False)
        with lantai.catalog.session() as session:
            record = session.scalar(select(Record).where(Record.id == submission.record_id))
            assert record is not None and record.status == "failed", name
            message = record.error_message or ""
        zh, _sep, en = message.partition(" / ")
        assert "work-" not in message and str(lantai.settings.data_dir) not in message, message
        assert not ENGLISH_SENTENCE.search(zh), message
        assert zh and en, message


def test_work_paths_are_cut_to_the_file_name() -> None:
    error = LantaiError(
        "cannot identify image file '/srv/var/tmp/work-x1y2/original/扫描 1.png'",
        "无法读取 /srv/var/tmp/work-x1y2/original/扫描 1.png",
    )
    assert error.message_en == "cannot identify image file '扫描 1.png'"
    assert error.message_zh == "无法读取 扫描 1.png"
    assert without_work_paths("see https://example.org/a/b") == "see https://example.org/a/b"
