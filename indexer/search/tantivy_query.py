"""Translation of a parsed query, filters and clearance into a Tantivy query."""

from __future__ import annotations

import re
from typing import Any

import tantivy

from indexer.search.analysis import is_word_unit, query_bigrams
from indexer.search.base import ACCESS_LEVELS, Clearance
from indexer.search.fields import TITLE_BOOST, access_set_key, day_bounds
from indexer.search.query import And, MatchAll, Node, Not, Term, YearRange
from indexer.search.request import Prepared

MUST, SHOULD, MUST_NOT = tantivy.Occur.Must, tantivy.Occur.Should, tantivy.Occur.MustNot


_ALL_LEVELS = frozenset(ACCESS_LEVELS)
MAX_ID_TERMS = 1024  # more granted records than this: one term set instead of a union


def _filter(query: tantivy.Query) -> tantivy.Query:
    """A query that only filters: it adds nothing to a record's score."""
    return tantivy.Query.const_score_query(query, 0.0)


def _all(*parts: tantivy.Query) -> tantivy.Query:
    return tantivy.Query.boolean_query([(MUST, p) for p in parts])


def _core(unit: str) -> str:
    return unit[:-1] if is_word_unit(unit) else unit


class QueryBuilder:
    """Builds Tantivy queries against one schema."""

    def __init__(self, schema: tantivy.Schema) -> None:
        self.schema = schema

    def build(self, prepared: Prepared) -> tantivy.Query:
        """The full query: text, filters, dates and record, restricted to the caller's clearance.

        Built once per request; the same query object gives the hits and the facets.
        """
        request = prepared.request
        clauses = [(MUST, self.node(prepared.tree))]
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
        query = clauses[0][1] if len(clauses) == 1 else tantivy.Query.boolean_query(clauses)
        return self.restrict(query, request.clearance)

    def restrict(self, query: tantivy.Query, clearance: Clearance) -> tantivy.Query:
        """``query`` limited to what the caller may see: a level in ``levels`` or a granted id.

        A level set is one term of the ``access`` field (every record lists each set of
        levels that admits it, ``fields.access_sets``), so the filter is one posting list
        however many levels it allows, instead of a union read in full for every search.
        Granted records form a second, disjoint branch that only visits those ids; the
        filters score nothing, so a record scores the same whichever branch admits it.
        """
        if clearance.levels >= _ALL_LEVELS:
            return query
        levels = self.levels_filter(clearance.levels)
        grants = sorted(int(i) for i in clearance.granted_ids)
        if not grants:
            return tantivy.Query.empty_query() if levels is None else _all(query, levels)
        ids = _filter(self.ids(grants))
        if levels is None:
            return _all(ids, query)
        granted = tantivy.Query.boolean_query([(MUST, ids), (MUST, query), (MUST_NOT, levels)])
        return tantivy.Query.boolean_query([(SHOULD, _all(query, levels)), (SHOULD, granted)])

    def ids(self, ids: list[int]) -> tantivy.Query:
        """Records by id: a union of their terms, which leads an intersection and visits only
        them (a term set is read into a bitset of the whole index first)."""
        if len(ids) > MAX_ID_TERMS:
            return tantivy.Query.term_set_query(self.schema, "id", ids)
        return tantivy.Query.boolean_query([(SHOULD, tantivy.Query.term_query(self.schema, "id", i)) for i in ids])

    def levels_filter(self, levels: frozenset[str]) -> tantivy.Query | None:
        """Records whose access level is in ``levels`` (None: no level admitted)."""
        if not levels:
            return None
        if levels <= _ALL_LEVELS:
            return _filter(tantivy.Query.term_query(self.schema, "access", access_set_key(levels)))
        # A level outside the vocabulary is not in the access sets: match the level itself.
        return _filter(tantivy.Query.term_set_query(self.schema, "access_level", sorted(levels)))

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
