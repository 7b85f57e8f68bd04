"""Page images and thumbnails: derivatives stored under ``records/<id>/``, rebuildable.

A scanned page's picture is the image that was OCR'd, stored while the page is processed.
A born-digital PDF page's picture is only a rendering of the original, which is kept
anyway, so it is rendered the first time someone looks at the page (``ensure``) and stored
then: rendering and compressing a page costs about three times as much as reading its text,
and most pages of a large archive are found through search, not paged through. Its size,
and the word boxes in its pixels, are known before it is rendered (``pdf.view_size``).
"""

from __future__ import annotations

import io
import logging
import math

from PIL import Image

from archive.catalog.models import Page, Record
from archive.vocabulary import PageSource
from config.errors import LantaiError
from indexer.context import Lantai

log = logging.getLogger(__name__)

PAGE_IMAGE_MAX = 2000  # long side of the stored page image, pixels
THUMB_WIDTH = 240


class PageImageMissing(LantaiError):
    code = "no_page_image"
    http_status = 404
    default_zh = "此页没有图像"
    default_en = "This page has no image"


def derivative_keys(record_id: int, number: int) -> tuple[str, str]:
    """Storage keys of a page's image and thumbnail."""
    return f"records/{record_id}/page-{number:04d}.jpg", f"records/{record_id}/thumb-{number:04d}.jpg"


def jpeg(image: Image.Image, max_side: int | None = None, width: int | None = None) -> bytes:
    """The image as a JPEG, scaled down to ``max_side`` (long side) or ``width`` when larger."""
    picture = image if image.mode in ("RGB", "L") else image.convert("RGB")
    if max_side and max(picture.size) > max_side:
        picture = shrink(picture, max(picture.size) / max_side)
    if width and picture.width > width:
        picture = shrink(picture, picture.width / width)
    buffer = io.BytesIO()
    # No optimize pass: it costs ~40% more time for ~5% smaller files (measured on page images).
    picture.save(buffer, "JPEG", quality=78)
    return buffer.getvalue()


def shrink(picture: Image.Image, factor: float, round_up: bool = False) -> Image.Image:
    """Scale down by ``factor``: a fast whole-number box reduction, then a light resample.

    With ``round_up`` (a size that is a maximum), a factor from 1.5 is rounded up to a
    whole reduction alone: an A4 scan at 300 dpi becomes 1240 x 1754 rather than 1414 x 2000,
    in a tenth of the time and as sharp on screen."""
    whole = math.ceil(factor) if round_up and factor >= 1.5 else int(factor)
    if whole >= 2:
        picture = picture.reduce(whole)
        factor /= whole
    if factor > 1.01:
        size = (max(1, round(picture.width / factor)), max(1, round(picture.height / factor)))
        picture = picture.resize(size, Image.Resampling.BILINEAR)
    return picture


def store_images(lantai: Lantai, record_id: int, number: int, image: Image.Image) -> tuple[str, str]:
    """Store a page's image (long side at most ``PAGE_IMAGE_MAX``) and thumbnail; their keys."""
    image_key, thumb_key = derivative_keys(record_id, number)
    picture = image if image.mode in ("RGB", "L") else image.convert("RGB")
    if max(picture.size) > PAGE_IMAGE_MAX:
        picture = shrink(picture, max(picture.size) / PAGE_IMAGE_MAX, round_up=True)
    lantai.storage.put_derivative(image_key, jpeg(picture))
    lantai.storage.put_derivative(thumb_key, jpeg(picture, width=THUMB_WIDTH))  # from the smaller image
    return image_key, thumb_key


def renderable(record: Record, page: Page) -> bool:
    """Whether the page's picture can be made from the original (a PDF text-layer page)."""
    original = record.original
    return (
        original is not None
        and original.mime_type == "application/pdf"
        and page.source == PageSource.TEXT_LAYER
        and bool(page.width and page.height)
    )


def ensure(lantai: Lantai, record: Record, page: Page, thumbnail: bool = False) -> str:
    """The storage key of the page's image (or thumbnail), rendering it first when it has not
    been made yet; ``PageImageMissing`` when the page has no picture."""
    key = page.thumbnail_key if thumbnail else page.image_key
    if not key:
        raise PageImageMissing()
    if lantai.storage.has_derivative(key):
        return key
    if not renderable(record, page) or record.original is None:
        raise PageImageMissing()
    from indexer.extract.pdf import render_page_image

    width, height = page.width or 1, page.height or 1
    if thumbnail:  # rendered small at once: a search page shows many thumbnails
        width, height = min(THUMB_WIDTH, width), max(1, round(height * min(THUMB_WIDTH, width) / width))
    try:
        with lantai.storage.plain_original(record.original.storage_key) as path:
            image = render_page_image(path, page.number, (width, height))
    except LantaiError as exc:
        log.warning("record %s page %s: picture cannot be rendered: %s", record.id, page.number, exc.message_en)
        raise PageImageMissing(
            f"This page's picture cannot be rendered: {exc.message_en}", f"此页图像无法生成：{exc.message_zh}"
        ) from exc
    lantai.storage.put_derivative(key, jpeg(image, max_side=PAGE_IMAGE_MAX))
    return key


def first_thumbnail(lantai: Lantai, record_id: int) -> bool:
    """Render the first page's thumbnail of a born-digital record now (about 15 ms), so that
    search results never wait on, or show an empty box for, a picture made on first view;
    whether one was made. A page that cannot be rendered keeps its clear 404."""
    with lantai.catalog.session() as session:
        record = session.get(Record, record_id)
        page = next((p for p in record.pages if p.number == 1), None) if record is not None else None
        if record is None or page is None or not page.thumbnail_key or not renderable(record, page):
            return False
        if lantai.storage.has_derivative(page.thumbnail_key):
            return False
        try:
            ensure(lantai, record, page, thumbnail=True)
        except PageImageMissing:
            return False  # logged by ``ensure``; the portal answers 404 for this thumbnail
    return True
