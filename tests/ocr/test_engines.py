"""The contract every OCR engine keeps (run on each registered single engine), the RapidOCR
engine's own behaviour, ``auto``, and the registry's errors."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator

import pytest
from PIL import Image

from ocr import rapid
from ocr.engine import OcrEngine, OcrResult, available_engines, check_engine, engine_names, get_engine
from ocr.errors import OcrEngineUnavailable
from ocr.quality import character_error_rate
from tests.conftest import DATA
from tests.ocr.conftest import Render

LINES = ["关于做好二〇二三年度档案归档工作的通知", "各学校请于六月底前完成文书档案的整理 Phone 123"]


@pytest.fixture(params=["tesseract", "rapidocr"], scope="module")
def any_engine(request: pytest.FixtureRequest) -> Iterator[OcrEngine]:
    """Each single engine in turn, made through the registry as the indexer makes it."""
    yield get_engine(request.param, timeout=120)


def test_contract_reads_chinese_and_latin(any_engine: OcrEngine, render: Render) -> None:
    result = any_engine.recognize(render(LINES), ["chi_sim", "eng"])
    assert isinstance(result, OcrResult) and result.engine == any_engine.name
    assert character_error_rate("".join(LINES), result.text) < 0.05
    assert "Phone" in result.text and "123" in result.text  # Latin words are not cut up
    if any_engine.name == "tesseract":
        assert "Phone 123" in result.text  # (RapidOCR's recogniser writes no spaces)
    assert result.confidence is not None and result.confidence > 60


def test_contract_word_boxes_lie_on_the_returned_image(any_engine: OcrEngine, render: Render) -> None:
    """One box per CJK character (or short run), inside the image the result hands back, in reading order."""
    page = render(LINES)
    result = any_engine.recognize(page, ["chi_sim", "eng"])
    assert result.image is not None and (result.width, result.height) == result.image.size
    first_line = [w for w in result.words if w.top < result.height / 2]
    assert "".join(w.text for w in first_line).startswith("关于做好")
    assert [w.left for w in first_line] == sorted(w.left for w in first_line)
    for word in result.words:
        assert word.left >= 0 and word.left + word.width <= result.width + 2
        assert word.top >= 0 and word.top + word.height <= result.height + 2
        if len(word.text) == 1 and "\u4e00" <= word.text <= "\u9fff":
            assert word.width < 2.5 * word.height  # a character's box, not the line's


def test_contract_blank_page(any_engine: OcrEngine) -> None:
    blank = Image.new("L", (800, 600), 255)
    result = any_engine.recognize(blank, ["chi_sim", "eng"])
    assert result.text == "" and result.words == [] and result.confidence is None


def test_rapidocr_models_come_with_the_package() -> None:
    """Nothing is fetched at run time: the three PP-OCR models are files of the installed wheel."""
    spec = importlib.util.find_spec("rapidocr_onnxruntime")
    assert spec is not None and spec.origin is not None
    from pathlib import Path

    models = sorted(p.name for p in (Path(spec.origin).parent / "models").glob("*.onnx"))
    assert any("det" in m for m in models) and any("rec" in m for m in models) and any("cls" in m for m in models)


def test_rapidocr_reads_columns_right_to_left() -> None:
    """On the real 竖排 photo the second engine reads each column top to bottom, right to left."""
    truth = (DATA / "text_vertical_words.gt.txt").read_text(encoding="utf-8").strip()
    result = get_engine("rapidocr").recognize(Image.open(DATA / "text_vertical_words.png"), ["chi_sim"])
    assert character_error_rate(truth, result.text) < 0.15
    assert result.text.index("有") < result.text.index("是非不得") < result.text.index("已取之")
    tall = [w for w in result.words if len(w.text) == 1]
    assert tall and all(w.height < 2.5 * w.width for w in tall)  # cut along the column


def test_rapidocr_line_cut_into_words() -> None:
    line = rapid._Line(100, 50, 100 + 6 * 40 + 4 * 22, 90, "档案Phone 1号", 0.9)  # no character boxes
    words = rapid.line_words_of(line)
    assert [w.text for w in words] == ["档", "案", "Phone", "1", "号"]
    assert words[0].left == 100 and words[-1].left + words[-1].width <= line.right + 1
    assert all(w.confidence == pytest.approx(90.0) for w in words)


def test_auto_asks_the_second_engine_about_a_page_read_badly() -> None:
    """``auto`` reads with the engine of highest priority and keeps the second's reading of a
    page the first reads with low confidence, when it is the better one."""
    entries = available_engines()
    assert [e.name for e in entries][:2] == ["tesseract", "rapidocr"]
    photo = Image.open(DATA / "text_vertical_words.png")
    result = get_engine("auto").recognize(photo, ["chi_sim"])
    assert result.engine == "rapidocr"
    truth = (DATA / "text_vertical_words.gt.txt").read_text(encoding="utf-8").strip()
    assert character_error_rate(truth, result.text) < 0.15


def test_auto_keeps_a_good_first_reading(render: Render) -> None:
    result = get_engine("auto").recognize(render(LINES[:1]), ["chi_sim", "eng"])
    assert result.engine == "tesseract"


def test_unknown_engine_fails_loudly_in_both_languages() -> None:
    with pytest.raises(OcrEngineUnavailable) as caught:
        check_engine("paddle")
    assert "paddle" in caught.value.message_en and "未知" in caught.value.message_zh
    assert "tesseract" in caught.value.message_en  # says which engines there are
    assert {"tesseract", "rapidocr", "auto"} <= set(engine_names())


def test_engine_that_cannot_run_here_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fault injection: the package of the second engine missing."""
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "onnxruntime" else real(name, *a))
    with pytest.raises(OcrEngineUnavailable) as caught:
        get_engine("rapidocr")
    assert "onnxruntime" in caught.value.message_en and "未安装" in caught.value.message_zh
    assert [e.name for e in available_engines()] == ["tesseract"]


def test_rapidocr_character_boxes_make_the_words() -> None:
    """With the recogniser's character boxes, Latin words are split where the characters
    stand apart (it writes no spaces), and each CJK character gets its own box."""
    chars = [(0, 40), (40, 80), (90, 100), (100, 110), (111, 120), (150, 160), (161, 170)]
    boxes = [[[a, 0], [b, 0], [b, 40], [a, 40]] for a, b in chars]
    line = rapid._Line.of([[[0, 0], [170, 0], [170, 40], [0, 40]], "档案Tel12", 0.95, boxes])
    words = rapid.line_words_of(line)
    expected = [("档", 0, 40), ("案", 40, 40), ("Tel", 90, 30), ("12", 150, 20)]
    assert [(w.text, w.left, w.width) for w in words] == expected
