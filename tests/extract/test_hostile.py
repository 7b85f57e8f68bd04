"""Hostile inputs are refused quickly, with little memory, and with a clear error.

Pixel floods, decompression bombs, reference loops and truncated files are generated here:
none is shipped. The memory checks run the extractor in a child process and read its peak.
"""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from archive.vocabulary import PageSource
from indexer.extract.base import (
    CorruptFile,
    ExtractContext,
    ExtractionError,
    ResourceLimitExceeded,
)
from indexer.extract.images import ImageExtractor
from indexer.extract.limits import DecompressionBudget, inflated_size
from indexer.extract.pdf import PdfExtractor
from tests.conftest import ROOT
from tests.extract.conftest import (
    HELVETICA,
    all_pages,
    build_pdf,
    data_file,
    deflated_zeros,
    one_page_pdf,
    pdf_stream,
)


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def pixel_flood_png(path: Path, side: int = 35000) -> None:
    """A real 1-bit PNG of side x side white pixels: about 12 KB on disk, 1.2 gigapixels."""
    row = b"\x00" + b"\xff" * ((side + 7) // 8)
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header)
                     + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b""))


def peak_memory_of(code: str) -> tuple[str, int]:
    """Run ``code`` in a fresh interpreter; return its last output line and peak RSS in MB."""
    # VmHWM belongs to the new process image; ru_maxrss would carry pytest's peak over exec.
    wrapper = (
        f"{code}\n"
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
        "print(int(hwm.split()[1]) // 1024)\n"
    )
    done = subprocess.run([sys.executable, "-c", wrapper], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=True)
    *lines, peak = done.stdout.strip().splitlines()
    return (lines[-1] if lines else ""), int(peak)


@pytest.fixture(scope="module")
def flood_png(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("flood") / "flood.png"
    pixel_flood_png(path)
    return path


def test_pixel_flood_png_refused_before_decoding(
    flood_png: Path, make_ctx: Callable[..., ExtractContext]
) -> None:
    assert flood_png.stat().st_size < 300_000
    with pytest.raises(ResourceLimitExceeded) as info:
        ImageExtractor().extract(flood_png, "image/png", make_ctx())
    assert "1225000000 pixels" in info.value.message_en and "像素" in info.value.message_zh


def test_small_pixel_flood_refused(
    flood_png: Path, tmp_path: Path, make_ctx: Callable[..., ExtractContext]
) -> None:
    # The classic form: a 12 KB file (a valid header, then only the start of the data).
    path = tmp_path / "flood12k.png"
    path.write_bytes(flood_png.read_bytes()[:12_000])
    with pytest.raises(ResourceLimitExceeded):
        ImageExtractor().extract(path, "image/png", make_ctx())


def test_pixel_flood_uses_little_memory(flood_png: Path) -> None:
    code = (
        "from pathlib import Path\n"
        "from indexer.extract.base import ExtractContext, ResourceLimitExceeded\n"
        "from indexer.extract.images import ImageExtractor\n"
        "try:\n"
        f"    ImageExtractor().extract(Path({str(flood_png)!r}), 'image/png', ExtractContext())\n"
        "except ResourceLimitExceeded:\n"
        "    print('refused')\n"
    )
    outcome, peak_mb = peak_memory_of(code)
    assert outcome == "refused"
    assert peak_mb < 300  # decoding it would need 150 MB packed, 1.2 GB as 8-bit


def test_truncated_png(tmp_path: Path, make_ctx: Callable[..., ExtractContext]) -> None:
    whole = data_file("black_font_color_transparent.png").read_bytes()
    path = tmp_path / "cut.png"
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(CorruptFile) as info:
        ImageExtractor().extract(path, "image/png", make_ctx())
    assert "cut.png" in info.value.message_en


def test_truncated_tiff(tmp_path: Path, make_ctx: Callable[..., ExtractContext]) -> None:
    source = Image.open(data_file("eurotext.tif")).convert("L")
    whole = tmp_path / "whole.tif"
    source.save(whole)
    path = tmp_path / "cut.tif"
    path.write_bytes(whole.read_bytes()[: whole.stat().st_size // 3])
    with pytest.raises(CorruptFile):
        ImageExtractor().extract(path, "image/tiff", make_ctx())


def test_garbage_named_png(tmp_path: Path, make_ctx: Callable[..., ExtractContext]) -> None:
    path = tmp_path / "noise.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    with pytest.raises(CorruptFile):
        ImageExtractor().extract(path, "image/png", make_ctx())


def test_pdf_embedding_a_pixel_flood(tmp_path: Path, make_ctx: Callable[..., ExtractContext]) -> None:
    image = pdf_stream(deflated_zeros(1), b"/Type /XObject /Subtype /Image /Width 40000 "
                       b"/Height 40000 /ColorSpace /DeviceGray /BitsPerComponent 8 "
                       b"/Filter /FlateDecode ")
    path = tmp_path / "flood.pdf"
    path.write_bytes(one_page_pdf(b"q 300 0 0 300 0 0 cm /Im1 Do Q",
                                  b"<< /XObject << /Im1 5 0 R >> >>", {5: image}))
    with pytest.raises(ResourceLimitExceeded) as info:
        PdfExtractor().extract(path, "application/pdf", make_ctx())
    assert "40000x40000" in info.value.message_en


@pytest.fixture(scope="module")
def bomb_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One page whose content stream is 1 GiB of zeros deflated to about 1 MB."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.pdf"
    body = pdf_stream(deflated_zeros(1024), b"/Filter /FlateDecode ")
    path.write_bytes(one_page_pdf(b"", HELVETICA, {4: body}))
    return path


def test_pdf_compression_bomb_refused(bomb_pdf: Path, make_ctx: Callable[..., ExtractContext]) -> None:
    assert bomb_pdf.stat().st_size < 2_000_000
    with pytest.raises(ResourceLimitExceeded) as info:
        PdfExtractor().extract(bomb_pdf, "application/pdf", make_ctx())
    assert "compression bomb" in info.value.message_en and "压缩炸弹" in info.value.message_zh


def test_pdf_compression_bomb_uses_little_memory(bomb_pdf: Path) -> None:
    code = (
        "from pathlib import Path\n"
        "from indexer.extract.base import ExtractContext, ResourceLimitExceeded\n"
        "from indexer.extract.pdf import PdfExtractor\n"
        "try:\n"
        f"    PdfExtractor().extract(Path({str(bomb_pdf)!r}), 'application/pdf', ExtractContext())\n"
        "except ResourceLimitExceeded:\n"
        "    print('refused')\n"
    )
    outcome, peak_mb = peak_memory_of(code)
    assert outcome == "refused"
    assert peak_mb < 300  # the stream inflated whole would be 1024 MB


def test_pdf_budget_is_a_setting(tmp_path: Path, make_ctx: Callable[..., ExtractContext]) -> None:
    path = tmp_path / "four.pdf"
    # An object no page uses: the pre-flight pass still inflates it.
    spare = pdf_stream(deflated_zeros(4), b"/Filter /FlateDecode ")
    path.write_bytes(one_page_pdf(b"BT /F1 12 Tf 20 100 Td (Four) Tj ET", HELVETICA, {5: spare}))
    with pytest.raises(ResourceLimitExceeded):
        PdfExtractor().extract(path, "application/pdf", make_ctx(pdf_max_stream_bytes=1024 * 1024))
    (page,) = all_pages(PdfExtractor().extract(path, "application/pdf", make_ctx()))
    assert page.text == "Four"


def test_inflated_size_counts_in_steps() -> None:
    budget = DecompressionBudget(10 * 1024 * 1024)
    assert inflated_size(zlib.compress(b"a" * 3_000_000), budget) == 3_000_000
    assert inflated_size(b"not zlib at all", DecompressionBudget(10)) == 0  # damaged: no count


CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"
PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"


def _page(contents: bytes, resources: bytes = HELVETICA) -> bytes:
    return b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Resources %s /Contents %s >>" % (
        resources, contents)


CYCLES = {
    "root_is_a_loop": {1: b"2 0 R", 2: b"1 0 R"},
    "contents_loop": {1: CATALOG, 2: PAGES, 3: _page(b"4 0 R"), 4: b"5 0 R", 5: b"4 0 R"},
    "length_loop": {1: CATALOG, 2: PAGES, 3: _page(b"4 0 R"),
                    4: b"<< /Length 6 0 R >>\nstream\nBT /F1 12 Tf 20 100 Td (Hi) Tj ET\nendstream",
                    6: b"7 0 R", 7: b"6 0 R"},
    "kids_contain_parent": {1: CATALOG, 2: b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
                            3: _page(b"4 0 R"), 4: pdf_stream(b"BT /F1 12 Tf 20 100 Td (Hi) Tj ET")},
    "pages_nodes_loop": {1: CATALOG, 2: b"<< /Type /Pages /Kids [5 0 R] /Count 1 /Parent 5 0 R >>",
                         5: b"<< /Type /Pages /Kids [2 0 R] /Count 1 /Parent 2 0 R >>"},
}


@pytest.mark.timeout(30)
@pytest.mark.parametrize("case", sorted(CYCLES))
def test_cyclic_objects_are_corrupt(
    case: str, tmp_path: Path, make_ctx: Callable[..., ExtractContext]
) -> None:
    path = tmp_path / f"{case}.pdf"
    path.write_bytes(build_pdf(CYCLES[case]))
    with pytest.raises(CorruptFile) as info:
        all_pages(PdfExtractor().extract(path, "application/pdf", make_ctx()))
    assert "loop" in info.value.message_en or "twice" in info.value.message_en


@pytest.mark.timeout(30)
def test_form_drawing_itself_does_not_hang(tmp_path: Path, make_ctx: Callable[..., ExtractContext]) -> None:
    form = pdf_stream(b"/X1 Do", b"/Type /XObject /Subtype /Form /BBox [0 0 200 200] "
                      b"/Resources << /XObject << /X1 5 0 R >> >> ")
    path = tmp_path / "form.pdf"
    path.write_bytes(one_page_pdf(b"/X1 Do", b"<< /XObject << /X1 5 0 R >> >>", {5: form}))
    (page,) = all_pages(PdfExtractor().extract(path, "application/pdf", make_ctx(ocr=None)))
    assert page.source == PageSource.NONE and page.image is not None


@pytest.mark.timeout(30)
def test_deep_nesting_is_an_error_not_a_crash(
    tmp_path: Path, make_ctx: Callable[..., ExtractContext]
) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    path = tmp_path / "deep.pdf"
    path.write_bytes(one_page_pdf(b"BT /F1 12 Tf 20 100 Td (Deep) Tj ET", HELVETICA, {5: deep}))
    try:
        pages = all_pages(PdfExtractor().extract(path, "application/pdf", make_ctx(ocr=None)))
    except ExtractionError as exc:
        assert isinstance(exc, CorruptFile)
    else:
        assert pages[0].text == "Deep"


@pytest.mark.timeout(30)
def test_tiff_whose_pages_loop(tmp_path: Path, make_ctx: Callable[..., ExtractContext]) -> None:
    buffer = io.BytesIO()
    Image.new("L", (50, 50), 255).save(buffer, format="TIFF")
    data = bytearray(buffer.getvalue())
    ifd = struct.unpack("<I", data[4:8])[0]
    entries = struct.unpack("<H", data[ifd:ifd + 2])[0]
    link = ifd + 2 + 12 * entries
    data[link:link + 4] = struct.pack("<I", ifd)  # the next page is this page again
    path = tmp_path / "loop.tif"
    path.write_bytes(bytes(data))
    extraction = ImageExtractor().extract(path, "image/tiff", make_ctx(ocr=None))
    assert extraction.page_count == 1
    assert len(all_pages(extraction)) == 1
