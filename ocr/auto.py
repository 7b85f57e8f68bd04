"""``auto``: read each page with the first engine, and ask the second about the pages it
read badly, keeping the better reading.

The engines are the two available ones of highest priority (``ocr.engine``); no engine is
named here. The rule for "better" is measurable and the same as for orientation:
``reading_score``, the confident characters weighted by confidence. Pages the first engine
reads with a mean confidence of at least ``AUTO_CONFIDENCE`` cost one reading only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PIL import Image

from ocr.engine import OcrEngine, OcrResult, available_engines, register_engine
from ocr.errors import OcrEngineUnavailable, OcrError
from ocr.script import reading_score

# Mean confidence (0..100) under which the second engine is asked (bench/bench_ocr.py:
# clean and lightly noisy pages read by Tesseract score 85-95, pages it misreads under 75).
AUTO_CONFIDENCE = 80.0


class AutoEngine:
    """The first engine, with the second for pages it reads with low confidence."""

    name = "auto"

    def __init__(self, timeout: float = 300.0, **options: Any) -> None:
        """Make the two engines of highest priority that can run here."""
        entries = available_engines()
        if not entries:
            raise OcrEngineUnavailable("No OCR engine can run here", "没有可用的文字识别引擎")
        self.first: OcrEngine = entries[0].factory(timeout=timeout, **options)
        self.second: OcrEngine | None = entries[1].factory(timeout=timeout, **options) if len(entries) > 1 else None

    def recognize(self, image: Image.Image, languages: Sequence[str]) -> OcrResult:
        """The first engine's reading, or the second's when that reads the page better."""
        first = self.first.recognize(image, languages)
        if self.second is None or first.confidence is None or first.confidence >= AUTO_CONFIDENCE:
            return first
        try:
            second = self.second.recognize(image, languages)
        except OcrError:
            return first  # the first reading stands
        return second if reading_score(second) > reading_score(first) else first


def _check() -> OcrError | None:
    """None when at least one engine can run here."""
    return None if available_engines() else OcrEngineUnavailable("No OCR engine can run here", "没有可用的文字识别引擎")


register_engine("auto", AutoEngine, priority=0, check=_check, composite=True)
