"""Facet counts within a time budget, on an engine that cannot stop an aggregation midway.

Counting facets costs about the same for every matching record, so the cost of a request
is known before it runs: ``total`` matches times (facets + 1, the query run once more)
times the cost per match and facet, measured on the requests answered so far. Facets are
taken in the order asked for while they fit in ``SearchRequest.facet_budget_ms``; the rest
are left empty and named in ``SearchResponse.facets_incomplete``, as Datasette does with a
facet that runs out of time: the search answers in time and says what it left out, instead
of every facet of a very common term holding up the page.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from indexer.search.base import FacetCount, SearchRequest
from indexer.search.request import MAX_FACET_VALUES, facet_list

INITIAL_COST_NS = 12.0  # per match and facet: measured here at 100,000 records, refined as requests run
LEARN_FROM = 5_000  # matches; smaller aggregations are dominated by fixed costs
LEARN_WEIGHT = 0.3


class FacetCounter:
    """Counts facets for one index, learning what a match costs."""

    def __init__(self, cost_ns: float = INITIAL_COST_NS) -> None:
        self.cost_ns = cost_ns
        self._lock = threading.Lock()

    def fitting(self, facets: tuple[str, ...], total: int, budget_ms: float) -> int:
        """How many of ``facets`` (in order) fit in the budget for ``total`` matches."""
        fit = 0
        while fit < len(facets) and total * (fit + 2) * self.cost_ns <= budget_ms * 1e6:
            fit += 1
        return fit

    def count(
        self, searcher: Any, query: Any, request: SearchRequest, total: int
    ) -> tuple[dict[str, list[FacetCount]], list[str]]:
        """Counts of the facets that fit (by name) and the names of those left out."""
        names = request.facets
        fit = self.fitting(names, total, request.facet_budget_ms)
        counted, left_out = names[:fit], list(names[fit:])
        aggregations: dict[str, Any] = {}
        if counted:
            started = time.perf_counter()
            aggregations = searcher.aggregate(query, aggs(counted))
            self._learn(time.perf_counter() - started, total, len(counted))
        facets = {
            name: facet_list(name, [(b["key"], b["doc_count"]) for b in aggregations.get(name, {}).get("buckets", [])])
            for name in names
        }
        return facets, left_out

    def _learn(self, seconds: float, total: int, counted: int) -> None:
        if total < LEARN_FROM:
            return
        observed = seconds * 1e9 / (total * (counted + 1))
        with self._lock:
            self.cost_ns += LEARN_WEIGHT * (observed - self.cost_ns)


def aggs(facets: tuple[str, ...]) -> dict[str, Any]:
    """A terms aggregation per facet (Tantivy's aggregation request)."""
    return {name: {"terms": {"field": name, "size": MAX_FACET_VALUES}} for name in facets}
