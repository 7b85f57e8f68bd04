"""Raster images (TIFF, PNG, JPEG, BMP, WebP): one page per frame, OCR'd; camera photos catalogued.

The pixel count is checked from the header before any pixel is decoded, so a pixel flood
is refused at once. A JPEG with camera EXIF may be a photograph of a scene or a document
photographed with a phone: it is OCR'd, and the reading is kept only when it holds
confident text (``holds_text``); otherwise it is catalogued as a photo (carrier "photo",
its capture date and camera) with no text, in its own colours.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from PIL import Image, ImageOps, UnidentifiedImageError

from archive.vocabulary import PageSource
from config.errors import LantaiError
from indexer.extract.base import (
    CorruptFile,
    EmptyFile,
    ExtractContext,
    Extraction,
    PageContent,
)
from indexer.extract.exif import is_camera_photo, read_exif
from indexer.extract.limits import check_pixels, pillow_bomb_guard
from indexer.extract.ocrpages import (
    failed_page,
    flatten_for_ocr,
    holds_text,
    no_engine_page,
    ocr_in_order,
    page_from_result,
)
from ocr.engine import OcrResult

_DECODE_ERRORS = (OSError, ValueError, SyntaxError, EOFError, IndexError, KeyError, TypeError)


def _corrupt(path: Path, exc: BaseException) -> CorruptFile:
    """The error for an image that cannot be decoded."""
    return CorruptFile(
        f"The image {path.name} is corrupt or truncated and cannot be decoded ({exc})",
        f"图像 {path.name} 已损坏或被截断，无法解码",
    )


def open_image(path: Path, max_pixels: int) -> Image.Image:
    """Open an image lazily (header only) and refuse it if it declares too many pixels."""
    if path.stat().st_size == 0:
        raise EmptyFile(f"The image {path.name} is empty", f"图像 {path.name} 为空文件")
    with pillow_bomb_guard(max_pixels, path.name):
        try:
            image = Image.open(path)
        except UnidentifiedImageError as exc:
            raise _corrupt(path, exc) from exc
        except _DECODE_ERRORS as exc:
            raise _corrupt(path, exc) from exc
    check_pixels(image.width, image.height, max_pixels, "image", path.name)
    return image


def frame_count(image: Image.Image) -> int:
    """Number of frames (pages) in a multi-page image; reading it parses headers only."""
    try:
        return max(1, int(getattr(image, "n_frames", 1)))
    except _DECODE_ERRORS:
        return 1


def load_frame(image: Image.Image, index: int, path: Path, max_pixels: int) -> Image.Image:
    """Decode frame ``index`` (upright per EXIF orientation), checking its size first."""
    with pillow_bomb_guard(max_pixels, path.name):
        try:
            image.seek(index)
            check_pixels(image.width, image.height, max_pixels, f"frame {index + 1}", path.name)
            image.load()
            frame = image.copy()
        except LantaiError:
            raise
        except _DECODE_ERRORS as exc:
            raise _corrupt(path, exc) from exc
    try:
        return ImageOps.exif_transpose(frame) or frame
    except _DECODE_ERRORS:  # a bad orientation tag: keep the frame as stored
        return frame


class ImageExtractor:
    """TIFF, PNG, JPEG, BMP and WebP: OCR each frame, or catalogue a camera photo."""

    name: ClassVar[str] = "image"
    mime_types: ClassVar[frozenset[str]] = frozenset(
        {"image/tiff", "image/png", "image/jpeg", "image/bmp", "image/x-ms-bmp", "image/webp"}
    )

    def extract(self, path: Path, mime_type: str, ctx: ExtractContext) -> Extraction:
        """Check the header, then yield one page per frame."""
        image = open_image(path, ctx.max_image_pixels)
        metadata: dict[str, Any] = {"format": image.format, "width": image.width,
                                    "height": image.height}
        exif = read_exif(image)
        metadata.update(exif)
        count = frame_count(image)
        try:
            # The first frame is decoded now so a truncated file fails here, as a whole.
            first = load_frame(image, 0, path, ctx.max_image_pixels)
        except BaseException:
            image.close()
            raise
        if image.format == "JPEG" and is_camera_photo(exif):
            image.close()
            return Extraction(page_count=1, pages=self._photo(first, metadata, ctx), metadata=metadata)
        return Extraction(page_count=count, pages=self._scans(image, first, count, path, ctx),
                          metadata=metadata)

    def _photo(self, frame: Image.Image, metadata: dict[str, Any], ctx: ExtractContext) -> Iterator[PageContent]:
        """A camera picture: its OCR when it holds text (a document photographed), else the
        photograph as one page without text (``metadata`` then says carrier "photo")."""
        page: PageContent | None = None
        for _number, result, _frame in ocr_in_order(ctx, iter([(1, flatten_for_ocr(frame))])):
            if isinstance(result, OcrResult) and holds_text(result):
                page = page_from_result(1, result, frame)
        if page is None:
            metadata["carrier"] = "photo"
            page = PageContent(number=1, text="", source=PageSource.NONE, image=frame,
                               width=frame.width, height=frame.height)
        yield page
        ctx.progress(1, 1)

    def _scans(
        self, image: Image.Image, first: Image.Image, count: int, path: Path, ctx: ExtractContext
    ) -> Iterator[PageContent]:
        """Each frame OCR'd in order, decoded only when the OCR runner asks for it."""
        errors: dict[int, LantaiError] = {}

        def frames() -> Iterator[tuple[int, Image.Image | None]]:
            yield 1, flatten_for_ocr(first)
            for index in range(1, count):
                try:
                    frame = load_frame(image, index, path, ctx.max_image_pixels)
                except LantaiError as exc:
                    errors[index + 1] = exc
                    yield index + 1, None
                    continue
                yield index + 1, flatten_for_ocr(frame)

        with image:
            for number, result, frame in ocr_in_order(ctx, frames()):
                if number in errors:
                    page = failed_page(number, errors.pop(number), None)
                elif result is None and frame is not None:
                    page = no_engine_page(number, frame)
                elif isinstance(result, LantaiError):
                    page = failed_page(number, result, frame)
                elif result is not None and frame is not None:
                    page = page_from_result(number, result, frame)
                else:
                    continue
                yield page
                ctx.progress(number, count)
