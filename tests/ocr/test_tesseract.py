"""The Tesseract engine on real images: English scans, rendered Chinese, turned and tilted
pages, transparency, and the errors a user sees when OCR cannot run."""

from __future__ import annotations

import os
from pathlib import Path

import pytesseract.pytesseract as pt
import pytest
from PIL import Image

from ocr.engine import OcrResult, get_engine
from ocr.errors import OcrError, OcrLanguageError, OcrTimeoutError
from ocr.preprocess import estimate_skew
from ocr.quality import character_error_rate
from ocr.tesseract import TesseractEngine
from tests.conftest import DATA
from tests.ocr.conftest import NOTO_SANS, TC, Render

NOTICE = [
    "关于做好二〇二三年度档案归档工作的通知",
    "各学院、各部门：根据上级要求，现将有关事项",
    "通知如下，请认真贯彻执行。",
]
NOTICE_TEXT = "".join(NOTICE)


def linn_crop() -> Image.Image:
    """Four lines of the "Editing" paragraph of linn.png, with "func-/tion" split at a line end."""
    return Image.open(DATA / "linn.png").crop((330, 2090, 1280, 2290))


def assert_boxes_inside(result: OcrResult) -> None:
    """Every word box lies on the returned image."""
    assert result.image is not None
    assert (result.width, result.height) == result.image.size
    for w in result.words:
        assert w.left >= 0 and w.left + w.width <= result.width
        assert w.top >= 0 and w.top + w.height <= result.height


def test_registry_gives_the_tesseract_engine() -> None:
    engine = get_engine("tesseract")
    assert isinstance(engine, TesseractEngine)
    assert engine.name == "tesseract"


def test_phototest_reads_like_its_ground_truth(engine: TesseractEngine) -> None:
    result = engine.recognize(Image.open(DATA / "phototest.tif"), ["eng"])
    gold = (DATA / "phototest.gold.txt").read_text()
    assert character_error_rate(gold, result.text) < 0.02
    assert result.confidence is not None and result.confidence > 85
    assert result.rotated == 0
    assert "The quick brown dog jumped over the lazy fox." in result.text
    assert_boxes_inside(result)


def test_english_scan_crop_rejoins_words_hyphenated_at_line_end(engine: TesseractEngine) -> None:
    result = engine.recognize(linn_crop(), ["eng"])
    assert "using the SINGLE STEP function." in result.text
    assert "Notes may also be added, erased, or changed" in result.text


@pytest.mark.parametrize("turn", [180, 90])
def test_turned_english_scan_is_read_upright(engine: TesseractEngine, turn: int) -> None:
    crop = linn_crop()
    result = engine.recognize(crop.rotate(turn, expand=True), ["eng"])
    assert "using the SINGLE STEP function." in result.text
    assert result.rotated == turn  # PIL turned it counter-clockwise; OCR turned it back
    assert result.image is not None and result.image.size == crop.size  # boxes are on the upright page
    assert_boxes_inside(result)


def test_black_text_on_transparent_background_reads_chinese(engine: TesseractEngine) -> None:
    result = engine.recognize(Image.open(DATA / "black_font_color_transparent.png"), [])
    expected = (DATA / "black_font_color_transparent.gt.txt").read_text().strip()
    assert result.text == expected == "我是中国人"


def test_simplified_chinese_has_no_spaces_and_wrapped_lines_joined(engine: TesseractEngine, render: Render) -> None:
    result = engine.recognize(render(NOTICE), ["chi_sim", "eng"])
    assert " " not in result.text
    assert character_error_rate(NOTICE_TEXT, result.text) < 0.05
    assert "根据上级要求，现将有关事项通知如下" in result.text.replace("\n", "")
    assert_boxes_inside(result)


def test_traditional_chinese_reads_with_chi_tra(engine: TesseractEngine, render: Render) -> None:
    lines = ["關於做好檔案歸檔工作的通知", "請各單位認真貫徹執行。"]
    result = engine.recognize(render(lines, font_path=NOTO_SANS, index=TC), ["chi_tra"])
    assert character_error_rate("".join(lines), result.text) < 0.1
    assert "檔案" in result.text and " " not in result.text


@pytest.mark.parametrize("turn", [180, 90])
def test_turned_chinese_page_is_read_upright(engine: TesseractEngine, render: Render, turn: int) -> None:
    page = render(NOTICE)
    result = engine.recognize(page.rotate(turn, expand=True), ["chi_sim"])
    assert character_error_rate(NOTICE_TEXT, result.text) < 0.05
    assert result.rotated == turn  # PIL turned it counter-clockwise; OCR turned it back
    assert result.image is not None and result.image.size == page.size


def test_slightly_skewed_chinese_page_is_levelled_and_read(engine: TesseractEngine, render: Render) -> None:
    tilted = render(NOTICE * 2, size=36).rotate(2.5, expand=True, fillcolor=255)
    result = engine.recognize(tilted, ["chi_sim"])
    assert character_error_rate(NOTICE_TEXT * 2, result.text) < 0.05
    assert result.image is not None and abs(estimate_skew(result.image)) <= 0.2
    assert_boxes_inside(result)


def test_slow_page_times_out_with_a_clear_error() -> None:
    engine = TesseractEngine(timeout=0.05)
    with pytest.raises(OcrTimeoutError) as caught:
        engine.recognize(Image.open(DATA / "phototest.tif"), ["eng"])
    assert isinstance(caught.value, OcrError)
    assert "超时" in caught.value.message_zh or "超过" in caught.value.message_zh
    assert "0.05 s" in caught.value.message_en


def test_missing_language_is_named_in_the_error(engine: TesseractEngine) -> None:
    with pytest.raises(OcrLanguageError) as caught:
        engine.recognize(Image.new("L", (50, 50), 255), ["chi_sim", "jpn"])
    assert "jpn" in caught.value.message_en and "jpn" in caught.value.message_zh
    assert "chi_sim" not in caught.value.details["missing"]


def test_language_spec_accepts_plus_joined_names_and_defaults(engine: TesseractEngine) -> None:
    assert engine.language_spec([]) == "chi_sim+eng"
    assert engine.language_spec(["chi_tra+eng", "eng"]) == "chi_tra+eng"


def test_blank_page_gives_empty_text_not_an_error(engine: TesseractEngine) -> None:
    result = engine.recognize(Image.new("RGB", (400, 300), "white"), ["eng"])
    assert result.text == "" and result.words == [] and result.confidence is None


def test_unreadable_image_becomes_an_ocr_error(engine: TesseractEngine, tmp_path: Path) -> None:
    truncated = tmp_path / "truncated.png"
    truncated.write_bytes((DATA / "black_font_color_transparent.png").read_bytes()[:3000])
    with pytest.raises(OcrError) as caught:
        engine.recognize(Image.open(truncated), ["eng"])
    assert "无法读取" in caught.value.message_zh


def test_missing_tesseract_program_becomes_an_ocr_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pt, "tesseract_cmd", "/nonexistent/tesseract")
    with pytest.raises(OcrError) as caught:
        TesseractEngine().recognize(Image.new("L", (50, 50), 255), ["eng"])
    assert "tesseract" in caught.value.message_en and "tesseract" in caught.value.message_zh


def test_tesseract_runs_single_threaded_and_once_for_an_upright_page(
    engine: TesseractEngine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Each tesseract child gets OMP_THREAD_LIMIT=1 (this process's environment is untouched),
    and an upright page that reads well costs one run: no orientation check."""
    probe = tmp_path / "tesseract"
    log = tmp_path / "runs.log"
    real = pt.tesseract_cmd if os.path.isabs(pt.tesseract_cmd) else "tesseract"
    probe.write_text(f'#!/bin/sh\necho "OMP=$OMP_THREAD_LIMIT $*" >> {log}\nexec {real} "$@"\n')
    probe.chmod(0o755)
    monkeypatch.setattr(pt, "tesseract_cmd", str(probe))
    monkeypatch.delenv("OMP_THREAD_LIMIT", raising=False)
    engine.installed_languages()  # listing languages is not an OCR run
    log.write_text("")
    result = engine.recognize(Image.open(DATA / "phototest.tif"), ["eng"])
    assert "quick brown dog" in result.text
    runs = [run for run in log.read_text().splitlines() if "_input" in run]  # not --version
    assert len(runs) == 1
    assert runs[0].startswith("OMP=1 ") and "--psm 3" in runs[0]
    assert "OMP_THREAD_LIMIT" not in os.environ


def test_upside_down_page_gets_an_orientation_check(
    engine: TesseractEngine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    probe = tmp_path / "tesseract"
    log = tmp_path / "runs.log"
    real = pt.tesseract_cmd if os.path.isabs(pt.tesseract_cmd) else "tesseract"
    probe.write_text(f'#!/bin/sh\necho "OMP=$OMP_THREAD_LIMIT $*" >> {log}\nexec {real} "$@"\n')
    probe.chmod(0o755)
    monkeypatch.setattr(pt, "tesseract_cmd", str(probe))
    engine.installed_languages()
    log.write_text("")
    result = engine.recognize(Image.open(DATA / "phototest.tif").rotate(180), ["eng"])
    assert "quick brown dog" in result.text and result.rotated == 180
    runs = [run for run in log.read_text().splitlines() if "_input" in run]  # not --version
    assert [("--psm 0" in run) for run in runs] == [False, True, False]  # OCR, OSD, OCR turned
    assert all(run.startswith("OMP=1 ") for run in runs)
