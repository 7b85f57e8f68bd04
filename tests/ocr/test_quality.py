"""Character error rate: the figure OCR quality is judged on in tests and benchmarks."""

from __future__ import annotations

import pytest
from PIL import Image

from ocr.quality import character_error_rate, normalize_for_cer
from ocr.tesseract import TesseractEngine
from tests.conftest import DATA


def test_identical_text_has_no_errors_whatever_the_layout() -> None:
    assert character_error_rate("关于 做好\n档案工作", "关于做好档案 工作") == 0.0
    assert character_error_rate("The quick\n  brown fox", "The quick brown fox") == 0.0


def test_full_width_and_typographic_forms_count_as_their_plain_forms() -> None:
    assert normalize_for_cer("ＡＢＣ１２３ \u201cit\u2019s\u201d") == 'ABC123 "it\'s"'
    assert character_error_rate("A：B", "A:B") == 0.0


def test_one_wrong_character_in_ten() -> None:
    assert character_error_rate("档案归档工作的通知书", "档案归档工作的通知单") == pytest.approx(0.1)


def test_empty_texts() -> None:
    assert character_error_rate("", "") == 0.0
    assert character_error_rate("", "x") == 1.0
    assert character_error_rate("abc", "") == 1.0


# Measured 0.0089 with Tesseract 5.3.0 (the test prints it); the bound leaves room for other
# Tesseract versions and models.
LINN_CER_BOUND = 0.03


@pytest.mark.slow
def test_character_error_rate_on_the_full_linn_scan() -> None:
    scan = Image.open(DATA / "linn.png")
    truth = (DATA / "linn.txt").read_text(encoding="utf-8")
    result = TesseractEngine(timeout=240).recognize(scan, ["eng"])
    cer = character_error_rate(truth, result.text)
    print(f"linn.png CER {cer:.4f} ({len(normalize_for_cer(truth))} characters)")
    assert cer < LINN_CER_BOUND
