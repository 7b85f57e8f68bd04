"""The OCR engine and script of a batch, end to end: chosen by setting, by ``--ocr-engine``,
by a manifest column; a bad choice fails its own record (or start-up) with a message in both
languages; and a vertical Traditional page is found by a Simplified phrase."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from archive.audit.service import CLI
from archive.catalog.models import Page, Record
from cli.main import main
from config.errors import ConfigurationError
from indexer.context import Lantai
from indexer.extract.ocrpages import check_ocr_engine
from indexer.ingest import submit_file
from indexer.process import process_job
from indexer.search.base import SearchRequest
from tests.conftest import DATA
from tests.search.conftest import EVERY_LEVEL

VERTICAL = DATA / "text_vertical_words.png"


def _ingest(lantai: Lantai, path: Path, **options: object) -> Record:
    submission = submit_file(lantai, path, dispatch=False, actor=CLI, **options)  # type: ignore[arg-type]
    assert submission.job_id is not None
    process_job(lantai, submission.job_id)
    with lantai.catalog.session() as session:
        record = session.get(Record, submission.record_id)
        assert record is not None
        _ = record.pages
        session.expunge_all()
        return record


def _pages(lantai: Lantai, record_id: int) -> list[Page]:
    with lantai.catalog.session() as session:
        pages = list(session.scalars(select(Page).where(Page.record_id == record_id).order_by(Page.number)))
        session.expunge_all()
        return pages


def test_vertical_traditional_page_found_by_a_simplified_phrase(lantai: Lantai) -> None:
    """A batch that names no languages: the 竖排 Traditional photo is read in columns, in its
    own script, and a Simplified query finds it."""
    record = _ingest(lantai, VERTICAL)
    assert record.status == "done" and record.ocr_languages is None
    (page,) = _pages(lantai, record.id)
    assert "問之人" in page.text  # read as written
    response = lantai.search.search(SearchRequest(query='"不得问之人要取之"', clearance=EVERY_LEVEL))
    assert [hit.id for hit in response.hits] == [record.id]


def test_batch_chooses_its_engine(lantai: Lantai, tmp_path: Path) -> None:
    """``--ocr-engine rapidocr`` for one batch; the setting's engine for the rest."""
    shutil.copy(VERTICAL, tmp_path / "竖排.png")
    env = {"LANTAI_DATA_DIR": str(lantai.settings.data_dir)}
    result = CliRunner().invoke(
        main, ["ingest", str(tmp_path / "竖排.png"), "--ocr-engine", "rapidocr", "--inline", "--workers", "1"], env=env
    )
    assert result.exit_code == 0, result.output
    with lantai.catalog.session() as session:
        record = session.scalars(select(Record)).one()
        assert record.extra["ocr_engine"] == "rapidocr"
        (page,) = record.pages
        # RapidOCR's reading, not Tesseract's: its character boxes come from line boxes cut evenly
        assert page.confidence is not None and page.confidence > 85
        assert "是非不得問之人要取之" in page.text


def test_unknown_engine_on_the_command_line_is_refused(lantai: Lantai) -> None:
    env = {"LANTAI_DATA_DIR": str(lantai.settings.data_dir)}
    result = CliRunner().invoke(main, ["ingest", str(VERTICAL), "--ocr-engine", "paddle", "--inline"], env=env)
    assert result.exit_code != 0
    assert "paddle" in result.output and "未知的文字识别引擎" in result.output


def test_unknown_engine_in_a_manifest_fails_that_row_only(lantai: Lantai, tmp_path: Path) -> None:
    shutil.copy(VERTICAL, tmp_path / "a.png")
    (tmp_path / "b.txt").write_text("关于做好档案归档工作的通知", encoding="utf-8")
    manifest = tmp_path / "清单.csv"
    with manifest.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["文件", "题名", "文字识别引擎"])
        writer.writerow(["a.png", "竖排照片", "paddle"])
        writer.writerow(["b.txt", "通知", ""])
    env = {"LANTAI_DATA_DIR": str(lantai.settings.data_dir)}
    result = CliRunner().invoke(main, ["ingest", "--manifest", str(manifest), "--inline", "--workers", "1"], env=env)
    assert result.exit_code == 1
    with lantai.catalog.session() as session:
        records = {r.title: r for r in session.scalars(select(Record))}
        failed = records["竖排照片"]
        assert failed.status == "failed" and failed.error_code == "ocr_engine_unavailable"
        assert failed.error_message is not None
        assert "paddle" in failed.error_message and "未知的文字识别引擎" in failed.error_message
        assert records["通知"].status == "done"


def test_bad_engine_setting_stops_start_up(lantai: Lantai) -> None:
    with pytest.raises(ConfigurationError) as caught:
        check_ocr_engine("paddle")
    assert "LANTAI_OCR_ENGINE" in caught.value.message_en and "未知" in caught.value.message_zh
    env = {"LANTAI_DATA_DIR": str(lantai.settings.data_dir), "LANTAI_OCR_ENGINE": "paddle"}
    result = CliRunner().invoke(main, ["ingest", str(VERTICAL), "--inline"], env=env)
    assert result.exit_code != 0 and "LANTAI_OCR_ENGINE" in result.output


def test_upload_and_api_fields_choose_the_engine(lantai: Lantai, tmp_path: Path) -> None:
    """The upload form and the API pass ``ocr_engine`` and ``language`` as metadata fields."""
    from portal.upload.views import METADATA_FIELDS

    assert {"ocr_engine", "language"} <= set(METADATA_FIELDS)
    path = tmp_path / "a.txt"
    path.write_text("关于做好档案归档工作的通知", encoding="utf-8")
    metadata = {"ocr_engine": "RapidOCR", "language": "chi_tra"}
    submission = submit_file(lantai, path, metadata=metadata, dispatch=False, actor=CLI)
    with lantai.catalog.session() as session:
        record = session.get(Record, submission.record_id)
        assert record is not None
        assert record.extra["ocr_engine"] == "rapidocr" and record.ocr_languages == "chi_tra"
