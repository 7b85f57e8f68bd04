"""The Elasticsearch translation, checked without a server: the DSL carries the same
bigram phrases, filters and clearance as the embedded engine (the full contract suite
runs against a real server when LANTAI_ELASTICSEARCH_URL is set)."""

from __future__ import annotations

import datetime as dt

from archive.access import Clearance
from indexer.search.base import SearchRequest
from indexer.search.es_query import build_query, sort_clause
from indexer.search.request import prepare
from tests.search.conftest import EVERY_LEVEL


def test_phrase_becomes_a_whitespace_bigram_phrase_with_title_boost() -> None:
    query = build_query(prepare(SearchRequest(clearance=EVERY_LEVEL, query="檔案管理")))
    text = query["bool"]["must"][0]
    assert text["bool"]["must"][0] == {"match_phrase": {"bi": {"query": "档案 案管 管理", "analyzer": "lantai_ws"}}}
    title = text["bool"]["should"][0]["constant_score"]["filter"]
    assert title == {"match_phrase": {"mbi": {"query": "title:档案 title:案管 title:管理", "analyzer": "lantai_ws"}}}


def test_filters_dates_record_and_clearance_are_filters() -> None:
    request = SearchRequest(
        query="year:2018..2020 -草稿",
        filters={"category": ["WS"], "year": ["2019"]},
        date_from=dt.date(2019, 1, 1),
        record_id=7,
        clearance=Clearance(frozenset({"open"}), frozenset({3})),
    )
    query = build_query(prepare(request))
    filters = query["bool"]["filter"]
    assert filters[0] == {
        "bool": {"should": [{"terms": {"access_level": ["open"]}}, {"terms": {"id": [3]}}], "minimum_should_match": 1}
    }
    assert {"terms": {"category": ["WS"]}} in filters and {"terms": {"year": [2019]}} in filters
    assert {"term": {"id": 7}} in filters
    text = query["bool"]["must"][0]["bool"]
    assert text["must"] == [{"range": {"year": {"gte": 2018, "lte": 2020}}}]
    assert text["must_not"][0]["bool"]["must"][0] == {"term": {"bi": "草稿"}}


def test_no_clearance_matches_nothing_and_sorts_are_deterministic() -> None:
    query = build_query(prepare(SearchRequest(clearance=Clearance(frozenset()))))
    assert query["bool"]["filter"][0] == {"match_none": {}}
    assert sort_clause("relevance") is None
    assert sort_clause("date_desc") == [{"date_desc_key": "desc"}]
