"""What archives really hold, read by the Tesseract engine: coloured ink, the Chinese dash,
very large photos, pages set in columns (竖排), and Traditional pages in a batch that did not
say its script. Every page here is generated, except the real vertical photo."""

from __future__ import annotations

from PIL import Image, ImageDraw, ImageFont

from ocr.quality import character_error_rate
from ocr.tesseract import TesseractEngine
from tests.conftest import DATA
from tests.ocr.conftest import NOTO_SANS, NOTO_SERIF, SC, Render

WQY = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
TRADITIONAL = ["國家檔案館關於開放歷史檔案的通知", "各單位應當按照規定整理檔案並及時移交", "檔案利用登記應當真實準確"]


def _text(draw: ImageDraw.ImageDraw, xy: tuple[int, int], text: str, fill: object, size: int = 42) -> None:
    draw.text(xy, text, font=ImageFont.truetype(NOTO_SANS, size, index=SC), fill=fill)


def test_coloured_text_survives(engine: TesseractEngine) -> None:
    """Red, yellow and white-on-blue lines are read as well as black ones."""
    page = Image.new("RGB", (1800, 900), "white")
    draw = ImageDraw.Draw(page)
    _text(draw, (80, 60), "关于做好年度档案归档工作的通知", (220, 30, 30))  # red heading (红头)
    _text(draw, (80, 200), "各学校请于六月底前完成文书档案的整理", "black")
    draw.rectangle((40, 320, 1700, 440), fill=(30, 70, 170))
    _text(draw, (80, 345), "归档范围与保管期限表已经发布", "white")
    _text(draw, (80, 520), "黄色提示请勿遗漏照片档案", (240, 200, 0))
    page.info["dpi"] = (300, 300)
    text = engine.recognize(page, ["chi_sim", "eng"]).text
    for phrase in ("做好年度档案归档工作", "归档范围与保管期限表", "请勿遗漏照片档案"):
        assert phrase in text


def test_chinese_dash_is_kept(engine: TesseractEngine, render: Render) -> None:
    result = engine.recognize(render(["档案工作——归档范围与保管期限表"]), ["chi_sim", "eng"])
    assert "档案工作——归档范围" in result.text
    assert "一一" not in result.text and "-一" not in result.text


def test_very_large_photo_is_read_at_a_readable_size(engine: TesseractEngine) -> None:
    """A 50 MP picture with huge characters is read at the size Tesseract reads best, and the
    word boxes refer to the image the result hands back."""
    lines = ["关于做好档案归档工作的通知", "各学校请于六月底前完成归档", "联系人办公室王老师电话"]
    big = Image.new("L", (8160, 6120), 255)
    draw = ImageDraw.Draw(big)
    for i, line in enumerate(lines):
        draw.text((300, 600 + i * 700), line, font=ImageFont.truetype(NOTO_SANS, 200, index=SC), fill=0)
    big.info["dpi"] = (72, 72)  # what a phone writes: says nothing of the page
    result = engine.recognize(big, ["chi_sim", "eng"])
    assert character_error_rate("".join(lines[1:]), result.text.split("\n", 1)[1]) == 0.0
    assert result.image is not None and result.width == result.image.width < big.width
    assert all(w.left + w.width <= result.width and w.top + w.height <= result.height for w in result.words)


def _vertical_page(columns: list[str], font: str = NOTO_SERIF, index: int = SC) -> Image.Image:
    """Chinese set in columns read right to left (竖排), upright."""
    face = ImageFont.truetype(font, 56, index=index)
    page = Image.new("L", (200 * len(columns) + 100, 1000), 255)
    draw = ImageDraw.Draw(page)
    for c, column in enumerate(columns):
        for k, char in enumerate(column):
            draw.text((page.width - 140 - c * 200, 60 + k * 66), char, font=face, fill=0)
    page.info["dpi"] = (300, 300)
    return page


def test_upright_page_in_columns_stays_upright(engine: TesseractEngine) -> None:
    """Text set in columns looks like a page turned 90 degrees; it is read as it stands."""
    columns = ["关于做好档案归档工作的通知", "各学校请于六月底前完成归档", "档案利用登记应当真实准确"]
    result = engine.recognize(_vertical_page(columns), ["chi_sim", "eng"])
    assert result.rotated == 0
    assert character_error_rate("".join(columns), result.text) < 0.05


def test_traditional_page_in_a_batch_without_languages() -> None:
    """Read under the default languages, a Traditional page comes out in Traditional when the
    batch named none (``choose_script``), and not when it asked for Simplified."""
    page = _traditional_page()
    chosen = TesseractEngine(choose_script=True).recognize(page, ["chi_sim", "eng"])
    assert chosen.languages == "chi_tra+eng"
    assert character_error_rate("".join(TRADITIONAL), chosen.text) < 0.03
    fixed = TesseractEngine(choose_script=False).recognize(page, ["chi_sim", "eng"])
    assert fixed.languages == "chi_sim+eng"


def test_simplified_page_is_read_once(engine: TesseractEngine, render: Render) -> None:
    """An ordinary Simplified page keeps its languages: no script check is paid on it."""
    page = render(["关于做好年度档案归档工作的通知", "各学校请于六月底前完成文书档案的整理"])
    result = TesseractEngine(choose_script=True).recognize(page, ["chi_sim", "eng"])
    assert result.languages == "chi_sim+eng" and "档案归档工作" in result.text


def test_real_vertical_traditional_photo() -> None:
    """The real photo of a 竖排 Traditional page is read with the vertical packs, columns right
    to left, as it stands."""
    truth = (DATA / "text_vertical_words.gt.txt").read_text(encoding="utf-8").strip()
    photo = Image.open(DATA / "text_vertical_words.png")
    result = TesseractEngine(choose_script=True).recognize(photo, ["chi_sim", "eng"])
    assert result.rotated == 0 and "vert" in result.languages
    assert character_error_rate(truth, result.text) < 0.35
    assert "不得問之人要取之" in result.text


def _traditional_page() -> Image.Image:
    """Three Traditional lines in a font unlike the Noto faces the other tests use."""
    face = ImageFont.truetype(WQY, 22)
    page = Image.new("L", (476, 40 * 2 + 35 * len(TRADITIONAL)), 255)
    draw = ImageDraw.Draw(page)
    for i, line in enumerate(TRADITIONAL):
        draw.text((40, 40 + i * 35), line, font=face, fill=0)
    page.info["dpi"] = (300, 300)
    return page

