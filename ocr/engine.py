"""The OCR engine interface, its result types, and the registry of engines.

An engine turns one page image into text, a mean confidence and word boxes in page-image
pixels. Engines register themselves with a priority and an availability check (as
paperless-ngx registers parsers); callers ask for an engine by the name a setting or a
batch gives (``get_engine``), never by importing one. ``auto`` is itself an engine that
reads with the highest-priority engine and asks the next one about pages read badly
(``ocr/auto.py``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from PIL import Image

from ocr.errors import OcrEngineUnavailable, OcrError

__all__ = ["EngineEntry", "OcrEngine", "OcrError", "OcrResult", "Word", "get_engine", "register_engine"]

# Modules of the built-in engines; each registers itself when imported.
BUILTIN_ENGINES = ("ocr.tesseract", "ocr.rapid", "ocr.auto")


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
    engine: str = ""  # name of the engine that produced this reading
    languages: str = ""  # the languages it was read in, e.g. chi_tra_vert


class OcrEngine(Protocol):
    """Turns a page image into text and word boxes."""

    name: str

    def recognize(self, image: Image.Image, languages: Sequence[str]) -> OcrResult:
        """OCR one page; raise ``OcrError`` (never a library error) on failure."""
        ...


@dataclass(frozen=True)
class EngineEntry:
    """A registered engine: how to make it, how it ranks, and whether it can run here."""

    name: str
    factory: Callable[..., OcrEngine]  # takes ``timeout`` (seconds per page)
    priority: int  # higher first: ``auto`` reads with the highest, asks the next about bad pages
    # None when the engine can run here, else the error saying why not (checked at start).
    check: Callable[[], OcrError | None] = lambda: None
    composite: bool = False  # made of other engines (``auto``): not a candidate for them


_ENGINES: dict[str, EngineEntry] = {}
_loaded = False


def register_engine(
    name: str,
    factory: Callable[..., OcrEngine],
    *,
    priority: int = 0,
    check: Callable[[], OcrError | None] | None = None,
    composite: bool = False,
) -> None:
    """Make an engine available under ``name`` (a later registration of the name wins)."""
    _ENGINES[name] = EngineEntry(name, factory, priority, check or (lambda: None), composite)


def load_builtin_engines() -> None:
    """Import the built-in engine modules (each registers itself); cheap after the first call."""
    global _loaded
    if not _loaded:
        _loaded = True
        for module in BUILTIN_ENGINES:
            importlib.import_module(module)


def engine_names() -> list[str]:
    """Every registered engine name, highest priority first."""
    load_builtin_engines()
    return [e.name for e in sorted(_ENGINES.values(), key=lambda e: -e.priority)]


def available_engines() -> list[EngineEntry]:
    """The single (not composite) engines that can run here, highest priority first."""
    load_builtin_engines()
    entries = sorted((e for e in _ENGINES.values() if not e.composite), key=lambda e: -e.priority)
    return [e for e in entries if e.check() is None]


def check_engine(name: str) -> None:
    """Raise ``OcrEngineUnavailable`` unless ``name`` is a registered engine that can run here."""
    load_builtin_engines()
    entry = _ENGINES.get(name)
    if entry is None:
        known = ", ".join(engine_names())
        raise OcrEngineUnavailable(
            f"Unknown OCR engine {name!r}; known engines: {known}",
            f"未知的文字识别引擎 {name!r}；可用的引擎：{known}",
            engine=name,
        )
    problem = entry.check()
    if problem is not None:
        raise OcrEngineUnavailable(problem.message_en, problem.message_zh, engine=name)


def get_engine(name: str = "tesseract", *, timeout: float = 300.0, **options: object) -> OcrEngine:
    """A new instance of the named engine with a per-page time limit; ``OcrEngineUnavailable``
    for an unknown engine or one that cannot run here. ``options`` (e.g. ``choose_script``)
    are passed to the engine's factory."""
    check_engine(name)
    return _ENGINES[name].factory(timeout=timeout, **options)
