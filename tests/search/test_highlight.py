"""Word boxes of hits for the viewer, and snippet marking."""

from __future__ import annotations

from indexer.search.highlight import find_matches, hit_boxes, patterns_from_strings, snippet

WORDS = [
    ["关于", 91.0, 10, 10, 40, 20],
    ["加强学", 90.0, 55, 10, 60, 20],
    ["校檔案", 88.0, 120, 10, 60, 20],
    ["管理", 92.0, 185, 10, 40, 20],
    ["Windows", 95.0, 10, 40, 80, 20],
    ["Server", 95.0, 95, 40, 60, 20],
]


def test_a_chinese_term_spanning_several_words_covers_only_its_characters() -> None:
    assert hit_boxes(WORDS, ["学校档案"]) == [[95, 10, 20, 20], [120, 10, 60, 20]]


def test_traditional_words_match_simplified_terms_and_prefixes() -> None:
    assert hit_boxes(WORDS, ["档案管理"]) == [[140, 10, 40, 20], [185, 10, 40, 20]]
    assert hit_boxes(WORDS, ["windows server"]) == [[10, 40, 80, 20], [95, 40, 60, 20]]
    assert hit_boxes(WORDS, ["serv*"]) == [[95, 40, 60, 20]]
    assert hit_boxes(WORDS, ["档案馆", ""]) == []
    assert hit_boxes([], ["档案"]) == []


def test_matches_map_back_to_original_characters() -> None:
    text = "㈱檔案（全宗）"  # ㈱ folds to three characters
    spans = find_matches(text, patterns_from_strings(["档案(全宗)"]))
    assert spans == [(1, 7)]
    assert snippet(text, spans) == "㈱<mark>檔案（全宗）</mark>"
