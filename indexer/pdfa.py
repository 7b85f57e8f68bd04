"""A searchable PDF/A-2b from page images and their OCR word boxes (双层 PDF), and its check.

Each page is its stored image (the JPEG is embedded as it is: no second compression) with
an invisible text layer (rendering mode 3) that puts every OCR word on its box, as
Tesseract's and OCRmyPDF's PDF renderers do: one glyph-less font (Tesseract's ``pdf.ttf``,
one empty glyph half an em wide) whose character codes are the text's UTF-16 code units,
mapped back to Unicode by an identity ToUnicode map, each word stretched (``Tz``) over its
box. Words are written in reading order with the spaces Lantai puts between Latin words, so
the text a PDF reader extracts is the page's OCR text.

PDF/A-2b needs, and gets: XMP metadata naming the part and conformance, an sRGB output
intent, every font embedded, no encryption, a document ID. veraPDF is not installable here,
so ``check`` verifies those with pikepdf and compares the text pdfminer.six reads back.
"""

from __future__ import annotations

import datetime as dt
import glob
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pikepdf
from PIL import Image, ImageCms

from config.errors import LantaiError
from ocr.quality import normalize_for_cer
from ocr.text import is_cjk

# Resolution assumed for the OCR image when none is known: OCR normalises pages to about it.
PAGE_DPI = 300
# Where Debian's tesseract-ocr keeps its glyph-less font (Apache-2.0).
FONT_GLOB = "/usr/share/tesseract-ocr/*/tessdata/pdf.ttf"
_FONT_NAME = "/GlyphLessFont"
_CHAR_WIDTH = 0.5  # the font's one glyph: 1024 of 2048 units
_HYPHENS = "-\u00ad\u2010"


class PreservationError(LantaiError):
    """The preservation copy could not be made or is not a valid PDF/A."""

    code = "preservation_copy_failed"
    default_zh = "无法生成长期保存格式（PDF/A）"
    default_en = "The PDF/A preservation copy could not be made"


@dataclass
class PdfPage:
    """One page of the copy: its picture (JPEG bytes), the size its word boxes refer to, the words."""

    jpeg: bytes
    width: int  # pixels of the OCR image the word boxes refer to
    height: int
    words: Sequence[Sequence[Any]] = field(default_factory=list)  # [text, conf, left, top, width, height]
    text: str = ""  # the page's OCR text, for the check
    dpi: int = PAGE_DPI  # resolution of the image the word boxes refer to: gives the page's size


def glyphless_font() -> bytes:
    """Tesseract's glyph-less TrueType font; ``PreservationError`` when it is not installed."""
    for path in sorted(glob.glob(FONT_GLOB)):
        with open(path, "rb") as handle:
            return handle.read()
    raise PreservationError(
        "Tesseract's glyph-less font (tessdata/pdf.ttf) is missing; install tesseract-ocr",
        "缺少 Tesseract 的无字形字体（tessdata/pdf.ttf）；请安装 tesseract-ocr",
    )


def build(pages: Sequence[PdfPage], title: str, language: str = "zh-CN") -> bytes:
    """The PDF/A-2b file of ``pages`` (in order)."""
    pdf = pikepdf.new()
    font = _font(pdf)
    for page in pages:
        _add_page(pdf, page, font)
    _make_pdfa(pdf, title, language)
    out = io.BytesIO()
    pdf.save(out, fix_metadata_version=True, deterministic_id=True, min_version="1.7")
    return out.getvalue()


def _font(pdf: pikepdf.Pdf) -> pikepdf.Object:
    """The Type 0 font with the embedded glyph-less CID font and an identity ToUnicode map."""
    program = pdf.make_stream(glyphless_font())
    descriptor = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.FontDescriptor, FontName=pikepdf.Name(_FONT_NAME), Flags=5,
        FontBBox=[0, 0, 500, 1000], ItalicAngle=0, Ascent=1000, Descent=0, CapHeight=1000, StemV=80,
        FontFile2=program,
    ))
    # Every code maps to glyph 1 (the only glyph); 2 bytes per code, big-endian.
    gid_map = pdf.make_stream(b"\x00\x01" * 65536)
    cid_font = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.CIDFontType2, BaseFont=pikepdf.Name(_FONT_NAME),
        CIDSystemInfo=pikepdf.Dictionary(Registry=pikepdf.String("Adobe"), Ordering=pikepdf.String("Identity"),
                                         Supplement=0),
        FontDescriptor=descriptor, DW=int(_CHAR_WIDTH * 1000), CIDToGIDMap=gid_map,
    ))
    to_unicode = pdf.make_stream(_IDENTITY_CMAP)
    return pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type0, BaseFont=pikepdf.Name(_FONT_NAME),
        Encoding=pikepdf.Name("/Identity-H"), DescendantFonts=[cid_font], ToUnicode=to_unicode,
    ))


_IDENTITY_CMAP = b"""/CIDInit /ProcSet findresource begin
12 dict begin
begincmap
/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def
/CMapName /Adobe-Identity-UCS def
/CMapType 2 def
1 begincodespacerange
<0000> <FFFF>
endcodespacerange
2 beginbfrange
<0000> <D7FF> <0000>
<E000> <FFFF> <E000>
endbfrange
endcmap
CMapName currentdict /CMap defineresource pop
end
end
"""


def _add_page(pdf: pikepdf.Pdf, page: PdfPage, font: pikepdf.Object) -> None:
    """One page: the picture over the whole page, the words invisible on their boxes."""
    try:
        with Image.open(io.BytesIO(page.jpeg)) as picture:
            mode, size = picture.mode, picture.size
    except OSError as exc:
        raise PreservationError(f"A page image cannot be read ({exc})", "页面图像无法读取") from exc
    if mode not in ("L", "RGB"):
        raise PreservationError(f"Unexpected page image mode {mode}", f"页面图像模式异常：{mode}")
    scale = 72 / page.dpi
    width_pt, height_pt = page.width * scale, page.height * scale
    image = pdf.make_stream(
        page.jpeg, Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Image, Width=size[0], Height=size[1],
        ColorSpace=pikepdf.Name.DeviceGray if mode == "L" else pikepdf.Name.DeviceRGB, BitsPerComponent=8,
        Filter=pikepdf.Name.DCTDecode,
    )
    content = [f"q {width_pt:.3f} 0 0 {height_pt:.3f} 0 0 cm /Im0 Do Q".encode()]
    content.append(_text_layer(page, scale, height_pt))
    pdf.pages.append(pikepdf.Page(pikepdf.Dictionary(
        Type=pikepdf.Name.Page, MediaBox=[0, 0, round(width_pt, 3), round(height_pt, 3)],
        Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image), Font=pikepdf.Dictionary(F0=font)),
        Contents=pdf.make_stream(b"\n".join(content)),
    )))


def _text_layer(page: PdfPage, scale: float, height_pt: float) -> bytes:
    """The invisible text operators for the page's words, in their order.

    A word taller than wide with several characters (a column of 竖排 text) is set one
    character per box down the column."""
    ops = [b"BT 3 Tr"]
    pieces = list(_pieces(page.words))
    for i, (text, left, top, width, height) in enumerate(pieces):
        following = pieces[i + 1] if i + 1 < len(pieces) else None
        if following is not None:
            same_line = abs(following[2] - top) < height / 2
            text = _joined(text, following[0], same_line)
            gap = following[1] - (left + width)
            if same_line and 0 < gap < 2 * height:
                width += gap  # up to the next word of the line: a reader sees no gap, adds no space
        size = max(height * scale, 0.5)
        advance = len(text.encode("utf-16-be")) / 2 * _CHAR_WIDTH * size
        stretch = max(1.0, min(1000.0, 100 * width * scale / advance)) if advance else 100.0
        x, y = left * scale, height_pt - (top + height) * scale
        code = text.encode("utf-16-be").hex().upper()
        ops.append(f"/F0 {size:.2f} Tf {stretch:.1f} Tz 1 0 0 1 {x:.2f} {y:.2f} Tm <{code}> Tj".encode())
    ops.append(b"ET")
    return b"\n".join(ops)


def _joined(text: str, following: str, same_line: bool) -> str:
    """A word as it stands in the page text before ``following``: the space Lantai's text has
    between Latin words, and a line-end hyphen handled as ``ocr.text.join_lines`` does
    ("docu-" + "ment" is "document"; "2023-" + "2024" keeps its hyphen, without a space)."""
    if is_cjk(text[-1]) or is_cjk(following[0]):
        return text
    if not same_line and text[-1] in _HYPHENS and len(text) >= 2:
        split_word = text[-2].isalpha() and following[0].isalpha() and following[0].islower()
        return text[:-1] if split_word or text[-1] == "\u00ad" else text
    return text + " "


def _pieces(words: Sequence[Sequence[Any]]) -> list[tuple[str, float, float, float, float]]:
    """(text, left, top, width, height) for each word; columns cut into characters."""
    out: list[tuple[str, float, float, float, float]] = []
    for word in words:
        text, left, top, width, height = str(word[0]), float(word[2]), float(word[3]), float(word[4]), float(word[5])
        if not text:
            continue
        if len(text) > 1 and height > 1.5 * width and all(is_cjk(c) for c in text):
            step = height / len(text)
            out.extend((c, left, top + k * step, width, step) for k, c in enumerate(text))
        else:
            out.append((text, left, top, width, height))
    return out


def _make_pdfa(pdf: pikepdf.Pdf, title: str, language: str) -> None:
    """XMP metadata for PDF/A-2b, the document information, and the sRGB output intent."""
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    profile = pdf.make_stream(icc, N=3)
    pdf.Root.OutputIntents = [pikepdf.Dictionary(
        Type=pikepdf.Name.OutputIntent, S=pikepdf.Name.GTS_PDFA1, OutputConditionIdentifier=pikepdf.String("sRGB"),
        Info=pikepdf.String("sRGB IEC61966-2.1"), DestOutputProfile=profile,
    )]
    pdf.Root.Lang = pikepdf.String(language)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["pdfaid:part"] = "2"
        meta["pdfaid:conformance"] = "B"
        meta["dc:title"] = title
        meta["xmp:CreatorTool"] = "Lantai"
        meta["pdf:Producer"] = "Lantai (pikepdf)"
        meta["xmp:CreateDate"] = now.isoformat()
        meta["xmp:ModifyDate"] = now.isoformat()


@dataclass
class CheckResult:
    """What ``check`` found: the PDF/A part and conformance, problems, and the text read back."""

    pdfa: str
    problems: list[str]
    texts: list[str]

    @property
    def ok(self) -> bool:
        """Whether no problem was found."""
        return not self.problems


_FONT_FILES = ("/FontFile", "/FontFile2", "/FontFile3")


def check(data: bytes, page_texts: Sequence[str] | None = None, read_pages: int = 0) -> CheckResult:
    """Check a copy: PDF/A-2b metadata, output intent, embedded fonts, no encryption, and
    (with ``page_texts``) that pdfminer.six reads each page's text back; ``read_pages``: only
    the first so many pages are read back (0: all)."""
    problems: list[str] = []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        meta = pdf.open_metadata()
        status = meta.pdfa_status
        if status != "2B":
            problems.append(f"XMP says PDF/A {status or 'nothing'}, not 2B")
        if pdf.is_encrypted:
            problems.append("encrypted")
        if not pdf.trailer.get("/ID"):
            problems.append("no document ID")
        intents: list[Any] = list(pdf.Root.get("/OutputIntents") or [])
        if not any(i.get("/S") == pikepdf.Name.GTS_PDFA1 and "/DestOutputProfile" in i for i in intents):
            problems.append("no PDF/A output intent with an ICC profile")
        for number, page in enumerate(pdf.pages, 1):
            for name, font in (page.Resources.get("/Font") or {}).items():
                for part in [font, *(font.get("/DescendantFonts") or [])]:
                    descriptor = part.get("/FontDescriptor")
                    embedded = descriptor is not None and any(k in descriptor for k in _FONT_FILES)
                    if part.get("/Subtype") != pikepdf.Name.Type0 and not embedded:
                        problems.append(f"page {number}: font {name} is not embedded")
                if "/ToUnicode" not in font:
                    problems.append(f"page {number}: font {name} has no ToUnicode map")
    texts = read_texts(data, read_pages)
    if page_texts is not None:
        if read_pages:
            page_texts = page_texts[:read_pages]
        if len(texts) != len(page_texts):
            problems.append(f"{len(texts)} pages read back, {len(page_texts)} expected")
        for number, (got, want) in enumerate(zip(texts, page_texts, strict=False), 1):
            if normalize_for_cer(got) != normalize_for_cer(want):
                problems.append(f"page {number}: the text read back differs from the OCR text")
    return CheckResult(status or "", problems, texts)


def read_texts(data: bytes, pages: int = 0) -> list[str]:
    """Each page's text as pdfminer.six extracts it in the order it is drawn (no layout
    analysis, which would regroup columns by position), as a PDF reader's search sees it;
    ``pages``: the first so many only (0: all)."""
    from pdfminer.converter import PDFPageAggregator
    from pdfminer.layout import LTChar
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage

    manager = PDFResourceManager()
    device = PDFPageAggregator(manager, laparams=None)
    interpreter = PDFPageInterpreter(manager, device)
    texts = []
    for page in PDFPage.get_pages(io.BytesIO(data), maxpages=pages):
        interpreter.process_page(page)
        texts.append("".join(item.get_text() for item in device.get_result() if isinstance(item, LTChar)))
    return texts
