"""Page-image preparation before OCR: flatten transparency, grayscale, contrast, deskew.

Every step takes and returns a PIL image and can be tested alone. Orientation (0/90/180/270)
is found by Tesseract's OSD in ``ocr/tesseract.py``; the small skew left after that is
estimated here with numpy by projection profile: rows of text give a spiky horizontal
profile when the text lines are level, and a flat one when they are tilted.

Clean-up is limited to what measurably helps (bench page 1 of bench/bench_ocr.py, dense
Chinese at 300 dpi, CER): stretching a faded page (gray 100..180) took CER from 0.073 to
0.022, so ``improve_contrast`` runs on low-contrast pages; a 3x3 median filter on the noisy
page made it worse (0.021 to 0.074: it erodes thin strokes of Chinese characters), so there
is no denoising step.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from PIL import Image, ImageOps

# Skew search range and precision, in degrees. Scans are rarely more than a few degrees off;
# anything beyond is either deliberate or an orientation problem.
MAX_SKEW = 5.0
_COARSE_STEP = 0.5
_FINE_STEP = 0.1
# Below this Tesseract reads a tilted page as well as a levelled one, and the rotation (with
# its resampling blur) only costs time: bench/bench_deskew.py, dense Chinese at 300 dpi,
# CER tilted vs levelled: 0.4 deg 1.5% vs 4.6%, 0.8 deg 1.9% vs 2.1%, 1.0 deg 3.4% vs 1.8%,
# 1.5 deg 12% vs 1.8%, 2.0 deg 71% vs 1.8%; Tesseract took 7-23% more CPU on the turned page.
MIN_SKEW = 1.0
# Longest side of the ink mask skew and line direction are measured on: enough for 0.1
# degree over the width of a page, cheap to rotate.
_MASK_SIZE = 1200
# Line heights (pixels, as the ink mask measures them, line spacing included) outside which a
# page is rescaled before OCR (``ocr_scale``), and the height it is brought to.
_MAX_LINE = 130
_MIN_LINE = 14
_GOOD_LINE = 48
# Most pixels a page is OCR'd at (an A3 page at 300 dpi is 17.4 MP).
MAX_OCR_PIXELS = 20_000_000
# A page whose 1st..99th gray percentiles span less than this is stretched (faded scans).
_LOW_CONTRAST_SPAN = 128


# Resolution assumed for a page image that does not say (or says something implausible):
# archives scan at 300 dpi. Without one Tesseract assumes 70 dpi and misjudges large text.
DEFAULT_DPI = 300


def page_dpi(image: Image.Image) -> int:
    """The image's resolution in dots per inch, or ``DEFAULT_DPI`` when unknown or implausible."""
    dpi: Any = image.info.get("dpi")
    try:
        value = round(float(dpi[0] if isinstance(dpi, tuple) else dpi))
    except (TypeError, ValueError, IndexError):
        return DEFAULT_DPI
    return value if 70 <= value <= 2400 else DEFAULT_DPI


def flatten(image: Image.Image) -> Image.Image:
    """The image as 8-bit grayscale, transparent parts painted white.

    Black text on a transparent background (common in PNG exports) would otherwise become
    black on black: the colour under fully transparent pixels is usually black.
    """
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    if image.mode.startswith("I;16"):
        image = _sixteen_to_l(image)
    if image.mode in ("RGB", "CMYK", "YCbCr", "P"):
        return _darkest_channel(image.convert("RGB"))
    return image.convert("L") if image.mode != "L" else image


def _darkest_channel(rgb: Image.Image) -> Image.Image:
    """Gray as the darkest of the three channels, so that coloured ink stays dark.

    Luminance turns yellow ink (240, 200, 0) into gray 189, which Tesseract's binarisation
    drops as paper; the darkest channel makes it 0 while white paper stays 255 and light
    text on a dark band stays light (Tesseract reads inverted lines itself)."""
    array = np.asarray(rgb, dtype=np.uint8)
    return Image.fromarray(array.min(axis=2), mode="L")


def _sixteen_to_l(image: Image.Image) -> Image.Image:
    """16-bit grayscale scaled down to 8 bits (PIL's convert would clip instead)."""
    array = np.asarray(image, dtype=np.uint16)
    return Image.fromarray((array >> 8).astype(np.uint8), mode="L")


def improve_contrast(gray: Image.Image) -> Image.Image:
    """Stretch a faded page to the full gray range; a page with good contrast is returned as is.

    The range is measured on every 4th pixel of every 4th row (the same distribution, a
    sixteenth of the work); the stretch itself uses every pixel."""
    step = 4 if min(gray.size) >= 400 else 1
    sample = gray.resize((max(1, gray.width // step), max(1, gray.height // step)), Image.Resampling.NEAREST)
    histogram = np.asarray(sample.histogram(), dtype=np.float64)
    total = histogram.sum()
    if total == 0:
        return gray
    cumulative = np.cumsum(histogram) / total
    low = int(np.searchsorted(cumulative, 0.01))
    high = int(np.searchsorted(cumulative, 0.99))
    if high - low >= _LOW_CONTRAST_SPAN:
        return gray
    return ImageOps.autocontrast(gray, cutoff=1)


def text_line_height(ink: np.ndarray | None, vertical: bool = False) -> float | None:
    """Median height (in mask pixels) of the runs of rows that hold ink: the height of a text
    line, from a page's ``ink_mask`` (``vertical``: the width of its columns); None when
    fewer than three lines can be told apart.

    Measured on the middle half of the page only, so that a tilted page's lines stay apart."""
    if ink is None:
        return None
    if vertical:
        ink = ink.T
    middle = ink[:, ink.shape[1] // 4 : max(ink.shape[1] // 4 + 1, 3 * ink.shape[1] // 4)]
    rows = middle.sum(axis=1) > max(1, middle.shape[1] // 100)
    edges = np.flatnonzero(np.diff(np.concatenate(([0], rows.astype(np.int8), [0]))))
    heights = edges[1::2] - edges[0::2]
    heights = heights[heights >= 2]  # specks and rules are no lines
    if len(heights) < 3:
        return None
    return float(np.median(heights))


def ocr_scale(size: tuple[int, int], ink: np.ndarray | None, vertical: bool = False) -> float:
    """The factor that brings a page to the text size Tesseract reads best (1.0: leave it).

    Tesseract is trained on text of about 20 to 50 pixels per line (10 to 12 point type at
    300 dpi); a 50 MP phone photo has lines of 150 pixels and more, and reads worse than
    the same page shrunk. Pages whose lines are taller than ``_MAX_LINE`` pixels are scaled
    down to ``_GOOD_LINE``, pages with lines under ``_MIN_LINE`` pixels scaled up (at most
    2x), and every page kept under ``MAX_OCR_PIXELS``."""
    width, height = size
    scale = 1.0
    line = text_line_height(ink, vertical)
    if line is not None:
        mask_factor = math.ceil(max(width, height, 1) / _MASK_SIZE)
        line_px = line * mask_factor
        if line_px > _MAX_LINE:
            scale = _GOOD_LINE / line_px
        elif line_px < _MIN_LINE and mask_factor == 1:
            scale = min(2.0, _GOOD_LINE / max(line_px, 1.0))
    pixels = width * height * scale * scale
    if pixels > MAX_OCR_PIXELS:
        scale *= math.sqrt(MAX_OCR_PIXELS / pixels)
    return 1.0 if 0.9 <= scale <= 1.1 else scale


def rescale(gray: Image.Image, scale: float) -> Image.Image:
    """The page scaled by ``scale``: a whole-number box reduction first when shrinking (fast)."""
    if scale == 1.0:
        return gray
    size = (max(1, round(gray.width * scale)), max(1, round(gray.height * scale)))
    if scale < 1.0:
        return gray.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)
    return gray.resize(size, Image.Resampling.BICUBIC)


def _otsu_threshold(array: np.ndarray) -> int:
    """Otsu's threshold of an 8-bit array: values up to and including it are ink."""
    histogram = np.bincount(array.ravel(), minlength=256).astype(np.float64)
    weights = np.cumsum(histogram)
    means = np.cumsum(histogram * np.arange(256))
    total, total_mean = weights[-1], means[-1]
    background = total - weights
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (total_mean * weights - means * total) ** 2 / (weights * background)
    between[~np.isfinite(between)] = 0
    return int(np.argmax(between))


def _profile_score(ink: Image.Image, angle: float) -> float:
    """Sum of squared row sums of the ink mask turned by ``angle`` degrees.

    The amount of ink is the same at every angle, so the sum of squares grows as the ink
    gathers into fewer rows; unlike the variance it does not change with the empty rows
    that turning the canvas adds.
    """
    turned = ink.rotate(angle, resample=Image.Resampling.NEAREST, expand=True, fillcolor=0)
    rows = np.asarray(turned).sum(axis=1, dtype=np.int64).astype(np.float64)  # no float copy of the mask
    return float(np.dot(rows, rows))


def ink_mask(gray: Image.Image) -> np.ndarray | None:
    """The page shrunk to ``_MASK_SIZE`` on its longest side, 1 where there is ink; None if no text.

    ``text_lines_vertical`` and ``estimate_skew`` both measure it: make it once and pass it."""
    # A whole-number box reduction (a fifth of the time of a resize): the long side ends
    # between 2/3 of _MASK_SIZE and _MASK_SIZE.
    factor = math.ceil(max(gray.width, gray.height, 1) / _MASK_SIZE)
    small = gray.reduce(factor) if factor > 1 else gray
    array = np.asarray(small, dtype=np.uint8)
    if array.size == 0 or int(array.max()) - int(array.min()) < 32:
        return None  # blank or nearly blank page
    ink = (array <= _otsu_threshold(array)).astype(np.uint8)
    if ink.mean() > 0.5 or not ink.any():
        return None  # mostly dark (a photo, a negative): no text lines
    return ink


def _concentration(sums: np.ndarray) -> float:
    """How much the ink gathers into few rows (1.0: spread evenly)."""
    total = float(sums.sum())
    return float(np.dot(sums, sums)) * len(sums) / (total * total) if total else 1.0


def text_lines_vertical(gray: Image.Image) -> bool:
    """True when the ink gathers in columns rather than rows: a page turned 90 or 270 degrees
    (or one set in vertical lines). One line of large text is ambiguous and counts as not."""
    return lines_vertical_in(ink_mask(gray))


def lines_vertical_in(ink: np.ndarray | None) -> bool:
    """``text_lines_vertical`` of a page from its ``ink_mask``."""
    if ink is None:
        return False
    rows = _concentration(ink.sum(axis=1, dtype=np.float64))
    columns = _concentration(ink.sum(axis=0, dtype=np.float64))
    return columns > rows * 1.15


def estimate_skew(gray: Image.Image) -> float:
    """The angle in degrees (counter-clockwise, as ``Image.rotate`` takes it) that levels the
    text lines, within +-MAX_SKEW; 0.0 when the page has no clear text lines."""
    return skew_in(ink_mask(gray))


def skew_in(ink_array: np.ndarray | None, refine_from: float = 0.0) -> float:
    """``estimate_skew`` of a page from its ``ink_mask``.

    The coarse search (0.5 degree steps) runs on the mask at half size, a quarter of the
    pixels to turn; the fine search (0.1 degree) on the whole mask, and only when the coarse
    angle is at least ``refine_from`` (the OCR engine passes ``MIN_SKEW``: a page that will not
    be turned needs no precise angle)."""
    if ink_array is None:
        return 0.0

    def best(mask: Image.Image, candidates: np.ndarray) -> tuple[float, float]:
        scores = [(_profile_score(mask, float(a)), float(a)) for a in candidates]
        score, angle = max(scores)
        return angle, score

    half = Image.fromarray(np.ascontiguousarray(ink_array[::2, ::2]), mode="L")
    angle, score = best(half, np.arange(-MAX_SKEW, MAX_SKEW + 1e-9, _COARSE_STEP))
    mask = half
    if abs(angle) >= refine_from:
        mask = Image.fromarray(ink_array, mode="L")
        fine = np.arange(angle - _COARSE_STEP, angle + _COARSE_STEP + 1e-9, _FINE_STEP)
        angle, score = best(mask, fine[np.abs(fine) <= MAX_SKEW + 1e-9])
    level = _profile_score(mask, 0.0)
    # Only trust a clear peak: on pages without text lines all angles score about the same.
    if score <= level * 1.05:
        return 0.0
    return round(angle, 2)


def deskew(gray: Image.Image, angle: float) -> Image.Image:
    """The page turned by ``angle`` degrees counter-clockwise, corners filled white.

    The canvas grows to hold the whole page, so no text at the corners is cut off.
    """
    if abs(angle) < MIN_SKEW:
        return gray
    return gray.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
