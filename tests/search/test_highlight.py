"""Word boxes of hits for the viewer, and snippet marking."""

from __future__ import annotations

import random

from indexer.search.analysis import fold, fold_codes, fold_with_offsets
from indexer.search.highlight import _merge, hit_boxes, patterns_from_strings, snippet, texts_matches

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
    [spans] = texts_matches([text], patterns_from_strings(["档案(全宗)"]))
    assert spans == [(1, 7)]
    assert snippet(text, spans) == "㈱<mark>檔案（全宗）</mark>"


def test_pages_matched_together_find_what_each_page_alone_finds() -> None:
    """``texts_matches`` folds many pages in one array pass, joins them and finds terms
    without a regex where it can: the spans are those of each page folded and scanned on its
    own (long and short pages, with and without characters that fold to several)."""
    rnd = random.Random(7)  # noqa: S311 - a fixed sample of texts, not a secret
    plain = [*"档案管理檔 \n，。Ａa", "Server ", "serve "]
    terms = ["档案", "案管理", "档", "管 理", "a", "理档", "檔案", "server", "serv*", "(一)"]
    arrays = 0
    for case in range(600):
        alphabet = plain if case % 2 else [*plain, "㈠", "½"]
        longest = 400 if case % 3 else 60
        texts = ["".join(rnd.choices(alphabet, k=rnd.randint(0, longest))) for _ in range(rnd.randint(1, 5))]
        arrays += fold_codes("\n".join(texts)) is not None
        patterns = patterns_from_strings(rnd.sample(terms, 2))
        alone = []
        for text in texts:
            folded = fold(text)
            spans = [span for p in patterns for span in p.finditer(folded)]
            if spans and len(folded) != len(text):
                _, origin = fold_with_offsets(text)
                spans = [(origin[s], origin[e - 1] + 1) for s, e in spans]
            alone.append(_merge(spans))
        assert texts_matches(texts, patterns) == alone, (texts, patterns)
    assert 100 < arrays < 500  # both paths taken
