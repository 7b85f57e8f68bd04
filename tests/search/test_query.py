"""The query language: what users type becomes the right tree, and anything else a clear error."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer.search.base import QuerySyntaxError, SearchRequest
from indexer.search.embedded import EmbeddedBackend
from indexer.search.query import And, MatchAll, Not, Or, Term, YearRange, compile_query, parse, term_string
from tests.search.conftest import CORPUS, EVERY_LEVEL


def test_adjacent_chinese_characters_form_one_phrase() -> None:
    assert parse("档案管理") == Term(("档", "案", "管", "理"))
    assert parse("档案 管理") == And((Term(("档", "案")), Term(("管", "理"))))


def test_operators_groups_fields_and_ranges() -> None:
    tree = parse('(title:通知 OR creator:"教育 局") -草稿 NOT year:2018..2020 win*')
    assert tree == And(
        (
            Or((Term(("通", "知"), "title"), Term(("教", "育", "局"), "creator"))),
            Not(Term(("草", "稿"))),
            Not(YearRange(2018, 2020)),
            Term(("win_",), prefix=True),
        )
    )
    assert parse("") == MatchAll()
    assert parse("a && b || c") == Or((And((Term(("a_",)), Term(("b_",)))), Term(("c_",))))


def test_brackets_inside_a_word_belong_to_it() -> None:
    assert parse("长教发(2023)12号") == parse("長教發〔2023〕12號") == parse("长教发[2023]12号")
    assert isinstance(parse("(长教发(2023)12号 OR 通知)"), Or)


def test_unknown_field_is_plain_text() -> None:
    assert parse("http://example.org") == Term(("http_", ":", "/", "/", "example_", ".", "org_"))


def test_terms_for_highlighting_skip_negated_parts() -> None:
    compiled = compile_query('檔案 -草稿 "Hello  World" ab*')
    assert [term_string(t) for t in compiled.terms] == ["档案", "hello world", "ab*"]


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ('"档案', "quote"),
        ("(档案", "parenthesis"),
        ("档案)", "parenthesis"),
        ("档案 AND", "AND"),
        ("OR 档案", "OR"),
        ("档案 OR", "OR"),
        ("NOT", "NOT"),
        ("- ", None),
        ("()", "empty"),
        ("year:2020..2018", "range"),
        ("year:20", "year"),
        ("year:..", "year"),
        ("title:", "title"),
    ],
)
def test_malformed_queries_say_what_is_wrong(query: str, says: str | None) -> None:
    if says is None:
        parse(query)  # a lone dash is just punctuation
        return
    with pytest.raises(QuerySyntaxError) as caught:
        parse(query)
    assert says in caught.value.message_en
    assert "检索式错误" in caught.value.message_zh


QUERY_ALPHABET = st.sampled_from(list('档案馆檔"“”()（）[]〔〕-*: ANDORNOTyeartitle.0123456789\n\t　'))


@given(st.text(QUERY_ALPHABET, max_size=30) | st.text(max_size=30))
@settings(max_examples=400, deadline=None)
def test_any_string_parses_or_raises_query_syntax_error(text: str) -> None:
    with contextlib.suppress(QuerySyntaxError):
        parse(text)


@pytest.fixture(scope="module")
def corpus_index(tmp_path_factory: pytest.TempPathFactory) -> EmbeddedBackend:
    backend = EmbeddedBackend(Path(tmp_path_factory.mktemp("q")) / "index")
    backend.index(CORPUS)
    return backend


@given(text=st.text(QUERY_ALPHABET, max_size=20) | st.text(max_size=20))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_string_searches_or_raises_query_syntax_error(corpus_index: EmbeddedBackend, text: str) -> None:
    try:
        response = corpus_index.search(SearchRequest(clearance=EVERY_LEVEL, query=text))
    except QuerySyntaxError:
        return
    assert response.total >= len(response.hits)


def test_nesting_is_bounded_with_a_clear_error() -> None:
    from indexer.search.query import MAX_NESTING

    assert parse("(" * MAX_NESTING + "档案" + ")" * MAX_NESTING) == parse("档案")
    with pytest.raises(QuerySyntaxError) as caught:
        parse("(" * (MAX_NESTING + 1) + "档案" + ")" * (MAX_NESTING + 1))
    assert f"{MAX_NESTING}" in caught.value.message_zh


def test_a_run_of_negations_is_counted_not_nested() -> None:
    assert parse("-" * 3000 + "档案") == parse("档案")
    assert parse("-" * 3001 + "档案") == parse("-档案")
    assert parse("NOT NOT 档案") == parse("档案")
