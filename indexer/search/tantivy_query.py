"""Translation of a parsed query, filters and clearance into a Tantivy query."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

import tantivy

from archive.access import Clearance
from archive.vocabulary import AccessLevel
from indexer.search.analysis import is_word_unit, query_bigrams
from indexer.search.fields import TITLE_BOOST, access_set_key, day_bounds
from indexer.search.query import And, MatchAll, Node, Not, Term, YearRange
from indexer.search.request import Prepared

MUST, SHOULD, MUST_NOT = tantivy.Occur.Must, tantivy.Occur.Should, tantivy.Occur.MustNot


_ALL_LEVELS = frozenset(AccessLevel.values())
MAX_ID_TERMS = 1024  # more granted records than this: one term set instead of a union
ACCESS_CACHE = 256  # clearances whose filters are kept
MATCH_CACHE = 1024  # term queries kept


def _filter(query: tantivy.Query) -> tantivy.Query:
    """A query that only filters: it adds nothing to a record's score."""
    return tantivy.Query.const_score_query(query, 0.0)


def _all(*parts: tantivy.Query) -> tantivy.Query:
    return tantivy.Query.boolean_query([(MUST, p) for p in parts])


def _core(unit: str) -> str:
    return unit[:-1] if is_word_unit(unit) else unit


@dataclass(frozen=True)
class Built:
    """A request's query for the hits (scored) and for the facets (same matches, unscored)."""

    hits: tantivy.Query
    facets: tantivy.Query


@dataclass(frozen=True)
class Access:
    """What a caller may see: records of the admitted levels, plus granted records.

    A level set is one term of the ``access`` field (every record lists each set of levels
    that admits it, ``fields.access_sets``), so the filter is one posting list however
    many levels it allows, instead of a union read in full for every search. Granted
    records form a second, disjoint branch that only visits those ids; the filters score
    nothing, so a record scores the same whichever branch admits it.
    """

    levels: tantivy.Query | None = None
    ids: tantivy.Query | None = None
    everything: bool = False

    def apply(self, query: tantivy.Query) -> tantivy.Query:
        """``query`` limited to these records."""
        if self.everything:
            return query
        if self.ids is None:
            return tantivy.Query.empty_query() if self.levels is None else _all(query, self.levels)
        if self.levels is None:
            return _all(self.ids, query)
        granted = tantivy.Query.boolean_query([(MUST, self.ids), (MUST, query), (MUST_NOT, self.levels)])
        return tantivy.Query.boolean_query([(SHOULD, _all(query, self.levels)), (SHOULD, granted)])


class QueryBuilder:
    """Builds Tantivy queries against one schema."""

    def __init__(self, schema: tantivy.Schema) -> None:
        self.schema = schema
        # Queries are immutable, so they are kept: the filters of recent clearances, and a
        # term's query, built once for the hits and the facets (and for the next requests with
        # the same term: paging, a facet clicked).
        self._access = functools.lru_cache(maxsize=ACCESS_CACHE)(self._new_access)
        self._match = functools.lru_cache(maxsize=MATCH_CACHE)(self._new_match)
        self._boosted = functools.lru_cache(maxsize=MATCH_CACHE)(self._new_boosted)

    def build(self, prepared: Prepared) -> Built:
        """The request's query for the hits and for the facets, under one access filter.

        Both match the same records: the hits' query also scores title matches higher,
        which facets do not need (that clause costs about a fifth of a pass). Filters,
        dates, record and the access filter are built once and shared by the two.
        """
        request = prepared.request
        shared = []
        for name, values in prepared.filters.items():
            if name == "year":
                shared.append((MUST, tantivy.Query.term_set_query(self.schema, "year", [int(v) for v in values])))
            else:
                shared.append((MUST, tantivy.Query.term_set_query(self.schema, name, values)))
        if request.date_from or request.date_to:
            low, high = day_bounds(request.date_from, request.date_to)
            shared.append(
                (MUST, tantivy.Query.range_query(self.schema, "date_desc_key", tantivy.FieldType.Integer, low, high))
            )
        if request.record_id is not None:
            shared.append((MUST, tantivy.Query.term_query(self.schema, "id", int(request.record_id))))
        access = self.access(request.clearance)

        def whole(text: tantivy.Query) -> tantivy.Query:
            return access.apply(tantivy.Query.boolean_query([(MUST, text), *shared]) if shared else text)

        return Built(whole(self.node(prepared.tree)), whole(self.node(prepared.tree, scored=False)))

    def restrict(self, query: tantivy.Query, clearance: Clearance) -> tantivy.Query:
        """``query`` limited to what ``clearance`` may see (see ``Access``)."""
        return self.access(clearance).apply(query)

    def access(self, clearance: Clearance) -> Access:
        """The access filter of a clearance: built once and kept for the clearance's next
        requests (a user's searches, every anonymous visitor's), shared by hits and facets."""
        return self._access(clearance)

    def _new_access(self, clearance: Clearance) -> Access:
        if clearance.levels >= _ALL_LEVELS:
            return Access(everything=True)
        grants = sorted(int(i) for i in clearance.granted_ids)
        return Access(self.levels_filter(clearance.levels), _filter(self.ids(grants)) if grants else None)

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

    def node(self, node: Node, scored: bool = True) -> tantivy.Query:
        """A query tree node (``scored=False``: the same matches without the title boost)."""
        if isinstance(node, MatchAll):
            return tantivy.Query.all_query()
        if isinstance(node, Term):
            return self.term(node, scored)
        if isinstance(node, YearRange):
            return tantivy.Query.range_query(self.schema, "year", tantivy.FieldType.Integer, node.low, node.high)
        if isinstance(node, Not):
            part = self.node(node.part, scored)
            return tantivy.Query.boolean_query([(MUST, tantivy.Query.all_query()), (MUST_NOT, part)])
        if isinstance(node, And):
            clauses = [
                (MUST_NOT, self.node(p.part, scored)) if isinstance(p, Not) else (MUST, self.node(p, scored))
                for p in node.parts
            ]
            if all(occur == MUST_NOT for occur, _ in clauses):
                clauses.append((MUST, tantivy.Query.all_query()))
            return tantivy.Query.boolean_query(clauses)
        return tantivy.Query.boolean_query([(SHOULD, self.node(p, scored)) for p in node.parts])

    def term(self, term: Term, scored: bool = True) -> tantivy.Query:
        """A word or phrase; default-field terms also score higher in the title."""
        if not term.units:
            return tantivy.Query.empty_query()
        if term.field is not None:
            return self._match(term.units, term.prefix, "muni", "mbi", term.field + ":")
        if not scored:
            return self._match(term.units, term.prefix, "uni", "bi", "")
        return self._boosted(term.units, term.prefix)

    def _new_boosted(self, units: tuple[str, ...], prefix: bool) -> tantivy.Query:
        body = self._match(units, prefix, "uni", "bi", "")
        title = self._match(units, prefix, "muni", "mbi", "title:")
        return tantivy.Query.boolean_query([(MUST, body), (SHOULD, tantivy.Query.boost_query(title, TITLE_BOOST))])

    def _new_match(self, units: tuple[str, ...], prefix: bool, uni: str, bi: str, tag: str) -> tantivy.Query:
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
