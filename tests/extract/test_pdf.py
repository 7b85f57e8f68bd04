"""The PDF extractor on real files: text layer, per-page OCR fallback, passwords, damage."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from archive.vocabulary import PageSource
from indexer.extract.base import (
    CorruptFile,
    EncryptedFile,
    ExtractContext,
    ResourceLimitExceeded,
    extractor_for,
)
from indexer.extract.pdf import PdfExtractor, render_page_image
from tests.extract.conftest import all_pages, data_file, one_page_pdf, pdf_stream, squash

PDF = "application/pdf"


def extract(path: Path, ctx: ExtractContext) -> list:
    """Every page of a PDF."""
    return all_pages(PdfExtractor().extract(path, PDF, ctx))


def test_registered_for_pdf() -> None:
    assert isinstance(extractor_for(PDF), PdfExtractor)


def test_simple3_latin_and_kana(make_ctx: Callable[..., ExtractContext], unchanged) -> None:
    path = unchanged(data_file("simple3.pdf"))
    (page,) = extract(path, make_ctx())
    assert page.source == PageSource.TEXT_LAYER
    assert "Hello" in page.text and "あ" in page.text
    assert "あ い" not in page.text  # never a space between CJK characters


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("issue_566_test_1.pdf", "ISSUE Date：2019-4-25 Buyer：黎荣"),
        ("issue_566_test_2.pdf", "甲方：中国饮料有限公司（盖章）"),
    ],
)
def test_chinese_ground_truth(
    name: str, expected: str, make_ctx: Callable[..., ExtractContext], unchanged
) -> None:
    path = unchanged(data_file(name))
    (page,) = extract(path, make_ctx())
    assert page.source == PageSource.TEXT_LAYER
    assert " ".join(expected.split()) in " ".join(page.text.split())


def shown(path: Path, page) -> Image.Image:
    """The viewer picture of a text-layer page, rendered as the portal renders it on first view."""
    assert page.image is None and page.deferred_image
    image = render_page_image(path, page.number, (page.width, page.height))
    assert image.size == (page.width, page.height)
    return image


def test_text_layer_pages_get_image_and_word_boxes(make_ctx: Callable[..., ExtractContext]) -> None:
    path = data_file("pdflatex-4-pages.pdf")
    pages = extract(path, make_ctx())
    assert [p.number for p in pages] == [1, 2, 3, 4]
    assert all(p.source == PageSource.TEXT_LAYER for p in pages)
    first = pages[0]
    assert first.text.startswith("Hello, here is some text without a meaning.")
    image = shown(path, first)
    # A4 at 150 dpi
    assert abs(first.width - 1240) <= 2 and abs(first.height - 1754) <= 2
    hello = next(w for w in first.words if w[0] == "Hello,")
    _, _, left, top, width, height = hello
    # "Hello," is the first word of the body text, near the top left of the page
    assert 0 < left < first.width / 4 and 0 < top < first.height / 4
    assert 0 < width < 200 and 5 < height < 60
    # the box covers dark ink on the rendered page
    crop = image.convert("L").crop((left, top, left + width, top + height))
    assert crop.getextrema()[0] < 100
    # pdfium's own size for the page at 150 dpi is what the word boxes were computed for
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(path))
    try:
        native = document[1].render(scale=150 / 72).to_pil()
        assert native.size == (pages[1].width, pages[1].height)
    finally:
        document.close()


def test_cjk_word_boxes_one_per_character(make_ctx: Callable[..., ExtractContext]) -> None:
    (page,) = extract(data_file("issue_566_test_2.pdf"), make_ctx())
    texts = [w[0] for w in page.words]
    assert "中" in texts and "国" in texts
    assert all(w[4] > 0 and w[5] > 0 for w in page.words)


def test_progress_reported(make_ctx: Callable[..., ExtractContext]) -> None:
    seen: list[tuple[int, int | None]] = []
    extract(data_file("pdflatex-4-pages.pdf"), make_ctx(on_progress=lambda d, t: seen.append((d, t))))
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_corrupted_stream_degrades(make_ctx: Callable[..., ExtractContext], unchanged) -> None:
    path = unchanged(data_file("zen_of_python_corrupted.pdf"))
    (page,) = extract(path, make_ctx())
    assert "zen_of_python.txt" in page.text


def test_invalid_pdf_is_a_clear_error(make_ctx: Callable[..., ExtractContext]) -> None:
    with pytest.raises(CorruptFile) as info:
        PdfExtractor().extract(data_file("invalid.pdf"), PDF, make_ctx())
    assert "invalid.pdf" in info.value.message_en and "损坏" in info.value.message_zh


def test_not_a_pdf(tmp_path: Path, make_ctx: Callable[..., ExtractContext]) -> None:
    path = tmp_path / "x.pdf"
    path.write_bytes(b"hello, not a pdf at all")
    with pytest.raises(CorruptFile):
        PdfExtractor().extract(path, PDF, make_ctx())


def test_encrypted_without_password(make_ctx: Callable[..., ExtractContext], unchanged) -> None:
    path = unchanged(data_file("libreoffice-writer-password.pdf"))
    with pytest.raises(EncryptedFile) as info:
        PdfExtractor().extract(path, PDF, make_ctx())
    assert "password" in info.value.message_en and "密码" in info.value.message_zh


def test_encrypted_with_wrong_password(make_ctx: Callable[..., ExtractContext]) -> None:
    with pytest.raises(EncryptedFile):
        PdfExtractor().extract(data_file("libreoffice-writer-password.pdf"), PDF,
                               make_ctx(password="wrong"))


def test_encrypted_with_password(make_ctx: Callable[..., ExtractContext]) -> None:
    (page,) = extract(data_file("libreoffice-writer-password.pdf"), make_ctx(password="openpassword"))
    assert page.source == PageSource.TEXT_LAYER
    assert page.text.startswith("Lorem ipsum dolor sit amet")
    # the viewer will not have the password: the picture is rendered now
    assert page.image is not None and not page.deferred_image and page.image.size == (page.width, page.height)


def test_scan_without_engine_keeps_image(make_ctx: Callable[..., ExtractContext]) -> None:
    (page,) = extract(data_file("c02-22.pdf"), make_ctx(ocr=None))
    assert page.source == PageSource.NONE and page.text == ""
    assert page.image is not None and page.error is not None


def test_scanned_pdf_is_ocrd(make_ctx: Callable[..., ExtractContext], ocr_engine) -> None:
    (page,) = extract(data_file("c02-22.pdf"), make_ctx(ocr=ocr_engine, languages=("eng",)))
    assert page.source == PageSource.OCR
    # The shared README promises "Tom", but this page of Huckleberry Finn never names him.
    assert "Watson" in page.text and "tip-toeing along a path" in page.text
    assert page.confidence is not None and page.confidence > 50
    assert page.image is not None and page.image.size == (page.width, page.height)
    tom = next(w for w in page.words if "Watson" in w[0])
    assert 0 <= tom[2] < page.width and 0 <= tom[3] < page.height


def _garbled_pdf() -> bytes:
    """Helvetica drawn normally, but a ToUnicode map that sends every code to private use."""
    cmap = (
        b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap "
        b"/CMapName /Garbled def 1 begincodespacerange <00> <FF> endcodespacerange "
        b"1 beginbfrange <20> <7E> <E020> endbfrange endcmap "
        b"CMapName currentdict /CMap defineresource pop end end"
    )
    font = (b"<< /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
            b"/Encoding /WinAnsiEncoding /ToUnicode 5 0 R >> >> >>")
    content = b"BT /F1 36 Tf 30 150 Td (Tom Sawyer) Tj ET"
    return one_page_pdf(content, font, {5: pdf_stream(cmap)})


def test_garbled_text_layer_is_ocrd_instead(
    tmp_path: Path, make_ctx: Callable[..., ExtractContext], ocr_engine
) -> None:
    path = tmp_path / "garbled.pdf"
    path.write_bytes(_garbled_pdf())
    (page,) = extract(path, make_ctx(ocr=ocr_engine, languages=("eng",)))
    assert page.source == PageSource.OCR
    assert "Tom Sawyer" in page.text
    assert not any(0xE000 <= ord(c) <= 0xF8FF for c in page.text)


def test_unmapped_glyphs_are_not_trusted(tmp_path: Path, make_ctx: Callable[..., ExtractContext]) -> None:
    # A composite font without ToUnicode: pdfminer can only report "(cid:NN)".
    font = (b"<< /Font << /F1 << /Type /Font /Subtype /Type0 /BaseFont /Nothing "
            b"/Encoding /Identity-H /DescendantFonts [5 0 R] >> >> >>")
    extra = {5: b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Nothing "
                b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> >>"}
    content = b"BT /F1 24 Tf 20 150 Td <0102030405060708090A> Tj ET"
    path = tmp_path / "cid.pdf"
    path.write_bytes(one_page_pdf(content, font, extra))
    (page,) = extract(path, make_ctx(ocr=None))
    assert page.source != PageSource.TEXT_LAYER
    assert "(cid:" not in page.text


def _scan_image(text: str) -> Image.Image:
    """A crop of a real scan (phototest.tif) with a label, as a scanner would give it."""
    scan = Image.open(data_file("phototest.tif")).convert("L")
    crop = scan.crop((0, 0, 640, 200))
    ImageDraw.Draw(crop).text((10, 180), text, fill=0)
    return crop


def _mixed_pdf(path: Path) -> None:
    """Three pages: a scan, a born-digital page, another scan."""
    pdf = canvas.Canvas(str(path), pagesize=(460, 150))
    for number in (1, 2, 3):
        if number == 2:
            pdf.setFont("Helvetica", 14)
            pdf.drawString(20, 100, "Born digital page about Lantai archives")
        else:
            buffer = io.BytesIO()
            _scan_image(f"page {number}").save(buffer, format="PNG")
            buffer.seek(0)
            pdf.drawImage(ImageReader(buffer), 0, 0, width=460, height=144)
        pdf.showPage()
    pdf.save()


def test_mixed_pdf_decides_per_page_in_order(
    tmp_path: Path, make_ctx: Callable[..., ExtractContext], ocr_engine
) -> None:
    path = tmp_path / "mixed.pdf"
    _mixed_pdf(path)
    pages = extract(path, make_ctx(ocr=ocr_engine, languages=("eng",), ocr_workers=2))
    assert [p.number for p in pages] == [1, 2, 3]
    assert [p.source for p in pages] == [PageSource.OCR, PageSource.TEXT_LAYER, PageSource.OCR]
    assert "Lantai archives" in pages[1].text
    for scanned in (pages[0], pages[2]):
        assert "quick brown" in scanned.text or "12 point text" in scanned.text


def test_page_time_limit(make_ctx: Callable[..., ExtractContext]) -> None:
    pages = extract(data_file("pdflatex-4-pages.pdf"), make_ctx(page_time_limit=0))
    assert len(pages) == 4
    assert all(isinstance(p.error, ResourceLimitExceeded) for p in pages)


@pytest.mark.slow
def test_multipage_mixed_real_file(make_ctx: Callable[..., ExtractContext], ocr_engine) -> None:
    pages = extract(data_file("multipage.pdf"), make_ctx(ocr=ocr_engine, languages=("eng",)))
    assert len(pages) == 6
    assert [p.source for p in pages] == [PageSource.OCR] * 3 + [PageSource.TEXT_LAYER] + [PageSource.OCR] * 2
    assert "Watson" in pages[0].text
    assert "pixels" in pages[1].text  # the 9000x9000 page, rendered within the pixel cap
    assert "throne of England" in squash(pages[4].text) or "throne" in pages[4].text
    assert all(p.image is not None for p in pages if p.source == PageSource.OCR)
    assert pages[3].deferred_image and shown(data_file("multipage.pdf"), pages[3]).size == (
        pages[3].width, pages[3].height)


def test_scan_with_a_stamped_number_is_treated_as_a_scan(
    tmp_path: Path, make_ctx: Callable[..., ExtractContext]
) -> None:
    # Scanning software often stamps a page number as text over the picture of the page.
    path = tmp_path / "stamped.pdf"
    pdf = canvas.Canvas(str(path), pagesize=(460, 150))
    buffer = io.BytesIO()
    _scan_image("stamped").save(buffer, format="PNG")
    buffer.seek(0)
    pdf.drawImage(ImageReader(buffer), 0, 0, width=460, height=150)
    pdf.setFont("Helvetica", 8)
    pdf.drawString(400, 5, "No. 12")
    pdf.showPage()
    pdf.save()
    (page,) = extract(path, make_ctx(ocr=None))
    assert page.source != PageSource.TEXT_LAYER


@pytest.mark.parametrize("name", ["issue_566_test_1.pdf", "issue_566_test_2.pdf", "simple3.pdf"])
def test_word_boxes_cover_their_ink(name: str, make_ctx: Callable[..., ExtractContext]) -> None:
    # issue_566 pages have a crop box smaller than the media box: boxes must follow it.
    (page,) = extract(data_file(name), make_ctx())
    gray = shown(data_file(name), page).convert("L")
    assert page.words
    for text, _, left, top, width, height in page.words:
        darkest = gray.crop((left, top, left + width, top + height)).getextrema()[0]
        assert darkest < 128, f"the box of {text!r} holds no ink"


def test_text_survives_when_the_renderer_fails(
    monkeypatch: pytest.MonkeyPatch, make_ctx: Callable[..., ExtractContext]
) -> None:
    import indexer.extract.pdf as pdf_module

    def renderer_fails(path: Path, ctx: ExtractContext) -> None:
        raise CorruptFile("pdfium: Data format error", "pdfium：数据格式错误")

    monkeypatch.setattr(pdf_module, "_open_pdfium", renderer_fails)
    pages = extract(data_file("pdflatex-4-pages.pdf"), make_ctx())
    assert len(pages) == 4
    assert all(p.source == PageSource.TEXT_LAYER and p.image is None and not p.deferred_image for p in pages)
    assert pages[0].text.startswith("Hello, here is some text")
    (scan,) = extract(data_file("c02-22.pdf"), make_ctx())
    assert isinstance(scan.error, CorruptFile) and "Page 1" in scan.error.message_en


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_turned_pages_read_in_lines_with_boxes_on_the_ink(
    rotation: int, tmp_path: Path, make_ctx: Callable[..., ExtractContext]
) -> None:
    # /Rotate turns the page on screen: its lines then run down, up or right to left there.
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    path = tmp_path / f"turned-{rotation}.pdf"
    pdf = canvas.Canvas(str(path), pagesize=(400, 300))
    pdf.setPageRotation(rotation)
    pdf.setFont("Helvetica", 12)
    x = 40.0
    for word in ["Lantai", "archives", "are", "searchable"]:  # no space glyphs: spaces come from the gaps
        pdf.drawString(x, 250, word)
        x += pdf.stringWidth(word + " ", "Helvetica", 12)
    pdf.setFont("STSong-Light", 12)
    pdf.drawString(40, 230, "兰台档案全文检索")
    pdf.showPage()
    pdf.save()
    (page,) = extract(path, make_ctx())
    assert page.source == PageSource.TEXT_LAYER
    assert page.text.splitlines() == ["Lantai archives are searchable", "兰台档案全文检索"]
    gray = shown(path, page).convert("L")
    for text, _, left, top, width, height in page.words:
        assert gray.crop((left, top, left + width, top + height)).getextrema()[0] < 128, text
