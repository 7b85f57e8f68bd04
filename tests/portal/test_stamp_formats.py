"""Stamped downloads of every format that ingests (finding 5f of issue 11): a multi-page TIFF
keeps every page, a CCITT G4 TIFF stays a stamped G4 scan, a PDF whose cross-reference table
pypdf cannot read (simple3.pdf) is stamped after pdfium rewrites it, and a 13000 x 13000 PNG
is stamped holding its pixels in memory once."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from flask import Flask
from PIL import Image, ImageSequence
from pypdf import PdfReader

from portal.records import stamp
from tests.conftest import DATA
from tests.extract.test_hostile import peak_memory_of
from tests.portal.conftest import AuthActions
from tests.portal.sample_records import add_record

PAGES = [["第一页"]]
TEXT = "archivist · 2026-11-29 23:00 UTC · 兰台 Lantai"


def tiff_bytes(frames: list[Image.Image], **options: object) -> bytes:
    buffer = io.BytesIO()
    frames[0].save(buffer, "TIFF", save_all=True, append_images=frames[1:], **options)
    return buffer.getvalue()


def download(make_app: Callable[..., Flask], data: bytes, name: str, mime: str) -> bytes:
    """Download ``data`` as an archivist from a portal that stamps downloads."""
    app = make_app(stamp_downloads=True)
    rec = add_record(app, PAGES, original=(data, name, mime), access_level="internal", index=False)
    client = app.test_client()
    AuthActions(client).login("archivist")
    response = client.get(f"/records/{rec.id}/download")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.data != data
    return response.data


def stamp_marks(page: Image.Image) -> int:
    """Pixels of the stamp in the bottom left corner: red ones, or black on a white page."""
    corner = page.crop((0, page.height * 3 // 4, page.width // 2, page.height))
    if page.mode in {"1", "L"}:
        return int((np.asarray(corner.convert("L")) < 128).sum())
    if page.mode == "I;16":
        return int((np.asarray(corner).astype(np.int64) < 20000).sum())
    rgb = np.asarray(corner.convert("RGB")).astype(np.int64)
    return int(((rgb[..., 0] > 120) & (rgb[..., 1] < 60) & (rgb[..., 2] < 60)).sum())


def test_a_three_page_tiff_keeps_every_page_stamped(make_app: Callable[..., Flask]) -> None:
    pages = [Image.new("RGB", (600, 400), colour) for colour in ("white", "lightyellow", "lightblue")]
    stamped = Image.open(io.BytesIO(download(make_app, tiff_bytes(pages, compression="tiff_lzw"),
                                             "案卷.tif", "image/tiff")))
    frames = [frame.copy() for frame in ImageSequence.Iterator(stamped)]
    assert len(frames) == 3  # the review: served as one page
    for frame, plain in zip(frames, pages, strict=True):
        assert stamp_marks(frame) > 50
        assert frame.getpixel((590, 10)) == plain.getpixel((590, 10))  # the page itself is kept


def test_a_ccitt_g4_tiff_downloads_stamped(make_app: Callable[..., Flask]) -> None:
    scan = tiff_bytes([Image.new("1", (1700, 2200), 1)] * 2, compression="group4", dpi=(200, 200))
    stamped = Image.open(io.BytesIO(download(make_app, scan, "扫描件.tif", "image/tiff")))
    assert getattr(stamped, "n_frames", 1) == 2
    for frame in ImageSequence.Iterator(stamped):
        assert frame.mode == "1" and frame.info["compression"] == "group4"  # still a G4 scan
        assert stamp_marks(frame) > 50


def test_simple3_pdf_downloads_stamped(make_app: Callable[..., Flask]) -> None:
    data = (DATA / "simple3.pdf").read_bytes()
    reader = PdfReader(io.BytesIO(download(make_app, data, "simple3.pdf", "application/pdf")))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "archivist" in text and "Hello" in text


# Every PDF and image under tests/data that ingests (invalid.pdf is refused at ingest, and
# libreoffice-writer-password.pdf needs its password), and the image modes Pillow reads.
INGESTIBLE = [
    "c02-22.pdf", "issue_566_test_1.pdf", "issue_566_test_2.pdf", "multipage.pdf",
    "pdflatex-4-pages.pdf", "simple3.pdf", "zen_of_python_corrupted.pdf",
    "eurotext.tif", "phototest.tif", "black_font_color_transparent.png", "text_vertical_words.png",
]
MIME = {".pdf": "application/pdf", ".tif": "image/tiff", ".png": "image/png", ".jpg": "image/jpeg",
        ".webp": "image/webp"}


def _generated(mode: str, suffix: str) -> bytes:
    buffer = io.BytesIO()
    options = {"compression": "jpeg"} if suffix == ".jpeg.tif" else {}
    fmt = {".png": "PNG", ".jpg": "JPEG", ".webp": "WEBP"}.get(suffix, "TIFF")
    Image.new(mode, (800, 600), 200 if mode in {"1", "L", "P"} else "white").save(buffer, fmt, **options)
    return buffer.getvalue()


GENERATED = [("P", ".png"), ("LA", ".png"), ("I;16", ".png"), ("1", ".png"), ("CMYK", ".jpg"),
             ("L", ".jpg"), ("RGBA", ".webp"), ("RGB", ".jpeg.tif"), ("I;16", ".tif"), ("CMYK", ".tif")]


def _count(data: bytes, mime: str) -> int:
    if mime == "application/pdf":
        return len(PdfReader(io.BytesIO(data)).pages)
    return int(getattr(Image.open(io.BytesIO(data)), "n_frames", 1))


@pytest.mark.parametrize("name", INGESTIBLE)
def test_every_ingestible_file_stamps_with_its_pages(name: str) -> None:
    data = (DATA / name).read_bytes()
    mime = MIME[Path(name).suffix]
    before = _count(data, mime) if mime != "application/pdf" or name != "simple3.pdf" else 1
    stamped = stamp.stamp(io.BytesIO(data), mime, TEXT).read()
    assert stamped != data and _count(stamped, mime) == before


@pytest.mark.parametrize(("mode", "suffix"), GENERATED)
def test_every_image_mode_stamps(mode: str, suffix: str) -> None:
    mime = MIME["." + suffix.rsplit(".", 1)[-1]]
    stamped = Image.open(stamp.stamp(io.BytesIO(_generated(mode, suffix)), mime, TEXT))
    stamped.load()
    assert stamped.size == (800, 600) and stamp_marks(stamped) > 20


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


@pytest.fixture(scope="module")
def huge_png(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 13000 x 13000 RGB PNG (169 megapixels, 0.5 MB on disk), written row by row."""
    side = 13000
    path = tmp_path_factory.mktemp("huge") / "huge.png"
    compressor = zlib.compressobj(9)
    row = b"\x00" + b"\xf0\xe0\xd0" * side
    idat = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", idat)
                     + _png_chunk(b"IEND", b""))
    return path


@pytest.mark.timeout(600)
def test_a_13000_pixel_square_png_is_stamped_holding_its_pixels_once(huge_png: Path) -> None:
    code = (
        "from PIL import Image\n"
        "from portal.records import stamp\n"
        f"with open({str(huge_png)!r}, 'rb') as source:\n"
        "    out = stamp.stamp(source, 'image/png', 'archivist', 200_000_000)\n"
        "    stamped = Image.open(out)\n"
        "    print(stamped.size[0], stamped.getpixel((13000 - 1, 0)))\n"
    )
    outcome, peak_mb = peak_memory_of(code)
    assert outcome == "13000 (240, 224, 208)"
    decoded_mb = 13000 * 13000 * 4 / 1024 / 1024  # Pillow keeps RGB as 4 bytes a pixel: 645 MB
    assert peak_mb < decoded_mb * 1.25  # one copy of the pixels (the review: 1.4 GB, two copies and more)


def test_a_password_protected_pdf_is_refused_with_a_reason_not_a_server_error(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(stamp_downloads=True)
    data = (DATA / "libreoffice-writer-password.pdf").read_bytes()
    rec = add_record(app, PAGES, original=(data, "加密.pdf", "application/pdf"), access_level="internal",
                     index=False)
    client = app.test_client()
    AuthActions(client).login("archivist")
    response = client.get(f"/records/{rec.id}/download")
    assert response.status_code == 422
    assert "密码" in response.get_data(as_text=True)
