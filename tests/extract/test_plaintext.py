"""Plain text and CSV: Chinese encodings read correctly, long texts paged at line ends."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from archive.vocabulary import PageSource
from indexer.extract.base import EmptyFile, ExtractContext, extractor_for
from indexer.extract.encoding import decode_text
from indexer.extract.plaintext import PAGE_CHARS, cut_line, split_pages
from tests.extract import generate

SHORT_SIMPLIFIED = ["你好世界", "学校年度总结报告", "关于召开家长会的通知", "档案", "经费预算表"]
SHORT_TRADITIONAL = ["學校年度總結報告", "關於召開家長會的通知", "檔案館", "經費預算表", "臺灣大學"]


def extract(path: Path, mime: str = "text/plain") -> tuple[dict, list]:
    """Run the registered extractor; returns metadata and pages."""
    extraction = extractor_for(mime).extract(path, mime, ExtractContext())
    return extraction.metadata, list(extraction.pages)


@pytest.mark.parametrize(("encoding", "expected"), [
    ("gb18030", "gb18030"),
    ("utf-8", "utf-8"),
    ("utf-8-sig", "utf-8-sig"),
    ("utf-16", "utf-16"),
])
def test_simplified_notice_is_read_in_each_encoding(tmp_path: Path, encoding: str, expected: str) -> None:
    path = generate.text_file(tmp_path / "通知.txt", generate.NOTICE, encoding)
    metadata, pages = extract(path)
    assert metadata["encoding"] == expected
    assert pages[0].text == generate.NOTICE.strip()
    assert pages[0].source is PageSource.ELECTRONIC


def test_big5_file_is_read_as_traditional_chinese(tmp_path: Path) -> None:
    path = generate.text_file(tmp_path / "通知.txt", generate.NOTICE_TRADITIONAL, "big5")
    metadata, pages = extract(path)
    assert metadata["encoding"] in {"cp950", "big5hkscs"}
    assert pages[0].text == generate.NOTICE_TRADITIONAL.strip()


@pytest.mark.parametrize("text", SHORT_SIMPLIFIED)
def test_short_gbk_texts_are_not_taken_for_big5(text: str) -> None:
    assert decode_text(text.encode("gbk")).text == text


@pytest.mark.parametrize("text", SHORT_TRADITIONAL)
def test_short_big5_texts_are_not_taken_for_gbk(text: str) -> None:
    assert decode_text(text.encode("big5")).text == text


def test_gb18030_four_byte_characters_survive() -> None:
    text = "姓名：王䶮，籍贯：湖南𠀀"  # 䶮 and 𠀀 need GB18030's four-byte codes
    assert decode_text(text.encode("gb18030")).text == text


def test_csv_in_gbk_becomes_tab_separated_rows(tmp_path: Path) -> None:
    path = tmp_path / "目录.csv"
    path.write_bytes('序号,题名,日期\n1,"关于招生工作的通知,附表",2023-03-01\n'.encode("gbk"))
    metadata, pages = extract(path, "text/csv")
    assert pages[0].text == "序号\t题名\t日期\n1\t关于招生工作的通知,附表\t2023-03-01"
    assert metadata["encoding"] == "gb18030"


def test_long_text_is_paged_at_line_ends(tmp_path: Path) -> None:
    line = "本单位形成的具有保存价值的文件材料均应归档。" * 3  # 66 characters
    text = "\n".join(f"{i:04d}{line}" for i in range(200))
    path = generate.text_file(tmp_path / "long.txt", text, "gb18030")
    _, pages = extract(path)
    assert len(pages) > 3
    assert [p.number for p in pages] == list(range(1, len(pages) + 1))
    for page in pages:
        assert len(page.text) <= PAGE_CHARS
        assert page.text.startswith(tuple(f"{i:04d}" for i in range(200)))  # a whole line
    assert "\n".join(p.text for p in pages) == text


def test_a_single_overlong_line_is_still_paged() -> None:
    pages = split_pages("档" * (PAGE_CHARS * 2 + 5))
    assert [len(p) for p in pages] == [PAGE_CHARS, PAGE_CHARS, 5]


class CountingStr(str):
    """A string that counts the characters copied out of it by slicing."""

    copied = 0

    def __getitem__(self, key: object) -> str:
        piece = str.__getitem__(self, key)  # type: ignore[index]
        CountingStr.copied += len(piece)
        return piece


def test_an_overlong_line_is_cut_copying_each_character_once() -> None:
    """Finding 5i: a one-line 131 MB file timed out, the rest of the line being cut off again
    and again (quadratic). The cut copies the line once, whatever its length."""
    for length in (PAGE_CHARS + 1, PAGE_CHARS * 7, PAGE_CHARS * 50 + 17):
        CountingStr.copied = 0
        pieces, rest = cut_line(CountingStr("档" * length), PAGE_CHARS)
        assert CountingStr.copied == length
        assert [len(p) for p in pieces] == [PAGE_CHARS] * ((length - 1) // PAGE_CHARS)
        assert 1 <= len(rest) <= PAGE_CHARS and "".join(pieces) + rest == "档" * length


def reference_split(text: str, page_chars: int) -> list[str]:
    """The former (quadratic) splitting, kept as the specification of the result."""
    pages: list[str] = []
    current: list[str] = []
    length = 0
    for line in text.splitlines(keepends=True):
        while len(line) > page_chars:
            if current:
                pages.append("".join(current))
                current, length = [], 0
            pages.append(line[:page_chars])
            line = line[page_chars:]
        if length + len(line) > page_chars and current:
            pages.append("".join(current))
            current, length = [], 0
        current.append(line)
        length += len(line)
    if current:
        pages.append("".join(current))
    return [page.rstrip("\n") for page in pages] or [""]


@given(st.text(alphabet="档案a \n\u2028", max_size=300), st.integers(min_value=1, max_value=40))
def test_pages_are_the_same_as_before(text: str, page_chars: int) -> None:
    assert split_pages(text, page_chars) == reference_split(text, page_chars)


def test_a_32_mb_single_line_is_paged() -> None:
    line = "0123456789abcdef" * (2 * 1024 * 1024)
    pages = split_pages(line)
    assert len(pages) == -(-len(line) // PAGE_CHARS) and "".join(pages) == line


def test_empty_text_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "空.txt"
    path.touch()
    with pytest.raises(EmptyFile):
        extract(path)


def test_shipped_common_hanzi_list_is_reproducible() -> None:
    """The frequency list is generated, not hand-edited: regenerating it gives the same file."""
    assert generate.common_hanzi_text() == generate.COMMON_HANZI.read_text(encoding="utf-8")
