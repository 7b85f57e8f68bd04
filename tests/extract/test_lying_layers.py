"""Text layers that lie: characters that decode to plausible-looking but wrong text (a font
without a ToUnicode map) send the page to OCR; born-digital pages with real text stay on the
text layer."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pikepdf
from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from archive.vocabulary import PageSource
from indexer.extract.base import ExtractContext
from indexer.extract.pdf import PdfExtractor
from indexer.extract.pdffonts import GuessCounts
from tests.extract.conftest import all_pages, data_file, squash

WQY = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
TESSERACT_FONT = next(Path("/usr/share/tesseract-ocr").glob("*/tessdata/pdf.ttf"))
FIRST = (
    "一二三四五六七八九十百千万亿上下左右前后东南西北中甲乙丙丁戊己庚辛壬癸子丑寅卯"
    "辰巳午未申酉戌亥春夏秋冬金木水火土日月星山川河海江湖风雨雷电天地人和"
)
NOTICE = ["关于做好年度档案归档工作的通知", "各学校请于月底前完成文书档案的整理与移交工作", "日期：2019年4月25日"]


def _without_to_unicode(data: bytes, path: Path) -> Path:
    """The PDF with every font's ToUnicode map removed, as some producers write them."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            for _name, font in page.Resources.Font.items():
                if "/ToUnicode" in font:
                    del font["/ToUnicode"]
        pdf.save(path)
    return path


def chinese_subset_without_to_unicode(path: Path) -> Path:
    """Two pages drawn with a subset TrueType font whose ToUnicode map is gone. The first page
    uses up codes 1-31 and 128-159, so the notice on the second page is drawn with codes
    160-255, which read as Latin-1 letters and signs (ª«¬®…, ™ in the date): no ``(cid:N)``
    and nothing unlikely, yet not one character right."""
    pdfmetrics.registerFont(TTFont("WQY", WQY, subfontIndex=0))
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, pagesize=(595, 842))
    c.setFont("WQY", 14)
    c.drawString(60, 780, FIRST[:32])
    c.drawString(60, 750, FIRST[32:])
    c.showPage()
    c.setFont("WQY", 18)
    for i, line in enumerate(NOTICE):
        c.drawString(60, 760 - i * 40, line)
    c.showPage()
    c.save()
    return _without_to_unicode(buffer.getvalue(), path)


def scan_with_shuffled_layer(path: Path) -> Path:
    """A scanned page ("Phone 0731-8888") whose invisible text layer, in an embedded symbolic
    font without ToUnicode, decodes to ``"7+%- 4:.;<``: ASCII, but punctuation where letters are."""
    picture = Image.new("L", (1400, 300), 255)
    ImageDraw.Draw(picture).text((60, 90), "Phone 0731-8888", font=ImageFont.truetype(WQY, 90), fill=0)
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, pagesize=(336, 72))
    c.drawImage(ImageReader(picture), 0, 0, width=336, height=72)
    c.showPage()
    c.save()
    with pikepdf.open(io.BytesIO(buffer.getvalue())) as pdf:
        font = pdf.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.TrueType, BaseFont=pikepdf.Name("/ABCDEF+Shuffled"),
            FirstChar=32, LastChar=126, Widths=[500] * 95,
            FontDescriptor=pikepdf.Dictionary(
                Type=pikepdf.Name.FontDescriptor, FontName=pikepdf.Name("/ABCDEF+Shuffled"), Flags=4,
                FontBBox=[0, 0, 500, 700], ItalicAngle=0, Ascent=700, Descent=0, CapHeight=700, StemV=80,
                FontFile2=pdf.make_stream(TESSERACT_FONT.read_bytes()),
            ),
        ))
        page = pdf.pages[0]
        page.Resources.Font = pikepdf.Dictionary(F9=font)
        layer = b'BT 3 Tr /F9 6 Tf 15 30 Td ("7+%- 4:.;<=>? "7+%- 4:.;<=>?) Tj ET'
        page.contents_add(pdf.make_stream(layer), prepend=False)
        pdf.save(path)
    return path


def test_subset_font_without_to_unicode_is_ocrd(
    tmp_path: Path, make_ctx: Callable[..., ExtractContext], ocr_engine
) -> None:
    path = chinese_subset_without_to_unicode(tmp_path / "notice.pdf")
    pages = all_pages(PdfExtractor().extract(path, "application/pdf", make_ctx(ocr=ocr_engine)))
    assert [p.source for p in pages] == [PageSource.OCR, PageSource.OCR]
    assert "档案归档工作" in squash(pages[1].text)
    assert "2019" in pages[1].text and "™" not in pages[1].text


def test_shuffled_ascii_layer_is_ocrd(tmp_path: Path, make_ctx: Callable[..., ExtractContext], ocr_engine) -> None:
    path = scan_with_shuffled_layer(tmp_path / "phone.pdf")
    (page,) = all_pages(PdfExtractor().extract(path, "application/pdf", make_ctx(ocr=ocr_engine)))
    assert page.source == PageSource.OCR
    assert "Phone" in page.text and "7+%" not in page.text


def test_born_digital_pages_keep_their_text_layer(make_ctx: Callable[..., ExtractContext]) -> None:
    """Real text, including LaTeX's symbolic Type 1 fonts (no ToUnicode, but named glyphs, with
    ligatures and quotes outside ASCII) and a Chinese word-processor file, is read without OCR."""
    for name in ("pdflatex-4-pages.pdf", "issue_566_test_1.pdf", "issue_566_test_2.pdf", "simple3.pdf"):
        pages = all_pages(PdfExtractor().extract(data_file(name), "application/pdf", make_ctx(ocr=None)))
        assert all(p.source == PageSource.TEXT_LAYER for p in pages), name


def test_guess_counts() -> None:
    counts = GuessCounts()
    for ch in "Phone 0731":
        counts.add(ch)
    assert counts.untrusted == 0  # letters and digits, as a kept-ASCII subset gives them
    shuffled = GuessCounts()
    for ch in '"7+%- 4:.;<':
        shuffled.add(ch)
    assert shuffled.untrusted == shuffled.glyphs == 10
    latin1 = GuessCounts()
    for ch in "ª«¬®¯°±":
        latin1.add(ch)
    assert latin1.untrusted == 7
