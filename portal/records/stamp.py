"""Stamping downloads: the user's name and the time drawn onto PDFs and images.

Used when ``settings.stamp_downloads`` is on, so that a leaked copy shows who took it
and when. PDFs get a reportlab overlay merged onto every page with pypdf (a PDF pypdf cannot
parse is first rewritten by pdfium, which the extractors read it with); images are drawn on
with Pillow, every page of a multi-page TIFF, one page in memory at a time, in the image's own
mode and compression where it allows (a CCITT G4 scan stays a G4 scan). Other files are served
unchanged. A decoded image costs its pixel count in memory once: a large one is stamped by one
thread of a portal process at a time.
"""

from __future__ import annotations

import datetime as dt
import io
import tempfile
import threading
import warnings
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

if TYPE_CHECKING:
    from PIL import Image as PILImage

from config.errors import LantaiError

STAMPABLE_IMAGES = {"image/png": "PNG", "image/jpeg": "JPEG", "image/tiff": "TIFF", "image/webp": "WEBP"}
_FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
)
# Images above this many pixels are decoded by one thread of the process at a time.
LARGE_IMAGE_PIXELS = 25_000_000
_large_images = threading.Semaphore(1)
# TIFF compressions Pillow writes; CCITT ones only for bilevel pages.
_TIFF_COMPRESSIONS = {"raw", "tiff_deflate", "tiff_adobe_deflate", "tiff_lzw", "packbits", "jpeg"}
_BILEVEL_COMPRESSIONS = {"group3", "group4"}


class StampError(LantaiError):
    """The file could not be stamped (it is then not served at all)."""

    code = "stamp_failed"
    http_status = 422  # the file's fault (damaged, password-protected), not the server's
    default_zh = "无法为下载文件加盖水印"
    default_en = "The download could not be stamped"


def stamp_text(user_name: str, when: dt.datetime | None = None) -> str:
    """The line drawn on a stamped download."""
    moment = (when or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    return f"{user_name} · {moment:%Y-%m-%d %H:%M} UTC · 兰台 Lantai"


def can_stamp(mime_type: str) -> bool:
    """Whether files of this type are stamped."""
    return mime_type == "application/pdf" or mime_type in STAMPABLE_IMAGES


def stamp(source: BinaryIO, mime_type: str, text: str, max_pixels: int | None = None) -> BinaryIO:
    """A stamped copy of ``source`` (spooled to disk when large), positioned at its start.
    ``max_pixels`` is the pixel limit the original was admitted under (``LANTAI_MAX_IMAGE_PIXELS``)."""
    try:
        if mime_type == "application/pdf":
            return _stamp_pdf(source, text)
        if mime_type in STAMPABLE_IMAGES:
            return _stamp_image(source, STAMPABLE_IMAGES[mime_type], text, max_pixels)
    except LantaiError:
        raise
    except Exception as exc:  # pypdf and Pillow raise many types on damaged files
        raise StampError(
            f"The download could not be stamped: {exc}",
            "无法为下载文件加盖水印，文件可能已损坏；请联系档案管理员",
        ) from exc
    return source


@lru_cache(maxsize=1)
def _font_path() -> str | None:
    for candidate in _FONT_CANDIDATES:
        if Path(candidate).is_file():
            return candidate
    return None


def _readable_pdf(source: BinaryIO) -> BinaryIO:
    """``source`` if pypdf parses it, else the same document rewritten by pdfium (a broken
    cross-reference table that pdfium, like the extractors and viewers, repairs)."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        PdfReader(source)
        source.seek(0)
        return source
    except PdfReadError:
        from indexer.extract.base import CorruptFile
        from indexer.extract.pdf import rewrite_pdf  # pdfium, under the lock the page renderer holds

        source.seek(0)
        try:
            return io.BytesIO(rewrite_pdf(source.read()))
        except CorruptFile as exc:
            raise StampError(
                f"The download could not be stamped: {exc.message_en}",
                "无法为下载文件加盖水印：此 PDF 已损坏，无法打开；请联系档案管理员",
            ) from exc


def _stamp_pdf(source: BinaryIO, text: str) -> BinaryIO:
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(_readable_pdf(source))
    if reader.is_encrypted and not reader.decrypt(""):
        raise StampError(
            "This PDF is protected by a password, so no stamped copy can be made; ask an "
            "archivist for a copy without the password",
            "该 PDF 受密码保护，无法生成加盖水印的副本；请向档案员索取去除密码的副本",
        )
    writer = PdfWriter(clone_from=reader)
    overlays: dict[tuple[float, float], Any] = {}
    for page in writer.pages:
        box = page.mediabox
        width, height = float(box.width), float(box.height)
        key = (round(width, 1), round(height, 1))
        if key not in overlays:
            overlays[key] = PdfReader(io.BytesIO(_pdf_overlay(width, height, text))).pages[0]
        # The overlay is drawn from (0, 0); a media box may start elsewhere.
        page.merge_translated_page(overlays[key], float(box.left), float(box.bottom))
    out = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115  (returned open)
    writer.write(out)
    out.seek(0)
    return out  # type: ignore[return-value]


def _pdf_overlay(width: float, height: float, text: str) -> bytes:
    from reportlab.lib.colors import Color
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    font = "STSong-Light"  # a standard CID font: Chinese without embedding a font file
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer, pagesize=(width, height))
    size = max(7.0, min(11.0, width / 60))
    sheet.setFont(font, size)
    sheet.setFillColor(Color(0.75, 0.0, 0.0, alpha=0.75))
    sheet.drawString(size, size, text)
    sheet.drawRightString(width - size, height - 1.8 * size, text)
    sheet.showPage()
    sheet.save()
    return buffer.getvalue()


def _stamp_image(source: BinaryIO, image_format: str, text: str, max_pixels: int | None) -> BinaryIO:
    from PIL import Image

    if max_pixels and Image.MAX_IMAGE_PIXELS is not None and max_pixels > Image.MAX_IMAGE_PIXELS:
        Image.MAX_IMAGE_PIXELS = max_pixels  # the setting admitted the original: Pillow follows
    out = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115  (returned open)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with Image.open(source) as original:
            large = original.width * original.height > LARGE_IMAGE_PIXELS
            if large:
                _large_images.acquire()
            try:
                if image_format == "TIFF":
                    _save_tiff(original, out, text)
                else:
                    several = getattr(original, "n_frames", 1) > 1
                    frames = [_stamped_frame(frame, text, copy=several) for frame in _frames(original)]
                    options: dict[str, Any] = {"quality": 90} if image_format == "JPEG" else {}
                    if len(frames) > 1:
                        options.update(save_all=True, append_images=frames[1:])
                    frames[0].save(out, format=image_format, **options)
            finally:
                if large:
                    _large_images.release()
    out.seek(0)
    return out  # type: ignore[return-value]


def _frames(image: PILImage.Image) -> Iterator[PILImage.Image]:
    """Every frame (page) of ``image``, the current one loaded."""
    for index in range(getattr(image, "n_frames", 1)):
        image.seek(index)
        yield image


def _save_tiff(image: PILImage.Image, out: Any, text: str) -> None:
    """Write every page of a TIFF stamped, one page in memory at a time."""
    from PIL import TiffImagePlugin

    with TiffImagePlugin.AppendingTiffWriter(out, new=True) as writer:
        for frame in _frames(image):
            compression = str(frame.info.get("compression", "raw"))
            page = _stamped_frame(frame, text, copy=False)  # written before the next page is read
            if compression not in _TIFF_COMPRESSIONS | _BILEVEL_COMPRESSIONS or (
                compression in _BILEVEL_COMPRESSIONS and page.mode != "1"
            ) or (compression == "jpeg" and page.mode not in {"L", "RGB"}):
                compression = "tiff_deflate"  # lossless, and written for every mode
            dpi = frame.info.get("dpi")
            page.save(writer, format="TIFF", compression=compression, **({"dpi": dpi} if dpi else {}))
            writer.newFrame()


# Modes drawn on as they are, black on white: (ink, paper).
_GREY_MODES: dict[str, tuple[int, int]] = {"1": (0, 255), "L": (0, 255), "I;16": (0, 65535)}


def _stamped_frame(frame: PILImage.Image, text: str, *, copy: bool) -> PILImage.Image:
    """``frame`` with the stamp drawn: bilevel and grey pages black on white in their own mode,
    colour pages in red; other modes become RGB(A). Drawn in place unless ``copy`` (the frame
    is kept while the next is read), so a large page is never held twice."""
    from PIL import ImageDraw, ImageFont

    frame.load()
    ink: Any
    paper: Any
    if frame.mode in _GREY_MODES:
        image = frame.copy() if copy else frame
        ink, paper = _GREY_MODES[frame.mode]
    else:
        if frame.mode in {"RGB", "RGBA"}:
            image = frame.copy() if copy else frame
        else:
            alpha = "A" in frame.getbands() or "transparency" in frame.info
            image = frame.convert("RGBA" if alpha else "RGB")
        ink, paper = (170, 0, 0), (255, 255, 255)
    size = max(12, image.width // 50)
    path = _font_path()
    font = ImageFont.truetype(path, size) if path else ImageFont.load_default(size)
    draw = ImageDraw.Draw(image)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    x, y = size // 2, image.height - (bottom - top) - size
    pad = size // 4
    draw.rectangle((x - pad, y - pad, x + (right - left) + pad, y + (bottom - top) + 2 * pad), fill=paper)
    draw.text((x - left, y - top), text, fill=ink, font=font)
    return image
