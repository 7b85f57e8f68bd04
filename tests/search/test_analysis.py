"""Character folding and tokenisation shared by both backends."""

from __future__ import annotations

import operator

from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.search.analysis import (
    FOLD,
    GAP,
    VECTOR_MIN_CHARS,
    fold,
    fold_with_offsets,
    query_bigrams,
    query_units,
    token_streams,
    units,
)


def test_fold_nfkc_case_traditional_and_brackets() -> None:
    assert fold("ＡＢＣ１２３") == "abc123"
    assert fold("檔案館") == "档案馆"
    assert fold("〔【［（(") == "((((("
    assert fold("〕】］）)") == ")))))"
    assert fold("a\r\nb\u2028c") == "a\n\nb\nc"
    assert fold("第一\u3000二") == "第一 二"


def test_words_are_lowercased_not_stemmed_and_marked() -> None:
    assert query_units("Archiving ARCHIVES") == ["archiving_", "archives_"]
    assert query_bigrams(query_units("ab cd")) != query_bigrams(query_units("abc d"))


def test_line_breaks_separate_bigram_segments() -> None:
    streams = token_streams(["学校档\n案馆"])
    assert "档案" not in streams.bigrams.split()
    assert streams.bigrams.split()[:2] == ["学校", "校档"]


@given(st.text(max_size=40))
@settings(max_examples=300, deadline=None)
def test_offsets_map_each_folded_character_to_its_source(text: str) -> None:
    folded, origin = fold_with_offsets(text)
    assert folded == fold(text)
    assert len(origin) == len(folded)
    assert origin == sorted(origin)
    assert all(0 <= i < len(text) for i in origin)


@given(st.text(st.sampled_from("档案馆學校檔 \n，"), min_size=1, max_size=30), st.data())
@settings(max_examples=300, deadline=None)
def test_every_substring_becomes_a_run_of_bigrams_in_the_stream(text: str, data: st.DataObject) -> None:
    segments = [s.replace(" ", "") for s in fold(text).split("\n")]
    segment = data.draw(st.sampled_from(segments))
    if len(segment) < 2:
        return
    start = data.draw(st.integers(0, len(segment) - 2))
    end = data.draw(st.integers(start + 2, len(segment)))
    wanted = query_bigrams(query_units(segment[start:end]))
    stream = token_streams([text]).bigrams.split(" ")
    assert any(stream[i : i + len(wanted)] == wanted for i in range(len(stream)))


# The array path (long texts) must give exactly what the string path gives. The alphabet
# mixes CJK, Traditional, full-width, words, digits, the word mark, spaces of every kind,
# line breaks, a supplementary character, a combining mark and private-use characters.
TRICKY = "档案馆學校檔ＡＢab Z9_ ，。\n\r\u2028\t\u3000𠀀e\u0301\ue000\x00(〔】"


def _string_path(text: str) -> tuple[str, str]:
    found = units(fold(text).replace("\n", GAP))
    return " ".join(found), " ".join(map(operator.add, found, found[1:]))


@given(st.text(st.sampled_from(TRICKY), min_size=VECTOR_MIN_CHARS, max_size=600))
@settings(max_examples=150, deadline=None)
def test_long_texts_give_the_same_streams_as_the_string_path(text: str) -> None:
    streams = token_streams([text])
    assert (streams.unigrams, streams.bigrams) == _string_path(text)
    assert fold(text) == text.translate(FOLD)


@given(st.text(min_size=VECTOR_MIN_CHARS, max_size=400))
@settings(max_examples=100, deadline=None)
def test_any_long_text_folds_and_splits_as_the_string_path(text: str) -> None:
    streams = token_streams([text])  # characters that fold to several (½, ﬁ) take the string path
    assert (streams.unigrams, streams.bigrams) == _string_path(text)
    assert fold(text) == text.translate(FOLD)


def test_a_record_of_several_texts_keeps_each_text_a_segment() -> None:
    page = "学校档案管理 Windows Server 2019，" * 20
    streams = token_streams(["长沙市教育局", page, page])
    assert streams.bigrams.split(" ")[:6] == ["长沙", "沙市", "市教", "教育", "育局", "局" + GAP]
    assert "windows_server_" in streams.bigrams.split(" ")
    assert (streams.unigrams, streams.bigrams) == _string_path("\n".join(["长沙市教育局", page, page]))
