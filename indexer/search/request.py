"""Backend-neutral handling of a ``SearchRequest``: parsing, validation, hit fields, facets."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from indexer.search.base import FACETS, SORTS, FacetCount, QuerySyntaxError, SearchHit, SearchRequest
from indexer.search.highlight import Pattern, records_page_hits
from indexer.search.query import Node, Term, compile_query, term_string
from indexer.search.values import canonical

MAX_LIMIT = 1000
MAX_WINDOW = 100_000  # deepest result reachable by paging (Elasticsearch's max_result_window here)
MAX_FACET_VALUES = 100
YEAR_FILTER = re.compile(r"[0-9]{1,4}")


class BadSearchRequest(QuerySyntaxError):
    """A filter, sort or page of a search that cannot be used (shown like a query error)."""

    code = "bad_search_request"
    default_zh = "检索参数无效"
    default_en = "Invalid search parameters"


@dataclass
class Prepared:
    """A request checked and parsed, ready for a backend to translate."""

    request: SearchRequest
    tree: Node
    terms: list[Term]
    filters: dict[str, list[str]]

    @property
    def term_strings(self) -> list[str]:
        """Normalised terms for highlighting (``SearchResponse.terms``)."""
        return [term_string(t) for t in self.terms]


def prepare(request: SearchRequest) -> Prepared:
    """Parse the query and check filters, sort and paging; raise a clear error when wrong."""
    if request.sort not in SORTS:
        raise BadSearchRequest(
            f"Unknown sort {request.sort!r}; use one of {', '.join(SORTS)}.",
            f"未知的排序方式 {request.sort!r}；可用：{'、'.join(SORTS)}。",
        )
    if not 0 <= request.limit <= MAX_LIMIT or not 0 <= request.offset <= MAX_WINDOW - request.limit:
        raise BadSearchRequest(
            f"limit must be between 0 and {MAX_LIMIT}, offset at least 0 and offset + limit at most {MAX_WINDOW}.",
            f"limit 须在 0 到 {MAX_LIMIT} 之间，offset 不能为负，且 offset + limit 不超过 {MAX_WINDOW}。",
        )
    for name in [*request.filters, *request.facets]:
        if name not in FACETS:
            raise BadSearchRequest(
                f"Unknown filter or facet {name!r}; use one of {', '.join(FACETS)}.",
                f"未知的筛选或分面字段 {name!r}；可用：{'、'.join(FACETS)}。",
            )
    filters = {k: [canonical(k, str(v)) for v in vs] for k, vs in request.filters.items() if vs}
    for value in filters.get("year", []):
        # ASCII digits only: str.isdigit() admits "²" and int() "--5" does not, and more than four
        # digits overflow the index's integer.
        if not YEAR_FILTER.fullmatch(value):
            raise BadSearchRequest(
                f"Year filter {value[:40]!r} is not a year: use four digits, e.g. year:2023.",
                f"年度筛选值 {value[:40]!r} 不是年份：请使用四位数字，如 year:2023。",
            )
    compiled = compile_query(request.query)
    return Prepared(request, compiled.tree, compiled.terms, filters)


def patterns_of(prepared: Prepared) -> list[Pattern]:
    """What to mark in page text: the query's positive terms outside field:value."""
    return [Pattern(t.units, t.prefix) for t in prepared.terms if t.field is None]


def hits_of(found: Sequence[tuple[int, float, dict[str, Any]]], patterns: list[Pattern]) -> list[SearchHit]:
    """The hits of a page of results, from (record id, score, stored payload) of each,
    highlighted together (``records_page_hits``)."""
    highlights = records_page_hits([payload["pages"] for _, _, payload in found], patterns)
    return [
        SearchHit(
            id=record_id,
            title=payload["title"] or "",
            filename=payload["filename"] or "",
            score=round(score, 4),
            snippet=best,
            pages=pages,
            fields=hit_fields(payload),
            thumbnail=payload.get("thumbnail"),
        )
        for (record_id, score, payload), (best, pages) in zip(found, highlights, strict=True)
    ]


def hit_fields(payload: dict[str, Any]) -> dict[str, Any]:
    """Display fields of a hit from its stored payload."""
    out: dict[str, Any] = {k: v for k, v in payload.get("meta", {}).items() if v and k != "title"}
    out.update({k: v for k, v in payload.get("keywords", {}).items() if v})
    if payload.get("date"):
        out["date"] = payload["date"]
    if payload.get("year") is not None:
        out["year"] = payload["year"]
    out["page_count"] = len(payload.get("pages", []))
    out.update(payload.get("fields") or {})
    return out


def facet_list(name: str, buckets: list[tuple[Any, int]]) -> list[FacetCount]:
    """Facet counts as returned: years newest first, other values by count."""
    counts = [FacetCount(str(int(k)) if name == "year" else str(k), int(c)) for k, c in buckets if c > 0]
    if name == "year":
        counts.sort(key=lambda c: -int(c.value))
    else:
        counts.sort(key=lambda c: (-c.count, c.value))
    return counts
