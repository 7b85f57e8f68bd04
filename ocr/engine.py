"""The OCR engine interface, its result types, and the registry of engines.

An engine turns one page image into text, a mean confidence and word boxes in page-image
pixels. Tesseract (``ocr/tesseract.py``) is the default; another engine is added by
registering a factory under a name.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from PIL import Image

from config.errors import LantaiError


class OcrError(LantaiError):
    """The OCR engine failed on a page."""

    code = "ocr_failed"
    default_zh = "文字识别失败"
    default_en = "OCR failed"


@dataclass(frozen=True)
class Word:
    """One recognised word (for CJK usually one character or a short run) in page pixels."""

    text: str
    confidence: float  # 0..100
    left: int
    top: int
    width: int
    height: int

    def as_list(self) -> list[object]:
        """The compact form stored in ``Page.words``: [text, conf, left, top, width, height]."""
        return [self.text, round(self.confidence, 1), self.left, self.top, self.width, self.height]


@dataclass
class OcrResult:
    """What OCR found on one page image."""

    text: str
    confidence: float | None  # mean word confidence 0..100, None when no word was found
    words: list[Word] = field(default_factory=list)
    width: int = 0  # size of the image the word boxes refer to (after orientation fix)
    height: int = 0
    rotated: int = 0  # degrees (clockwise) the page was turned to read it upright
    # The upright (and deskewed) page image the word boxes refer to, for the viewer; None
    # when the engine does not provide one.
    image: Image.Image | None = None


class OcrEngine(Protocol):
    """Turns a page image into text and word boxes."""

    name: str

    def recognize(self, image: Image.Image, languages: Sequence[str]) -> OcrResult:
        """OCR one page; raise ``OcrError`` (never a library error) on failure."""
        ...


_ENGINES: dict[str, Callable[..., OcrEngine]] = {}


def register_engine(name: str, factory: Callable[..., OcrEngine]) -> None:
    """Make an engine available under ``name``; the factory takes ``timeout`` (seconds per page)."""
    _ENGINES[name] = factory


def get_engine(name: str = "tesseract", *, timeout: float = 300.0) -> OcrEngine:
    """A new instance of the named engine with a per-page time limit."""
    if name not in _ENGINES and name == "tesseract":
        import ocr.tesseract  # noqa: F401  (registers itself)
    try:
        factory = _ENGINES[name]
    except KeyError:
        raise LantaiError(f"Unknown OCR engine {name!r}", f"未知的文字识别引擎 {name!r}") from None
    return factory(timeout=timeout)
