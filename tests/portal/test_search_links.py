"""The search page's links (facets, pages): encoded once per page, the same query strings as encoding each whole."""

from __future__ import annotations

import itertools
from urllib.parse import urlencode

from flask import Flask, url_for

from portal.search.params import SearchState
from portal.search.views import PLACEHOLDER_ID, record_links, record_urls


def test_with_filter_is_url_query_with_the_filter_added() -> None:
    combinations = itertools.product(
        ["", "教 育&x"],
        [[], [("year", "2010")], [("category", "WS"), ("department", "办公 室")]],
        ["", "2001"],
        ["", "2020-01"],
        ["relevance", "title"],
        [20, 50],
    )
    for query, filters, date_from, date_to, sort, limit in combinations:
        state = SearchState(query, list(filters), date_from, date_to, sort, page=3, limit=limit)
        for name, value in [("year", "2010"), ("fonds", "J 001&"), ("category", "WS")]:
            expected = state.url_query() if state.has_filter(name, value) else None
            expected = expected or state.url_query(filters=[*state.filters, (name, value)])
            assert state.with_filter(name, value) == expected


def test_links_follow_a_changed_state() -> None:
    state = SearchState("档案")
    assert state.with_filter("year", "2010") == "q=%E6%A1%A3%E6%A1%88&f=year%3A2010"
    state.filters.append(("category", "WS"))
    state.sort = "title"
    assert state.with_filter("year", "2010") == "q=%E6%A1%A3%E6%A1%88&f=category%3AWS&f=year%3A2010&sort=title"


def test_url_query_of_a_page_is_the_whole_state_encoded() -> None:
    for filters in ([], [("year", "2010"), ("department", "办公 室&")]):
        state = SearchState("教 育&x", list(filters), "2001", "", "title", page=4, limit=50)
        for page in (1, 2, 7):
            assert state.url_query(page=page) == urlencode(state.params(page=page))
        assert state.url_query() == urlencode(state.params())
        state.date_from = ""  # a changed state is encoded afresh
        assert state.url_query(page=2) == urlencode(state.params(page=2))


def test_record_links_are_the_record_pages_with_the_query(app: Flask) -> None:
    ids = [1, 66, 12345]
    with app.test_request_context("/search"):
        for query in ("", "档案 工作&x", "a:b/c?d=e#f", f"#{PLACEHOLDER_ID} {PLACEHOLDER_ID}"):
            expected = {i: url_for("records.show", record_id=i, q=query or None) for i in ids}
            assert record_links(ids, query) == expected


def test_thumbnail_links_are_each_records_first_thumbnail(app: Flask) -> None:
    ids = [1, 66, 12345]
    with app.test_request_context("/search"):
        expected = {i: url_for("records.page_thumbnail", record_id=i, number=1) for i in ids}
        assert record_urls("records.page_thumbnail", ids, number=1) == expected


def test_record_urls_are_built_in_full_when_the_root_holds_the_placeholder(app: Flask) -> None:
    with app.test_request_context("/search", base_url=f"http://localhost/{PLACEHOLDER_ID}/"):
        expected = {i: url_for("records.show", record_id=i) for i in (1, 66)}
        assert record_urls("records.show", [1, 66]) == expected
