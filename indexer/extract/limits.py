"""Shared checks against hostile input: pixel floods, decompression bombs and slow pages.

Every check raises ``ResourceLimitExceeded`` with a message in Chinese and English, before
the expensive work starts where possible (pixel count from the header, inflated size counted
while streaming) so a hostile file costs little time and memory.
"""

from __future__ import annotations

import re
import time
import warnings
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from PIL import Image

from indexer.extract.base import CorruptFile, ResourceLimitExceeded

# Pages are rendered for OCR at most this large (about 7000 x 7000): a poster-sized page at
# 300 dpi would otherwise need gigabytes, and Tesseract gains nothing beyond this.
MAX_RENDER_PIXELS = 50_000_000
# Bytes inflated per step while counting a stream against its budget.
INFLATE_CHUNK = 1024 * 1024


def check_pixels(width: int, height: int, max_pixels: int, what: str = "image", filename: str = "") -> None:
    """Refuse an image whose header declares more than ``max_pixels`` pixels (a pixel flood),
    naming the file and the settings that would admit it."""
    if width <= 0 or height <= 0:
        raise CorruptFile(
            f"The {what} declares an impossible size {width}x{height}",
            f"图像声明的尺寸 {width}x{height} 不可能成立",
        )
    pixels = width * height
    if pixels > max_pixels:
        raise pixel_flood(f"{width}x{height} = {pixels}", f"{width}x{height}，共 {pixels}", max_pixels, what, filename)


def pixel_flood(size_en: str, size_zh: str, max_pixels: int, what: str, filename: str) -> ResourceLimitExceeded:
    """The refusal of an image with too many pixels: which file, how large, and the settings
    that would admit it."""
    named_en = f" of {filename}" if filename else ""
    named_zh = f"“{filename}”的" if filename else ""
    return ResourceLimitExceeded(
        f"The {what}{named_en} is {size_en} pixels, more than the limit of {max_pixels}; it was refused "
        "before decoding. To admit it, raise LANTAI_MAX_IMAGE_PIXELS (and LANTAI_DOCUMENT_MEMORY_MB: "
        "about 16 bytes a pixel)",
        f"{named_zh}图像尺寸 {size_zh} 像素，超过上限 {max_pixels}，已在解码前拒绝。如需接收，请调高 "
        "LANTAI_MAX_IMAGE_PIXELS（并相应调高 LANTAI_DOCUMENT_MEMORY_MB，每像素约 16 字节）",
        filename=filename,
    )


@contextmanager
def pillow_bomb_guard(max_pixels: int, filename: str = "") -> Iterator[None]:
    """Turn Pillow's own decompression-bomb error into ``ResourceLimitExceeded``.

    Pillow warns above ``Image.MAX_IMAGE_PIXELS`` and refuses above twice that, before
    decoding. It is set to our limit (the way Pillow is meant to be configured) so that
    Pillow never refuses an image our setting allows; its warning is silenced because
    ``check_pixels`` enforces the limit exactly, with a clearer message.
    """
    if Image.MAX_IMAGE_PIXELS is not None and max_pixels > Image.MAX_IMAGE_PIXELS:
        Image.MAX_IMAGE_PIXELS = max_pixels
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            yield
        except Image.DecompressionBombError as exc:
            found = re.search(r"\((\d+) pixels\)", str(exc))
            pixels = found.group(1) if found else "?"
            raise pixel_flood(pixels, f"共 {pixels}", max_pixels, "image", filename) from exc


def render_scale(width_pt: float, height_pt: float, dpi: int, max_pixels: int) -> float:
    """The pdfium scale (pixels per point) for ``dpi``, reduced so the page fits ``max_pixels``."""
    scale = dpi / 72.0
    pixels = width_pt * scale * height_pt * scale
    if pixels > max_pixels > 0:
        scale *= (max_pixels / pixels) ** 0.5
    return max(scale, 0.01)


class DecompressionBudget:
    """A running count of decompressed bytes that refuses to go beyond ``limit``."""

    def __init__(self, limit: int, what_en: str = "the file", what_zh: str = "文件") -> None:
        self.limit = limit
        self.used = 0
        self.what_en = what_en
        self.what_zh = what_zh

    def add(self, count: int, part: str = "") -> None:
        """Count ``count`` more bytes; raise once the total is beyond the limit."""
        self.used += count
        if self.used > self.limit:
            where_en = f" (at {part})" if part else ""
            where_zh = f"（位于 {part}）" if part else ""
            raise ResourceLimitExceeded(
                f"Decompressing {self.what_en} yields more than {self.limit} bytes{where_en}: "
                "it looks like a compression bomb and was refused",
                f"{self.what_zh}解压后超过 {self.limit} 字节{where_zh}，疑似压缩炸弹，已拒绝",
            )


def inflated_size(data: bytes, budget: DecompressionBudget, part: str = "") -> int:
    """Inflate zlib ``data`` step by step, counting into ``budget``; return the inflated size.

    Never holds more than one step of output, so a gigabyte of deflated zeros costs a
    megabyte of memory. A damaged stream ends the count quietly: the reader that really
    decodes it decides how to degrade.
    """
    inflater = zlib.decompressobj()
    total = 0
    pending = data
    try:
        while pending:
            chunk = inflater.decompress(pending, INFLATE_CHUNK)
            total += len(chunk)
            budget.add(len(chunk), part)
            pending = inflater.unconsumed_tail
            if inflater.eof or (not chunk and not pending):
                break
    except zlib.error:
        return total
    return total


def stream_copy(
    chunks: Iterable[bytes], target: Path, budget: DecompressionBudget, part: str
) -> int:
    """Write ``chunks`` to ``target`` while counting them into ``budget``; return bytes written."""
    written = 0
    with target.open("xb") as out:
        for chunk in chunks:
            budget.add(len(chunk), part)
            out.write(chunk)
            written += len(chunk)
    return written


class Deadline:
    """A per-page time limit checked cooperatively inside long loops."""

    def __init__(self, seconds: float, what_en: str, what_zh: str) -> None:
        self.seconds = seconds
        self.what_en = what_en
        self.what_zh = what_zh
        self.expires = time.monotonic() + seconds

    def expired(self) -> bool:
        """Whether the time is up."""
        return time.monotonic() > self.expires

    def check(self) -> None:
        """Raise ``ResourceLimitExceeded`` once the time is up."""
        if self.expired():
            raise ResourceLimitExceeded(
                f"{self.what_en} took longer than the limit of {self.seconds:g} s",
                f"{self.what_zh}处理时间超过上限 {self.seconds:g} 秒",
            )
