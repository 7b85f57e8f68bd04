"""Stamping downloads: the user's name and the time drawn onto PDFs and images.

Used when ``settings.stamp_downloads`` is on, so that a leaked copy shows who took it
and when. PDFs get a reportlab overlay merged onto every page with pypdf; images are
drawn on with Pillow. Other files are served unchanged.
"""

from __future__ import annotations

import datetime as dt
import io
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any, BinaryIO

from config.errors import LantaiError

STAMPABLE_IMAGES = {"image/png": "PNG", "image/jpeg": "JPEG", "image/tiff": "TIFF", "image/webp": "WEBP"}
_FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
)


class StampError(LantaiError):
    """The file could not be stamped (it is then not served at all)."""

    code = "stamp_failed"
    http_status = 500
    default_zh = "无法为下载文件加盖水印"
    default_en = "The download could not be stamped"


def stamp_text(user_name: str, when: dt.datetime | None = None) -> str:
    """The line drawn on a stamped download."""
    moment = (when or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    return f"{user_name} · {moment:%Y-%m-%d %H:%M} UTC · 兰台 Lantai"


def can_stamp(mime_type: str) -> bool:
    """Whether files of this type are stamped."""
    return mime_type == "application/pdf" or mime_type in STAMPABLE_IMAGES


def stamp(source: BinaryIO, mime_type: str, text: str) -> BinaryIO:
    """A stamped copy of ``source`` (spooled to disk when large), positioned at its start."""
    try:
        if mime_type == "application/pdf":
            return _stamp_pdf(source, text)
        if mime_type in STAMPABLE_IMAGES:
            return _stamp_image(source, STAMPABLE_IMAGES[mime_type], text)
    except LantaiError:
        raise
    except Exception as exc:  # pypdf and Pillow raise many types on damaged files
        raise StampError(f"The download could not be stamped: {exc}", f"无法为下载文件加盖水印：{exc}") from exc
    return source


@lru_cache(maxsize=1)
def _font_path() -> str | None:
    for candidate in _FONT_CANDIDATES:
        if Path(candidate).is_file():
            return candidate
    return None


def _stamp_pdf(source: BinaryIO, text: str) -> BinaryIO:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=source)
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


def _stamp_image(source: BinaryIO, image_format: str, text: str) -> BinaryIO:
    from PIL import Image, ImageDraw, ImageFont

    with Image.open(source) as original:
        image = original.convert("RGB")
    size = max(12, image.width // 50)
    path = _font_path()
    font = ImageFont.truetype(path, size) if path else ImageFont.load_default(size)
    draw = ImageDraw.Draw(image)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    x, y = size // 2, image.height - (bottom - top) - size
    pad = size // 4
    draw.rectangle((x - pad, y - pad, x + (right - left) + pad, y + (bottom - top) + 2 * pad), fill="white")
    draw.text((x - left, y - top), text, fill=(170, 0, 0), font=font)
    out = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115  (returned open)
    image.save(out, format=image_format)
    out.seek(0)
    return out  # type: ignore[return-value]
