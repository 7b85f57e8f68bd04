"""The discovery rewrite: a researcher's query may match public catalogue fields only."""

from __future__ import annotations

import datetime as dt

import pytest

from archive.access import Clearance
from indexer.search.base import SearchHit, SearchRequest
from indexer.search.discovery import discovery_request, entry_hit, parse_fields
from indexer.search.query import parse
from indexer.search.query_text import to_text

PUBLIC = ("title", "reference_code", "date")


def _request(query: str = "", **kw: object) -> SearchRequest:
    return SearchRequest(query=query, clearance=Clearance(frozenset({"open"}), frozenset({7})), **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "query",
    [
        '招生 "教育局" year:2018..2020',
        "a OR (b c) -d",
        "title:通知 NOT (x OR y)",
        "教育*",
        "长教发〔2023〕12号",
        "year:..2019",
    ],
)
def test_query_text_reads_back_as_the_same_query(query: str) -> None:
    text = to_text(parse(query))
    assert to_text(parse(text)) == text


def test_free_words_are_searched_in_public_fields_only() -> None:
    found = discovery_request(_request("招生 year:2020"), PUBLIC)
    assert found is not None
    assert found.query == "(title:招生 OR reference_code:招生) year:2020"
    assert found.clearance == Clearance(frozenset({"restricted"}))  # no grants, no other level, never secret
    assert found.facets == ()


@pytest.mark.parametrize(
    ("query", "kw"),
    [
        ("doc_number:12号", {}),  # a field that is not public
        ("招生 -creator:张三", {}),
        ("招生", {"filters": {"retention": ["Y"]}}),  # a filter on a field that is not public
        ("招生", {"record_id": 3}),
    ],
)
def test_a_search_needing_hidden_fields_gives_no_entries(query: str, kw: dict[str, object]) -> None:
    assert discovery_request(_request(query, **kw), PUBLIC) is None


def test_dates_need_the_date_to_be_public() -> None:
    dated = _request("招生", date_from=dt.date(2020, 1, 1))
    assert discovery_request(dated, PUBLIC) is not None
    assert discovery_request(dated, ("title",)) is None
    assert discovery_request(_request("year:2020"), ("title",)) is None
    assert discovery_request(_request("招生"), ()) is None


def test_an_entry_keeps_public_fields_only() -> None:
    hit = SearchHit(
        7,
        "题名",
        "a.pdf",
        1.0,
        "<mark>正文</mark>",
        fields={"reference_code": "R", "creator": "C", "date": "2020-01-01"},
    )
    entry = entry_hit(hit, ("reference_code",))
    assert (entry.title, entry.snippet, entry.pages, entry.filename, entry.fields) == (
        "",
        "",
        [],
        "",
        {"reference_code": "R"},
    )


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValueError, match="page_text"):
        parse_fields("title,page_text")
