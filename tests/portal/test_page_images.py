"""Pictures of born-digital PDF pages: rendered from the original when first shown, then kept."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select

from archive.audit.service import CLI
from archive.catalog.models import Page
from archive.vocabulary import PageSource
from indexer.context import Lantai
from indexer.ingest import submit_file
from indexer.process import process_job
from tests.extract.conftest import data_file


def ingest(lantai: Lantai, path: Path) -> int:
    """Run the real pipeline on one file; the record id."""
    submission = submit_file(lantai, path, metadata={"access": "open"}, dispatch=False, actor=CLI)
    assert submission.job_id is not None
    outcome = process_job(lantai, submission.job_id, dispatch_children=False)
    assert outcome.status == "done", outcome.error
    assert outcome.record_id is not None
    return outcome.record_id


def page_row(lantai: Lantai, record_id: int, number: int) -> Page:
    with lantai.catalog.session() as session:
        page = session.scalar(select(Page).where(Page.record_id == record_id, Page.number == number))
        assert page is not None
        session.expunge(page)
        return page


def test_text_layer_page_picture_is_rendered_on_first_view_and_kept(app: Flask, client: FlaskClient) -> None:
    lantai: Lantai = app.extensions["lantai"]
    record_id = ingest(lantai, data_file("pdflatex-4-pages.pdf"))
    page = page_row(lantai, record_id, 2)
    assert page.source == PageSource.TEXT_LAYER and page.image_key and page.thumbnail_key
    assert not lantai.storage.has_derivative(page.image_key)  # nothing rendered while ingesting

    response = client.get(f"/records/{record_id}/pages/2/image")
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    picture = Image.open(io.BytesIO(response.data))
    assert picture.size == (page.width, page.height)  # the size the word boxes were computed for
    assert lantai.storage.has_derivative(page.image_key)
    # a word box of the page lies on ink of the rendered picture
    text, _, left, top, width, height = next(w for w in page.words if len(w[0]) > 3)
    assert picture.convert("L").crop((left, top, left + width, top + height)).getextrema()[0] < 128, text

    thumb = client.get(f"/records/{record_id}/pages/3/thumbnail")
    assert thumb.status_code == 200
    assert Image.open(io.BytesIO(thumb.data)).width == 240
    assert not lantai.storage.has_derivative(page_row(lantai, record_id, 3).image_key or "")  # only the thumbnail

    # kept: the second request is served from the stored file, even with the original unreadable
    stored = lantai.storage.derivative_path(page.image_key)
    assert client.get(f"/records/{record_id}/pages/2/image").data == stored.read_bytes()


def test_picture_that_cannot_be_rendered_is_a_clear_404(app: Flask, client: FlaskClient, tmp_path: Path) -> None:
    lantai: Lantai = app.extensions["lantai"]
    record_id = ingest(lantai, data_file("pdflatex-4-pages.pdf"))
    page = page_row(lantai, record_id, 1)
    with lantai.catalog.session() as session:
        from archive.catalog.models import Record

        record = session.get(Record, record_id)
        assert record is not None and record.original is not None
        original = lantai.storage.original_path(record.original.storage_key)
    # damage the stored original (the store keeps it read-only; a disk error could still do this)
    backup = tmp_path / "backup.pdf"
    shutil.copy(original, backup)
    original.chmod(0o644)
    original.write_bytes(b"%PDF-1.4 broken")
    try:
        response = client.get(f"/records/{record_id}/pages/1/image")
        assert response.status_code == 404
        body = response.get_data(as_text=True)
        assert "此页图像无法生成" in body or "cannot be rendered" in body
        assert not lantai.storage.has_derivative(page.image_key or "")
        # the rest of the portal is unaffected
        assert client.get(f"/records/{record_id}/pages/1/text").status_code == 200
    finally:
        original.write_bytes(backup.read_bytes())
        original.chmod(0o444)


def ink(data: bytes) -> int:
    """How many pixels of a picture are dark (text), not blank paper."""
    return sum(Image.open(io.BytesIO(data)).convert("L").histogram()[:160])


def test_first_thumbnail_of_a_born_digital_record_is_ready_before_anyone_looks(app: Flask, client: FlaskClient) -> None:
    lantai: Lantai = app.extensions["lantai"]
    record_id = ingest(lantai, data_file("pdflatex-4-pages.pdf"))
    first, second = page_row(lantai, record_id, 1), page_row(lantai, record_id, 2)
    assert first.thumbnail_key and lantai.storage.has_derivative(first.thumbnail_key)  # made at ingest
    assert not lantai.storage.has_derivative(first.image_key or "")  # the rest waits for a first view
    assert not lantai.storage.has_derivative(second.thumbnail_key or "")
    stored = lantai.storage.derivative_path(first.thumbnail_key).read_bytes()
    assert ink(stored) > 50
    assert client.get(f"/records/{record_id}/pages/1/thumbnail").data == stored


def test_thumbnail_asked_for_before_the_page_image_shows_the_page(app: Flask, client: FlaskClient) -> None:
    lantai: Lantai = app.extensions["lantai"]
    record_id = ingest(lantai, data_file("simple3.pdf"))
    page = page_row(lantai, record_id, 1)
    lantai.storage.derivative_path(page.thumbnail_key or "").unlink()  # a record ingested before this change
    thumb = client.get(f"/records/{record_id}/pages/1/thumbnail")
    assert thumb.status_code == 200 and ink(thumb.data) > 50
    image = client.get(f"/records/{record_id}/pages/1/image")
    assert image.status_code == 200 and ink(image.data) > ink(thumb.data)
    assert client.get(f"/records/{record_id}/pages/1/thumbnail").data == thumb.data  # kept, not redrawn


def test_pdfium_is_called_from_one_module_under_its_lock() -> None:
    """pdfium is not thread-safe and the portal renders first-view pictures in its request threads:
    a pdfium call elsewhere (the stamped download used to repair PDFs itself) could run beside a
    render and spoil it, so every call lives in ``indexer/extract/pdf.py`` behind ``PDFIUM_LOCK``."""
    root = Path(__file__).resolve().parents[2]
    users = sorted(
        str(path.relative_to(root))
        for package in ("archive", "indexer", "portal", "ocr", "cli", "collection", "lifecycle", "preservation")
        for path in (root / package).rglob("*.py")
        if "pypdfium2" in path.read_text(encoding="utf-8")
    )
    assert users == ["indexer/extract/pdf.py"]
