"""OCR of many pages at once, in order, with a bounded number of pages in flight.

Threads, not processes: each thread spends its time waiting on its own single-threaded
tesseract subprocess, so two threads keep two cores busy, and threads work inside Celery
prefork children, which are daemonic and may not start multiprocessing children.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Generator, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from PIL import Image

from ocr.engine import OcrEngine, OcrResult
from ocr.errors import OcrError

log = logging.getLogger(__name__)


def _recognize_one(
    engine: OcrEngine, image: Image.Image, languages: Sequence[str], number: int
) -> OcrResult | OcrError:
    """OCR one page; any failure becomes that page's ``OcrError`` instead of stopping the rest."""
    try:
        return engine.recognize(image, languages)
    except OcrError as exc:
        exc.details.setdefault("page", number)
        return exc
    except Exception as exc:  # a broken engine must not stop a 300-page batch
        log.exception("OCR engine %s crashed on page %d", getattr(engine, "name", "?"), number)
        return OcrError(
            f"Page {number}: the OCR engine failed unexpectedly ({type(exc).__name__}: {exc})",
            f"第 {number} 页：文字识别引擎意外出错",
            page=number,
        )


def recognize_pages(
    engine: OcrEngine,
    images: Iterable[Image.Image],
    languages: Sequence[str],
    workers: int,
) -> Generator[OcrResult | OcrError, None, None]:
    """OCR pages with ``workers`` threads, yielding each page's result or error in page order.

    At most ``workers`` images are taken from ``images`` and not yet yielded at any time,
    so a lazily rendered 300-page PDF is never held in memory whole. An error raised by
    ``images`` itself (e.g. a page that cannot be rendered) propagates after the pages
    before it have been yielded. Pages are numbered from 1 in errors (``details["page"]``).
    Closing the generator early cancels the pages not yet started.
    """
    workers = max(1, int(workers))
    pending: deque[Future[OcrResult | OcrError]] = deque()
    source = iter(images)
    exhausted = False
    source_error: BaseException | None = None
    number = 0
    executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ocr")
    try:
        while True:
            while not exhausted and len(pending) < workers:
                try:
                    image = next(source)
                except StopIteration:
                    exhausted = True
                    break
                except Exception as exc:  # raised again once the pages before it are out
                    source_error = exc
                    exhausted = True
                    break
                number += 1
                pending.append(executor.submit(_recognize_one, engine, image, languages, number))
                del image  # the future holds the only reference; it goes when the page is done
            if not pending:
                if source_error is not None:
                    raise source_error
                return
            yield pending.popleft().result()
    finally:
        # A consumer that stops early (or an error from ``images``) cancels the queued pages.
        executor.shutdown(wait=True, cancel_futures=True)
