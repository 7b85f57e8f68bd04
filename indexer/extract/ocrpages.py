"""OCR of page images for the image and PDF extractors: lazy, in order, on several cores.

Images come from a generator so only the pages in flight are in memory; results come back
in page order as ``PageContent``, with a failed page carrying its error instead of text.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from PIL import Image

from archive.vocabulary import PageSource
from config.errors import ConfigurationError, LantaiError
from indexer.extract.base import ExtractContext, PageContent
from ocr.engine import OcrEngine, OcrResult, check_engine, get_engine
from ocr.errors import OcrError


class PageOcrError(LantaiError):
    """OCR failed on a page (the ``OcrError`` of ``ocr/``, with its code, as a ``LantaiError``)."""

    code = "ocr_failed"
    http_status = 422
    default_zh = "文字识别失败"
    default_en = "OCR failed"


_BY_CODE: dict[str, type[PageOcrError]] = {}


def lantai_error(error: OcrError) -> LantaiError:
    """The ``LantaiError`` shown for an ``OcrError``: same code, messages and details."""
    cls = _BY_CODE.get(error.code)
    if cls is None:
        name = "PageOcrError_" + error.code
        cls = type(name, (PageOcrError,), {"code": error.code, "http_status": error.http_status})
        _BY_CODE[error.code] = cls
    return cls(error.message_en, error.message_zh, **error.details)


def ocr_engine(name: str, timeout: float, choose_script: bool = False) -> OcrEngine:
    """The named OCR engine (a setting or a batch's choice); a ``LantaiError`` for an unknown
    engine or one that cannot run here, so the record that asked for it says why."""
    try:
        return get_engine(name, timeout=timeout, choose_script=choose_script)
    except OcrError as exc:
        raise lantai_error(exc) from exc


def check_ocr_engine(name: str) -> None:
    """Stop start-up (``ConfigurationError``) when the configured engine is unknown or cannot run."""
    try:
        check_engine(name)
    except OcrError as exc:
        raise ConfigurationError(
            f"LANTAI_OCR_ENGINE: {exc.message_en}", f"LANTAI_OCR_ENGINE：{exc.message_zh}", engine=name
        ) from exc


def flatten_for_ocr(image: Image.Image) -> Image.Image:
    """An image Tesseract reads well: transparency laid on white, odd modes made RGB or L.

    Black text on a transparent background has black RGB everywhere; dropping the alpha
    channel alone would give a black page.
    """
    if image.mode in ("1", "L", "RGB"):
        return image
    if image.mode == "P" or image.mode == "PA":
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "La", "RGBa"):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        white.alpha_composite(rgba)
        return white.convert("RGB")
    if image.mode.startswith("I") or image.mode == "F":
        return image.convert("L")
    return image.convert("RGB")


def page_from_result(number: int, result: OcrResult, fallback: Image.Image) -> PageContent:
    """A ``PageContent`` from one OCR result (boxes refer to the image the engine returns)."""
    image = result.image if result.image is not None else fallback
    return PageContent(
        number=number,
        text=result.text,
        source=PageSource.OCR,
        confidence=result.confidence,
        words=[word.as_list() for word in result.words],
        image=image,
        width=result.width or image.width,
        height=result.height or image.height,
    )


# A picture "holds text" when OCR found at least this many characters read with at least this
# confidence: a scene read as text gives a few unsure fragments, a document photo lines of
# confident ones.
TEXT_MIN_CHARS = 6
TEXT_MIN_CONFIDENCE = 75.0


def holds_text(result: OcrResult) -> bool:
    """Whether an OCR reading of a photograph found real text rather than shapes read as letters."""
    sure = sum(
        len(w.text) for w in result.words if w.confidence >= TEXT_MIN_CONFIDENCE and any(c.isalnum() for c in w.text)
    )
    return sure >= TEXT_MIN_CHARS and (result.confidence or 0.0) >= TEXT_MIN_CONFIDENCE * 0.8


def failed_page(number: int, error: LantaiError, image: Image.Image | None) -> PageContent:
    """A page whose OCR or rendering failed alone: no text, the error kept on the page."""
    return PageContent(
        number=number,
        text="",
        source=PageSource.NONE,
        image=image,
        width=image.width if image is not None else None,
        height=image.height if image is not None else None,
        error=error,
    )


def no_engine_page(number: int, image: Image.Image) -> PageContent:
    """A page that needs OCR when no engine was given: kept as an image without text."""
    return failed_page(
        number,
        PageOcrError(
            "This page is an image and no OCR engine is configured",
            "该页为图像，但未配置文字识别引擎",
        ),
        image,
    )


def _recognize(
    ctx: ExtractContext, images: Iterable[Image.Image]
) -> Iterator[OcrResult | LantaiError]:
    """OCR each image in order: in parallel via ``ocr.parallel`` when it is available."""
    assert ctx.ocr is not None  # noqa: S101  (callers check)
    from ocr.parallel import recognize_pages

    for result in recognize_pages(ctx.ocr, images, ctx.languages, max(1, ctx.ocr_workers)):
        yield lantai_error(result) if isinstance(result, OcrError) else result


def ocr_in_order(
    ctx: ExtractContext, items: Iterator[tuple[Any, Image.Image | None]]
) -> Iterator[tuple[Any, OcrResult | LantaiError | None, Image.Image | None]]:
    """OCR the images among ``items`` while keeping every item in its place.

    ``items`` yields (tag, image-or-None); an item without image passes straight through
    at once. Each run of consecutive images is OCR'd on ``ctx.ocr_workers`` threads, the
    images pulled lazily by the runner, so only the pages in flight are in memory.
    """
    if ctx.ocr is None:
        for tag, image in items:
            yield tag, None, image
        return
    source = iter(items)
    stash: list[tuple[Any, Image.Image | None]] = []
    while True:
        item = stash.pop() if stash else next(source, None)
        if item is None:
            return
        if item[1] is None:
            yield item[0], None, None
            continue
        queue = [item]

        def run_images(
            first: Image.Image, queue: list[tuple[Any, Image.Image | None]]
        ) -> Iterator[Image.Image]:
            yield first
            for following in source:
                if following[1] is None:
                    stash.append(following)  # ends this run; passed on after it
                    return
                queue.append(following)
                yield following[1]

        for result in _recognize(ctx, run_images(item[1], queue)):
            tag, image = queue.pop(0)
            yield tag, result, image
        for tag, image in queue:  # the runner stopped early: nothing more to report
            yield tag, None, image
