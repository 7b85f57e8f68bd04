"""Translation of a parsed query, filters and clearance into Elasticsearch query DSL."""

from __future__ import annotations

from typing import Any

from archive.access import Clearance
from indexer.search.analysis import is_word_unit, query_bigrams
from indexer.search.fields import TITLE_BOOST, day_bounds
from indexer.search.query import And, MatchAll, Node, Not, Or, Term, YearRange
from indexer.search.request import MAX_FACET_VALUES, Prepared

MATCH_NONE: dict[str, Any] = {"match_none": {}}
PREFIX_EXPANSIONS = 1000


def _core(unit: str) -> str:
    return unit[:-1] if is_word_unit(unit) else unit


def build_query(prepared: Prepared) -> dict[str, Any]:
    """The whole query: text scored, every filter and the clearance as filters."""
    request = prepared.request
    filters: list[dict[str, Any]] = [clearance_filter(request.clearance)]
    for name, values in prepared.filters.items():
        filters.append({"terms": {name: [int(v) for v in values] if name == "year" else values}})
    if request.date_from or request.date_to:
        low, high = day_bounds(request.date_from, request.date_to)
        filters.append({"range": {"date_desc_key": {"gte": low, "lte": high}}})
    if request.record_id is not None:
        filters.append({"term": {"id": int(request.record_id)}})
    return {"bool": {"must": [node_query(prepared.tree)], "filter": filters}}


def clearance_filter(clearance: Clearance) -> dict[str, Any]:
    """Records the caller may see: a level in ``levels`` or an id in ``granted_ids``."""
    should: list[dict[str, Any]] = []
    if clearance.levels:
        should.append({"terms": {"access_level": sorted(clearance.levels)}})
    if clearance.granted_ids:
        should.append({"terms": {"id": sorted(int(i) for i in clearance.granted_ids)}})
    if not should:
        return MATCH_NONE
    return {"bool": {"should": should, "minimum_should_match": 1}}


def node_query(node: Node) -> dict[str, Any]:
    """A query tree node."""
    if isinstance(node, MatchAll):
        return {"match_all": {}}
    if isinstance(node, Term):
        return term_query(node)
    if isinstance(node, YearRange):
        bounds = {k: v for k, v in (("gte", node.low), ("lte", node.high)) if v is not None}
        return {"range": {"year": bounds}}
    if isinstance(node, Not):
        return {"bool": {"must": [{"match_all": {}}], "must_not": [node_query(node.part)]}}
    if isinstance(node, And):
        must = [node_query(p) for p in node.parts if not isinstance(p, Not)]
        must_not = [node_query(p.part) for p in node.parts if isinstance(p, Not)]
        return {"bool": {"must": must or [{"match_all": {}}], "must_not": must_not}}
    if not isinstance(node, Or):  # pragma: no cover - the parser makes no other node
        raise TypeError(f"unknown query node {node!r}")
    return {"bool": {"should": [node_query(p) for p in node.parts], "minimum_should_match": 1}}


def term_query(term: Term) -> dict[str, Any]:
    """A word or phrase; default-field terms also score higher in the title."""
    if not term.units:
        return MATCH_NONE
    if term.field is not None:
        return _match(term.units, term.prefix, "muni", "mbi", term.field + ":")
    body = _match(term.units, term.prefix, "uni", "bi", "")
    title = _match(term.units, term.prefix, "muni", "mbi", "title:")
    return {"bool": {"must": [body], "should": [{"constant_score": {"filter": title, "boost": TITLE_BOOST}}]}}


def _match(units: tuple[str, ...], prefix: bool, uni: str, bi: str, tag: str) -> dict[str, Any]:
    if len(units) == 1:
        if prefix:
            return {"prefix": {uni: {"value": tag + _core(units[0])}}}
        return {"term": {uni: tag + units[0]}}
    pairs = query_bigrams(list(units))
    if prefix:
        pairs[-1] = units[-2] + _core(units[-1])
    pairs = [tag + p for p in pairs]
    if prefix and len(pairs) == 1:
        return {"prefix": {bi: {"value": pairs[0]}}}
    if prefix:
        return {
            "match_phrase_prefix": {
                bi: {"query": " ".join(pairs), "analyzer": "lantai_ws", "max_expansions": PREFIX_EXPANSIONS}
            }
        }
    if len(pairs) == 1:
        return {"term": {bi: pairs[0]}}
    return {"match_phrase": {bi: {"query": " ".join(pairs), "analyzer": "lantai_ws"}}}


def sort_clause(sort: str) -> list[dict[str, Any]] | None:
    """The sort of a request (None: relevance)."""
    return {
        "relevance": None,
        "date_desc": [{"date_desc_key": "desc"}],
        "date_asc": [{"date_asc_key": "asc"}],
        "title": [{"title_key": "asc"}],
    }[sort]


def facet_aggs(facets: tuple[str, ...]) -> dict[str, Any]:
    """A terms aggregation per facet."""
    return {name: {"terms": {"field": name, "size": MAX_FACET_VALUES}} for name in facets}
