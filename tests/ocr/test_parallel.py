"""Many pages at once: results in page order, a bounded number of pages in flight, and a
failing page reported on its own while the others go on."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence

import pytest
from PIL import Image

from ocr.engine import _ENGINES, OcrResult, get_engine, register_engine
from ocr.errors import OcrError
from ocr.parallel import recognize_pages
from ocr.tesseract import TesseractEngine
from tests.ocr.conftest import Render


class FaultyEngine:
    """Reads a page's number from its width; fails or crashes on chosen pages, slow on others.

    Registered through the normal registry, as a plug-in engine would be.
    """

    name = "faulty"

    def __init__(self) -> None:
        self.fail = {3}
        self.crash = {5}
        self.active = 0
        self.most_active = 0
        self._lock = threading.Lock()

    def recognize(self, image: Image.Image, languages: Sequence[str]) -> OcrResult:
        """Page n is an image n pixels wide; earlier pages take longer, to finish out of order."""
        number = image.width
        with self._lock:
            self.active += 1
            self.most_active = max(self.most_active, self.active)
        try:
            time.sleep(0.02 * (8 - number % 8))
            if number in self.fail:
                raise OcrError(f"page {number} is unreadable", f"第 {number} 页无法识别")
            if number in self.crash:
                raise RuntimeError("engine bug")
            return OcrResult(text=f"page {number}", confidence=90.0, width=number, height=1)
        finally:
            with self._lock:
                self.active -= 1


@pytest.fixture
def faulty() -> Iterator[FaultyEngine]:
    """A FaultyEngine registered under "faulty"; the registry is restored afterwards."""
    engine = FaultyEngine()
    register_engine("faulty", lambda timeout=300.0: engine)
    yield engine
    _ENGINES.pop("faulty", None)


def pages(count: int, taken: list[int] | None = None) -> Iterator[Image.Image]:
    """Images 1..count pixels wide, noting how many were taken."""
    for n in range(1, count + 1):
        if taken is not None:
            taken.append(n)
        yield Image.new("L", (n, 1), 255)


def test_unknown_engine_name_is_a_clear_error() -> None:
    with pytest.raises(OcrError) as caught:
        get_engine("nonesuch")
    assert "nonesuch" in caught.value.message_en and "nonesuch" in caught.value.message_zh


def test_results_come_in_page_order_and_failures_do_not_stop_the_rest(
    faulty: FaultyEngine,
) -> None:
    engine = get_engine("faulty")
    results = list(recognize_pages(engine, pages(8), ["eng"], workers=3))
    assert len(results) == 8
    for n, result in enumerate(results, 1):
        if n in (3, 5):
            assert isinstance(result, OcrError)
            assert result.details["page"] == n
        else:
            assert isinstance(result, OcrResult) and result.text == f"page {n}"
    crash = results[4]
    assert isinstance(crash, OcrError)
    assert "RuntimeError" in crash.message_en and "第 5 页" in crash.message_zh
    assert faulty.most_active <= 3


def test_at_most_workers_pages_are_in_flight(faulty: FaultyEngine) -> None:
    taken: list[int] = []
    for n, _ in enumerate(recognize_pages(faulty, pages(12, taken), [], workers=2), 1):
        # pages taken from the source but not yet handed back: never more than the workers
        assert len(taken) - (n - 1) <= 2
    assert len(taken) == 12


def test_stopping_early_takes_no_more_pages(faulty: FaultyEngine) -> None:
    taken: list[int] = []
    results = recognize_pages(faulty, pages(100, taken), [], workers=2)
    first = next(results)
    results.close()
    assert isinstance(first, OcrResult) and first.text == "page 1"
    assert len(taken) <= 3


def test_error_from_the_page_source_comes_after_the_pages_before_it(faulty: FaultyEngine) -> None:
    def broken() -> Iterator[Image.Image]:
        yield from pages(2)
        raise ValueError("page 3 cannot be rendered")

    seen: list[OcrResult | OcrError] = []
    with pytest.raises(ValueError, match="page 3"):
        for result in recognize_pages(faulty, broken(), [], workers=2):
            seen.append(result)
    assert [r.text for r in seen if isinstance(r, OcrResult)] == ["page 1", "page 2"]


def test_real_tesseract_pages_in_parallel_stay_in_order(render: Render) -> None:
    texts = ["第一页档案", "第二页通知", "第三页批复"]
    images = (render([t]) for t in texts)
    results = list(recognize_pages(TesseractEngine(timeout=60), images, ["chi_sim"], workers=2))
    assert [r.text for r in results if isinstance(r, OcrResult)] == texts
