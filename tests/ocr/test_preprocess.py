"""Page preparation: transparency flattened onto white, faded pages stretched, skew measured."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from ocr.preprocess import deskew, estimate_skew, flatten, improve_contrast, page_dpi, text_lines_vertical
from tests.conftest import DATA
from tests.ocr.conftest import Render

TRANSPARENT = DATA / "black_font_color_transparent.png"


def test_black_text_on_transparent_background_becomes_black_on_white() -> None:
    gray = flatten(Image.open(TRANSPARENT))
    array = np.asarray(gray)
    assert gray.mode == "L"
    assert array[0, 0] == 255  # the transparent corner is white, not black
    assert 0.02 < (array < 128).mean() < 0.3  # and the text is still there


def test_palette_image_with_transparent_index_is_flattened_onto_white() -> None:
    image = Image.new("P", (20, 20), 0)
    image.putpalette([0, 0, 0] + [255, 255, 255] * 255)
    image.info["transparency"] = 0
    assert np.asarray(flatten(image)).min() == 255


def test_faded_scan_is_stretched_and_clean_scan_left_alone(render: Render) -> None:
    clean = render(["档案"])
    faded = clean.point(lambda v: 110 + v * 60 // 255)
    assert improve_contrast(clean) is clean
    stretched = np.asarray(improve_contrast(faded))
    assert stretched.min() < 20 and stretched.max() > 235


@pytest.mark.parametrize("angle", [0.0, 0.8, -1.5, 3.0, -4.5])
def test_skew_of_a_chinese_page_is_measured(render: Render, angle: float) -> None:
    page = render(["关于做好二〇二三年档案工作的通知"] * 6, size=30)
    tilted = page.rotate(angle, expand=True, fillcolor=255)
    assert estimate_skew(tilted) == pytest.approx(-angle, abs=0.15)


def test_skew_of_an_english_scan_is_measured() -> None:
    page = flatten(Image.open(DATA / "phototest.tif"))
    assert estimate_skew(page) == 0.0
    assert estimate_skew(page.rotate(2.0, expand=True, fillcolor=255)) == pytest.approx(-2.0, abs=0.15)


def test_blank_page_has_no_skew() -> None:
    assert estimate_skew(Image.new("L", (600, 800), 255)) == 0.0


def test_deskew_levels_the_page_and_fills_corners_white(render: Render) -> None:
    tilted = render(["档案工作"] * 4).rotate(2.0, expand=True, fillcolor=255)
    level = deskew(tilted, estimate_skew(tilted))
    assert abs(estimate_skew(level)) <= 0.2
    array = np.asarray(level)
    assert array[0, 0] == 255 and array[-1, -1] == 255
    assert deskew(tilted, 0.1) is tilted  # too small to be worth the resampling


def test_dpi_is_taken_from_the_image_or_defaults_to_300() -> None:
    image = Image.new("L", (10, 10))
    assert page_dpi(image) == 300
    image.info["dpi"] = (199.99, 199.99)
    assert page_dpi(image) == 200
    image.info["dpi"] = (1, 1)
    assert page_dpi(image) == 300


@pytest.mark.parametrize("path", ["phototest.tif", "linn.png", "eurotext.tif"])
def test_sideways_scan_is_recognised_by_its_vertical_lines(path: str) -> None:
    page = flatten(Image.open(DATA / path))
    assert not text_lines_vertical(page)
    assert text_lines_vertical(page.rotate(90, expand=True))
    assert not text_lines_vertical(page.rotate(180, expand=True))


def test_sideways_chinese_page_is_recognised_by_its_vertical_lines(render: Render) -> None:
    page = render(["关于做好二〇二三年档案工作的通知", "各学院、各部门：根据上级要求", "通知如下。"])
    assert not text_lines_vertical(page)
    assert text_lines_vertical(page.rotate(270, expand=True))
