"""Text assembly rules: no spaces between CJK characters, Latin words spaced, wrapped lines
joined without a space in Chinese, Latin words split by a hyphen at the line end rejoined."""

from __future__ import annotations

import pytest

from ocr.engine import Word
from ocr.text import assemble_text, is_cjk, join_lines, join_words, normalize_line


def word(text: str) -> Word:
    """A word with a dummy box."""
    return Word(text, 90.0, 0, 0, 10, 10)


@pytest.mark.parametrize("ch", ["中", "國", "。", "，", "、", "《", "〔", "（", "：", "あ", "한", "𠀀"])
def test_cjk_characters_and_punctuation_are_cjk(ch: str) -> None:
    assert is_cjk(ch)


@pytest.mark.parametrize("ch", ["A", "z", "1", ",", ".", "-", " ", "é", "(", ""])
def test_latin_digits_and_ascii_punctuation_are_not_cjk(ch: str) -> None:
    assert not is_cjk(ch)


def test_tesseract_chinese_words_are_joined_without_spaces() -> None:
    assert join_words(["关于", "做", "好", "档案", "工作", "的", "通知", "。"]) == "关于做好档案工作的通知。"


def test_latin_words_keep_one_space() -> None:
    assert join_words(["The", "quick", "brown", "fox."]) == "The quick brown fox."


def test_mixed_line_has_no_space_next_to_chinese() -> None:
    assert join_words(["中文", "ABC", "中文"]) == "中文ABC中文"
    assert join_words(["使用", "Python", "3.11", "开发"]) == "使用Python 3.11开发"
    assert join_words(["长教发", "〔2023〕12", "号"]) == "长教发〔2023〕12号"


def test_spaced_out_chinese_title_is_closed_up() -> None:
    assert normalize_line("  通   知  ") == "通知"
    assert normalize_line("中 华 人 民 共 和 国 , hello   world") == "中华人民共和国, hello world"


def test_wrapped_chinese_lines_join_without_space() -> None:
    lines = ["根据上级要求，现将有关事", "项通知如下，请认真贯彻执", "行。"]
    assert join_lines(lines) == "根据上级要求，现将有关事项通知如下，请认真贯彻执行。"


def test_wrapped_latin_lines_join_with_a_space() -> None:
    assert join_lines(["The quick brown", "dog jumped"]) == "The quick brown dog jumped"


def test_latin_word_hyphenated_at_line_end_is_rejoined() -> None:
    assert join_lines(["a scanned docu-", "ment of 1985"]) == "a scanned document of 1985"
    assert join_lines(["soft\u00ad", "ware"]) == "software"


def test_hyphen_before_a_capital_or_digit_is_kept() -> None:
    assert join_lines(["Jean-", "Paul Sartre"]) == "Jean-Paul Sartre"
    assert join_lines(["1985-", "1990"]) == "1985-1990"


def test_free_standing_dash_keeps_its_spaces() -> None:
    assert join_lines(["prices -", "see below"]) == "prices - see below"


def test_line_break_between_latin_and_chinese_adds_no_space() -> None:
    assert join_lines(["扫描文件为 PDF", "格式"]) == "扫描文件为PDF格式"
    assert join_lines(["version 2", "版本"]) == "version 2版本"


def test_blank_lines_inside_a_paragraph_are_ignored() -> None:
    assert join_lines(["", "  ", "第一行", "", "第二行"]) == "第一行第二行"
    assert join_lines([]) == ""


def test_assemble_text_follows_blocks_paragraphs_and_lines() -> None:
    rows = [
        ((1, 1, 1), word("关于")),
        ((1, 1, 1), word("做好")),
        ((1, 1, 2), word("档案")),
        ((1, 1, 2), word("工作")),
        ((1, 2, 1), word("The")),
        ((1, 2, 1), word("docu-")),
        ((1, 2, 2), word("ment")),
        ((2, 1, 1), word("二〇二三年")),
        ((2, 1, 1), word("十月")),
    ]
    assert assemble_text(rows) == "关于做好档案工作\nThe document\n二〇二三年十月"


def test_assemble_text_of_no_words_is_empty() -> None:
    assert assemble_text([]) == ""


def test_chinese_punctuation_as_printed() -> None:
    """OCR's readings of Chinese punctuation put back: ——, 〇, 〔〕, full-width marks."""
    from ocr.text import fix_cjk_punctuation

    assert fix_cjk_punctuation("档案工作-一归档") == "档案工作——归档"
    assert fix_cjk_punctuation("档案工作一-归档") == "档案工作——归档"
    assert fix_cjk_punctuation("工作－归档") == "工作——归档"
    assert fix_cjk_punctuation("二○二三年") == fix_cjk_punctuation("二O二三年") == "二〇二三年"
    assert fix_cjk_punctuation("长教发[2023]12号") == "长教发〔2023〕12号"
    assert fix_cjk_punctuation("通知:各单位") == "通知：各单位"
    # kept as they are: a real 一一, Latin text, a year in Latin context
    for kept in ("一一对应", "a--b", "see [2023] 12", "Phone: 123", "2O23"):
        assert fix_cjk_punctuation(kept) == kept
