"""Preservation copies (双层 PDF): every scanned record gets a PDF/A-2b made from its stored OCR
(no second OCR pass) whose text pdfminer.six reads back as the record's OCR text; born-digital
records get none; a missing copy is rebuilt."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pikepdf
import pytesseract
import pytest
from PIL import Image
from sqlalchemy import select

from archive.audit.service import CLI
from archive.catalog.models import Page
from archive.vocabulary import PageSource
from indexer import preservation_copy as preservation
from indexer.context import Lantai
from indexer.ingest import submit_file
from indexer.pdfa import PdfPage, PreservationError, build, check, read_texts
from indexer.process import process_job
from ocr.quality import normalize_for_cer
from tests.conftest import DATA
from tests.ocr.conftest import render_lines

LINES = [
    "关于做好二〇二三年度档案归档工作的通知",
    "各学校请于六月底前完成文书档案的整理 Phone 123",
    "联系人：办公室王老师",
]


def _ingest(lantai: Lantai, path: Path) -> tuple[int, list[Page]]:
    submission = submit_file(lantai, path, dispatch=False, actor=CLI)
    assert submission.job_id is not None and submission.record_id is not None
    process_job(lantai, submission.job_id)
    with lantai.catalog.session() as session:
        pages = list(session.scalars(select(Page).where(Page.record_id == submission.record_id).order_by(Page.number)))
        session.expunge_all()
    return submission.record_id, pages


def _copy(lantai: Lantai, record_id: int) -> bytes:
    with lantai.storage.open_derivative(preservation.preservation_key(record_id)) as handle:
        return handle.read()


def test_scanned_image_gets_a_pdfa_whose_text_is_its_ocr_text(lantai: Lantai, tmp_path: Path) -> None:
    scan = tmp_path / "通知.png"
    render_lines(LINES).save(scan, dpi=(300, 300))
    record_id, pages = _ingest(lantai, scan)
    assert [p.source for p in pages] == [PageSource.OCR]
    data = _copy(lantai, record_id)
    result = check(data, [p.text for p in pages])
    assert result.ok, result.problems
    assert result.pdfa == "2B"
    (read_back,) = read_texts(data)
    assert normalize_for_cer(read_back) == normalize_for_cer(pages[0].text)
    assert "档案归档工作" in read_back
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert len(pdf.pages) == 1
        assert pdf.Root.OutputIntents[0].S == "/GTS_PDFA1"
        font = pdf.pages[0].Resources.Font.F0
        assert "/FontFile2" in font.DescendantFonts[0].FontDescriptor  # embedded
        image = pdf.pages[0].Resources.XObject.Im0
        assert image.Filter == "/DCTDecode"  # the stored page image, not compressed again


def test_image_only_pdf_gets_a_copy_page_for_page(lantai: Lantai, tmp_path: Path) -> None:
    shutil.copy(DATA / "c02-22.pdf", tmp_path / "c02-22.pdf")
    record_id, pages = _ingest(lantai, tmp_path / "c02-22.pdf")
    data = _copy(lantai, record_id)
    result = check(data, [p.text for p in pages])
    assert result.ok, result.problems
    assert "tip-toeing along a path" in result.texts[0]


def test_born_digital_record_gets_no_copy(lantai: Lantai, tmp_path: Path) -> None:
    shutil.copy(DATA / "simple3.pdf", tmp_path / "simple3.pdf")
    record_id, pages = _ingest(lantai, tmp_path / "simple3.pdf")
    assert all(p.source == PageSource.TEXT_LAYER for p in pages)
    assert not lantai.storage.has_derivative(preservation.preservation_key(record_id))
    with pytest.raises(PreservationError) as caught:
        preservation.ensure(lantai, record_id)
    assert "长期保存格式" in caught.value.message_zh and "preservation" in caught.value.message_en


def test_copy_is_rebuilt_from_stored_ocr_without_reading_again(
    lantai: Lantai, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Derivatives can be rebuilt; the copy is made from the catalog's words, so it is made
    even when OCR cannot run at all (fault injected: no tesseract)."""
    scan = tmp_path / "scan.png"
    render_lines(LINES[:2]).save(scan, dpi=(300, 300))
    record_id, _pages = _ingest(lantai, scan)
    key = preservation.preservation_key(record_id)
    first = _copy(lantai, record_id)
    lantai.storage.derivative_path(key).unlink()  # the copy lost, the page images kept
    assert not lantai.storage.has_derivative(key)

    def no_ocr(*_args: object, **_kwargs: object) -> str:
        raise AssertionError("OCR was run again")

    monkeypatch.setattr(pytesseract, "image_to_data", no_ocr)
    assert preservation.ensure(lantai, record_id) == key
    assert read_texts(_copy(lantai, record_id)) == read_texts(first)


def test_columns_of_vertical_text_are_read_back_in_order() -> None:
    """A word taller than wide (a 竖排 column read whole) is set character by character."""
    picture = io.BytesIO()
    Image.new("L", (300, 600), 255).save(picture, "JPEG")
    words = [["档案归档", 90, 200, 20, 60, 260], ["工作通知", 90, 100, 20, 60, 260]]
    data = build([PdfPage(picture.getvalue(), 300, 600, words, "档案归档工作通知")], "竖排")
    result = check(data, ["档案归档工作通知"])
    assert result.ok, result.problems


def test_a_copy_that_lies_fails_its_check(tmp_path: Path) -> None:
    picture = io.BytesIO()
    Image.new("RGB", (300, 100), "white").save(picture, "JPEG")
    data = build([PdfPage(picture.getvalue(), 300, 100, [["档案", 90, 10, 10, 80, 40]], "档案")], "t")
    assert not check(data, ["别的文字"]).ok
    with pikepdf.open(io.BytesIO(data)) as pdf:
        with pdf.open_metadata() as meta:
            meta["pdfaid:part"] = "1"
        out = tmp_path / "bad.pdf"
        pdf.save(out)
    assert any("not 2B" in p for p in check(out.read_bytes()).problems)
