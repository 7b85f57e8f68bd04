"""Translation of a parsed query, filters and clearance into a Tantivy query."""

from __future__ import annotations

import re
from typing import Any

import tantivy

from archive.access import Clearance
from indexer.search.analysis import is_word_unit, query_bigrams
from indexer.search.fields import TITLE_BOOST, day_bounds
from indexer.search.query import And, MatchAll, Node, Not, Term, YearRange
from indexer.search.request import MAX_FACET_VALUES, Prepared

MUST, SHOULD, MUST_NOT = tantivy.Occur.Must, tantivy.Occur.Should, tantivy.Occur.MustNot


def _core(unit: str) -> str:
    return unit[:-1] if is_word_unit(unit) else unit


class QueryBuilder:
    """Builds Tantivy queries against one schema."""

    def __init__(self, schema: tantivy.Schema) -> None:
        self.schema = schema

    def build(self, prepared: Prepared) -> tantivy.Query:
        """The full query: text, filters, dates, record and clearance, all required."""
        request = prepared.request
        clauses = [(MUST, self.node(prepared.tree)), (MUST, self.clearance(request.clearance))]
        for name, values in prepared.filters.items():
            if name == "year":
                clauses.append((MUST, tantivy.Query.term_set_query(self.schema, "year", [int(v) for v in values])))
            else:
                clauses.append((MUST, tantivy.Query.term_set_query(self.schema, name, values)))
        if request.date_from or request.date_to:
            low, high = day_bounds(request.date_from, request.date_to)
            clauses.append(
                (MUST, tantivy.Query.range_query(self.schema, "date_desc_key", tantivy.FieldType.Integer, low, high))
            )
        if request.record_id is not None:
            clauses.append((MUST, tantivy.Query.term_query(self.schema, "id", int(request.record_id))))
        return tantivy.Query.boolean_query(clauses)

    def clearance(self, clearance: Clearance) -> tantivy.Query:
        """Records the caller may see: a level in ``levels`` or an id in ``granted_ids``."""
        parts = []
        if clearance.levels:
            parts.append((SHOULD, tantivy.Query.term_set_query(self.schema, "access_level", sorted(clearance.levels))))
        if clearance.granted_ids:
            parts.append(
                (SHOULD, tantivy.Query.term_set_query(self.schema, "id", sorted(int(i) for i in clearance.granted_ids)))
            )
        if not parts:
            return tantivy.Query.empty_query()
        return tantivy.Query.boolean_query(parts)

    def node(self, node: Node) -> tantivy.Query:
        """A query tree node."""
        if isinstance(node, MatchAll):
            return tantivy.Query.all_query()
        if isinstance(node, Term):
            return self.term(node)
        if isinstance(node, YearRange):
            return tantivy.Query.range_query(self.schema, "year", tantivy.FieldType.Integer, node.low, node.high)
        if isinstance(node, Not):
            return tantivy.Query.boolean_query([(MUST, tantivy.Query.all_query()), (MUST_NOT, self.node(node.part))])
        if isinstance(node, And):
            clauses = [
                (MUST_NOT, self.node(p.part)) if isinstance(p, Not) else (MUST, self.node(p)) for p in node.parts
            ]
            if all(occur == MUST_NOT for occur, _ in clauses):
                clauses.append((MUST, tantivy.Query.all_query()))
            return tantivy.Query.boolean_query(clauses)
        return tantivy.Query.boolean_query([(SHOULD, self.node(p)) for p in node.parts])

    def term(self, term: Term) -> tantivy.Query:
        """A word or phrase; default-field terms also score higher in the title."""
        if not term.units:
            return tantivy.Query.empty_query()
        if term.field is not None:
            return self._match(term.units, term.prefix, "muni", "mbi", term.field + ":")
        body = self._match(term.units, term.prefix, "uni", "bi", "")
        title = self._match(term.units, term.prefix, "muni", "mbi", "title:")
        return tantivy.Query.boolean_query([(MUST, body), (SHOULD, tantivy.Query.boost_query(title, TITLE_BOOST))])

    def _match(self, units: tuple[str, ...], prefix: bool, uni: str, bi: str, tag: str) -> tantivy.Query:
        if len(units) == 1:
            if prefix:
                return tantivy.Query.regex_query(self.schema, uni, re.escape(tag + _core(units[0])) + ".*")
            return tantivy.Query.term_query(self.schema, uni, tag + units[0])
        pairs = query_bigrams(list(units))
        if prefix:
            pairs[-1] = units[-2] + _core(units[-1])
        words: list[str | tuple[int, str]] = [tag + p for p in pairs]
        if prefix and len(pairs) == 1:
            return tantivy.Query.regex_query(self.schema, bi, re.escape(tag + pairs[0]) + ".*")
        if prefix:
            return tantivy.Query.phrase_prefix_query(self.schema, bi, words)
        if len(pairs) == 1:
            return tantivy.Query.term_query(self.schema, bi, tag + pairs[0])
        return tantivy.Query.phrase_query(self.schema, bi, words)

    @staticmethod
    def order(sort: str) -> tuple[str, Any] | None:
        """The fast field and direction of a sort (None: relevance)."""
        return {
            "relevance": None,
            "date_desc": ("date_desc_key", tantivy.Order.Desc),
            "date_asc": ("date_asc_key", tantivy.Order.Asc),
            "title": ("title_key", tantivy.Order.Asc),
        }[sort]

    @staticmethod
    def facet_aggs(facets: tuple[str, ...]) -> dict[str, Any]:
        """A terms aggregation per facet."""
        return {name: {"terms": {"field": name, "size": MAX_FACET_VALUES}} for name in facets}
