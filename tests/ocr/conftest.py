"""Fixtures for the OCR tests: the engine, and Chinese text rendered with installed CJK fonts."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest
from PIL import Image, ImageDraw, ImageFont

from ocr.tesseract import TesseractEngine

NOTO_SERIF = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"
NOTO_SANS = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
# Face numbers inside the Noto CJK collections (fc-list -f '%{index}').
SC, TC = 2, 3

Render = Callable[..., Image.Image]


def render_lines(
    lines: Sequence[str],
    font_path: str = NOTO_SERIF,
    index: int = SC,
    size: int = 42,
    margin: int = 40,
) -> Image.Image:
    """Black text on white, one line per entry, at roughly 300 dpi body-text size."""
    font = ImageFont.truetype(font_path, size, index=index)
    line_height = int(size * 1.6)
    width = margin * 2 + max(int(font.getlength(line)) for line in lines)
    image = Image.new("L", (width, margin * 2 + line_height * len(lines)), 255)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((margin, margin + i * line_height), line, font=font, fill=0)
    image.info["dpi"] = (300, 300)
    return image


@pytest.fixture(scope="session")
def engine() -> TesseractEngine:
    """The real Tesseract engine with a generous per-page limit."""
    return TesseractEngine(timeout=120)


@pytest.fixture
def render() -> Render:
    """``render_lines`` as a fixture."""
    return render_lines
