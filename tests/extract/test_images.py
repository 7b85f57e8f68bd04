"""The image extractor on real scans: one OCR'd page per frame, photos catalogued with EXIF."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from archive.vocabulary import PageSource
from indexer.extract.base import ExtractContext, extractor_for
from indexer.extract.exif import read_exif
from indexer.extract.images import ImageExtractor
from tests.extract.conftest import all_pages, data_file, squash


def extract(path: Path, ctx: ExtractContext, mime: str = "image/tiff") -> tuple[dict, list]:
    """Metadata and every page of an image file."""
    extraction = ImageExtractor().extract(path, mime, ctx)
    return extraction.metadata, all_pages(extraction)


@pytest.mark.parametrize("mime", ["image/tiff", "image/png", "image/jpeg", "image/bmp", "image/webp"])
def test_registered(mime: str) -> None:
    assert isinstance(extractor_for(mime), ImageExtractor)


def test_bilevel_tiff_scan_is_ocrd(make_ctx: Callable[..., ExtractContext], ocr_engine, unchanged) -> None:
    path = unchanged(data_file("phototest.tif"))
    _, (page,) = extract(path, make_ctx(ocr=ocr_engine, languages=("eng",)))
    assert page.source == PageSource.OCR
    assert "quick brown dog jumped over the lazy fox" in " ".join(page.text.split())
    assert page.image is not None and page.image.size == (page.width, page.height)
    quick = next(w for w in page.words if w[0] == "quick")
    assert 0 < quick[2] < page.width and 0 < quick[3] < page.height


def test_transparent_png_chinese(make_ctx: Callable[..., ExtractContext], ocr_engine, unchanged) -> None:
    path = unchanged(data_file("black_font_color_transparent.png"))
    _, (page,) = extract(path, make_ctx(ocr=ocr_engine, languages=("chi_sim",)), "image/png")
    assert squash(page.text) == "我是中国人"  # black text on transparent must not become black on black


def test_multipage_g4_tiff(
    tmp_path: Path, make_ctx: Callable[..., ExtractContext], ocr_engine
) -> None:
    photo = Image.open(data_file("phototest.tif")).convert("1")
    top = photo.crop((0, 80, 640, 200))
    bottom = photo.crop((0, 200, 640, 330))
    path = tmp_path / "two.tif"
    top.save(path, compression="group4", save_all=True, append_images=[bottom], dpi=(200, 200))
    assert Image.open(path).info["compression"] == "group4"
    seen: list[tuple[int, int | None]] = []
    _, pages = extract(path, make_ctx(ocr=ocr_engine, languages=("eng",),
                                      on_progress=lambda d, t: seen.append((d, t))))
    assert [p.number for p in pages] == [1, 2]
    assert all(p.source == PageSource.OCR for p in pages)
    assert "12 point text" in pages[0].text
    assert "quick brown dog" in pages[1].text
    assert seen == [(1, 2), (2, 2)]


def test_jpeg_bmp_webp_scans(tmp_path: Path, make_ctx: Callable[..., ExtractContext], ocr_engine) -> None:
    crop = Image.open(data_file("phototest.tif")).convert("L").crop((0, 80, 640, 200))
    ctx = make_ctx(ocr=ocr_engine, languages=("eng",))
    for fmt, mime in (("JPEG", "image/jpeg"), ("BMP", "image/bmp"), ("WEBP", "image/webp")):
        path = tmp_path / f"scan.{fmt.lower()}"
        crop.save(path, format=fmt, quality=95)
        metadata, (page,) = extract(path, ctx, mime)
        assert page.source == PageSource.OCR, fmt
        assert "12 point text" in page.text, fmt
        assert "carrier" not in metadata


def _camera_jpeg(path: Path, image: Image.Image | None = None) -> None:
    """A JPEG as a camera writes it: Make, Model and DateTimeOriginal in EXIF."""
    image = image or Image.new("RGB", (320, 240), (90, 140, 200))
    exif = Image.Exif()
    exif[0x010F] = "Canon"
    exif[0x0110] = "Canon EOS 5D Mark IV"
    exif[0x0132] = "2020:01:01 00:00:00"
    exif.get_ifd(0x8769)[0x9003] = "2019:04:25 13:05:09"
    image.save(path, format="JPEG", exif=exif)


def test_camera_photo_is_catalogued_not_ocrd(
    tmp_path: Path, make_ctx: Callable[..., ExtractContext], ocr_engine
) -> None:
    path = tmp_path / "photo.jpg"
    _camera_jpeg(path)
    metadata, (page,) = extract(path, make_ctx(ocr=ocr_engine), "image/jpeg")
    assert metadata["carrier"] == "photo"
    assert metadata["captured_at"] == "2019-04-25T13:05:09"
    assert metadata["camera_make"] == "Canon"
    assert metadata["camera_model"] == "Canon EOS 5D Mark IV"
    assert page.source == PageSource.NONE and page.text == "" and page.error is None
    assert page.image is not None and page.image.size == (320, 240)


def test_read_exif_without_exif() -> None:
    assert read_exif(Image.open(data_file("phototest.tif"))) == {}


def test_scan_without_engine(make_ctx: Callable[..., ExtractContext]) -> None:
    _, (page,) = extract(data_file("eurotext.tif"), make_ctx(ocr=None))
    assert page.source == PageSource.NONE
    assert page.image is not None and page.image.size == (1024, 800)
    assert page.error is not None and "OCR" in page.error.message_en


def test_phone_photo_of_a_document_is_read(
    tmp_path: Path, make_ctx: Callable[..., ExtractContext], ocr_engine
) -> None:
    """A document photographed with a phone (camera EXIF) holds text: it is OCR'd, not filed
    as a photo without text."""
    page_image = Image.open(data_file("phototest.tif")).convert("RGB")
    # paper under room light: warm gray, not white
    tinted = Image.blend(page_image, Image.new("RGB", page_image.size, (205, 190, 160)), 0.25)
    path = tmp_path / "IMG_2024.jpg"
    _camera_jpeg(path, tinted)
    metadata, (page,) = extract(path, make_ctx(ocr=ocr_engine), "image/jpeg")
    assert page.source == PageSource.OCR
    assert "12 point text" in page.text
    assert "carrier" not in metadata
    assert metadata["camera_make"] == "Canon"  # the EXIF is still catalogued


def test_photo_of_a_scene_stays_a_photo_without_text(
    tmp_path: Path, make_ctx: Callable[..., ExtractContext], ocr_engine
) -> None:
    """A real photograph of a scene (scikit-learn's sample photo of a flower) gives no junk text."""
    import sklearn.datasets

    flower = Path(sklearn.datasets.__file__).parent / "images" / "flower.jpg"
    path = tmp_path / "flower.jpg"
    _camera_jpeg(path, Image.open(flower).convert("RGB"))
    metadata, (page,) = extract(path, make_ctx(ocr=ocr_engine), "image/jpeg")
    assert metadata["carrier"] == "photo"
    assert page.source == PageSource.NONE and page.text == "" and page.words == []
    assert page.image is not None and page.image.mode == "RGB"  # kept in its colours
