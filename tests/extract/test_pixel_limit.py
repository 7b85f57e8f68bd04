"""Finding 5l and item 4: the default pixel limit fits the default memory cap, a lower cap lowers
the limit, and a refused pixel flood names the file and the settings that would admit it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from archive.audit.service import CLI
from archive.catalog.models import Record
from config.settings import IMAGE_BYTES_PER_PIXEL, IMAGE_MEMORY_HEADROOM_MB, load_settings
from indexer.context import Lantai, set_current
from indexer.extract.base import ExtractContext, ResourceLimitExceeded
from indexer.extract.images import ImageExtractor
from indexer.ingest import submit_file
from indexer.process import process_job
from tests.conftest import make_settings
from tests.extract.test_hostile import pixel_flood_png

MIB = 1024 * 1024


def test_the_default_pixel_limit_fits_the_default_memory_cap() -> None:
    settings = load_settings({})
    assert settings.image_pixel_limit == settings.max_image_pixels
    needed = settings.max_image_pixels * IMAGE_BYTES_PER_PIXEL + IMAGE_MEMORY_HEADROOM_MB * MIB
    assert needed <= settings.document_memory_mb * MIB


def test_a_smaller_memory_cap_lowers_the_pixel_limit() -> None:
    small = load_settings({"LANTAI_DOCUMENT_MEMORY_MB": "1024"})
    assert small.image_pixel_limit == (1024 - IMAGE_MEMORY_HEADROOM_MB) * MIB // IMAGE_BYTES_PER_PIXEL
    generous = load_settings({"LANTAI_DOCUMENT_MEMORY_MB": "1024", "LANTAI_MAX_IMAGE_PIXELS": "900000000"})
    assert generous.image_pixel_limit == small.image_pixel_limit
    big = load_settings({"LANTAI_DOCUMENT_MEMORY_MB": "16384", "LANTAI_MAX_IMAGE_PIXELS": "300000000"})
    assert big.image_pixel_limit == 300_000_000


def test_a_refused_flood_names_the_file_and_the_setting(tmp_path: Path) -> None:
    # 6400 x 6400 = 41 MP: under the default limit, over what a 1 GiB process can decode.
    settings = make_settings(tmp_path / "var", document_memory_mb="1024")
    lantai = Lantai(settings)
    lantai.catalog.upgrade()
    set_current(lantai)
    try:
        source = tmp_path / "upload.png"
        pixel_flood_png(source, side=6400)
        submission = submit_file(lantai, source, filename="校园平面图.png", dispatch=False, actor=CLI)
        assert submission.job_id is not None
        process_job(lantai, submission.job_id, dispatch_children=False)
        with lantai.catalog.session() as session:
            record = session.scalar(select(Record).where(Record.id == submission.record_id))
            assert record is not None and record.status == "failed"
            message = record.error_message or ""
    finally:
        set_current(None)
        lantai.close()
    zh, _sep, en = message.partition(" / ")
    assert "校园平面图.png" in zh and "LANTAI_MAX_IMAGE_PIXELS" in zh and "LANTAI_DOCUMENT_MEMORY_MB" in zh
    assert "校园平面图.png" in en and "LANTAI_MAX_IMAGE_PIXELS" in en
    assert "work-" not in message and str(tmp_path) not in message and "original/" not in message


def test_a_flood_pillow_refuses_first_is_named_too(tmp_path: Path) -> None:
    """Beyond twice the limit Pillow itself refuses the header; the message is the same."""
    path = tmp_path / "海报.png"
    pixel_flood_png(path, side=35000)
    with pytest.raises(ResourceLimitExceeded) as info:
        ImageExtractor().extract(path, "image/png", ExtractContext())
    assert "海报.png" in info.value.message_en and "LANTAI_MAX_IMAGE_PIXELS" in info.value.message_en
    assert "海报.png" in info.value.message_zh and "LANTAI_MAX_IMAGE_PIXELS" in info.value.message_zh
    assert str(tmp_path) not in info.value.message_en + info.value.message_zh
